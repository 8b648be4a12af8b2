import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { signEditorToken } from "./editor_token.ts";
import {
  clientAddress,
  createAuthenticator,
  credentialFromHeader,
  credentialFromRequest,
} from "./credentials.ts";
import type { TokenStore } from "./tokens.ts";

Deno.test("Token and Bearer authorization headers both carry the key", () => {
  assert.equal(credentialFromHeader("Token af_x"), "af_x");
  assert.equal(credentialFromHeader("Bearer af_x"), "af_x");
  assert.equal(credentialFromHeader("bearer af_x "), "af_x");
  assert.equal(credentialFromHeader("Basic dXNlcjpwdw=="), null);
  assert.equal(credentialFromHeader("Token"), null);
  assert.equal(credentialFromHeader(null), null);
});

Deno.test("WebSocket upgrades may carry the key in a subprotocol or the query", () => {
  const ws = (headers: Record<string, string>, url = "http://h/ws") =>
    credentialFromRequest(new Request(url, { headers }), true);
  assert.deepEqual(ws({ "sec-websocket-protocol": "archiflow, archiflow.token.af_k" }), {
    key: "af_k",
    via: "subprotocol",
  });
  assert.deepEqual(ws({}, "http://h/ws?token=af_q"), { key: "af_q", via: "query" });
  assert.deepEqual(ws({ authorization: "Token af_h" }, "http://h/ws?token=af_q"), {
    key: "af_h",
    via: "header",
  });
  assert.equal(ws({ "sec-websocket-protocol": "archiflow" }), null);
  // Plain HTTP requests take the header only: keys in URLs end up in access logs.
  assert.equal(
    credentialFromRequest(new Request("http://h/api/?token=af_q"), false),
    null,
  );
});

Deno.test("X-Forwarded-For is believed only from trusted proxies", () => {
  const trusted = ["10.0.0.0/8"];
  assert.equal(clientAddress("192.0.2.7", "198.51.100.1", trusted), "192.0.2.7");
  assert.equal(clientAddress("10.0.0.2", "198.51.100.1", trusted), "198.51.100.1");
  assert.equal(
    clientAddress("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", trusted),
    "198.51.100.1",
  );
  assert.equal(clientAddress("10.0.0.2", "198.51.100.1", []), "10.0.0.2");
  assert.equal(clientAddress("10.0.0.2", null, trusted), "10.0.0.2");
});

/** A token store whose API-key lookups fail and whose database knows `revoked` users. */
function editorOnlyStore(revoked: Record<string, number> = {}): TokenStore {
  return {
    check: () => Promise.reject(new Error("API keys are not looked up for editor tokens")),
    db: {
      query: (_text: string, [user]: unknown[]) =>
        Promise.resolve(user as string in revoked ? [{ not_before: revoked[user as string] }] : []),
    },
    options: { cacheMs: 0 },
  } as unknown as TokenStore;
}

Deno.test("signed editor tokens act as netbox:<user>, bound to what they were signed for", async () => {
  const secret = "s".repeat(32);
  const config = loadConfig({ ARCHIFLOW_EDITOR_SECRET: secret });
  const auth = createAuthenticator(config, editorOnlyStore());
  const token = await signEditorToken(secret, { sub: "alice" });
  const actor = await auth.authenticate(token, "192.0.2.1", "browser");
  assert.equal(actor.user, "netbox:alice");
  assert.equal(actor.scope, "write");
  assert.deepEqual(actor.editor, {});
  const scoped = await auth.authenticate(
    await signEditorToken(secret, { sub: "admin", diagram: "9", site: "ams", device: 4 }),
    null,
    null,
  );
  assert.equal(scoped.user, "netbox:admin");
  assert.deepEqual(scoped.editor, { diagram: "9", site: "ams", device: 4 });
  const forged = await signEditorToken("t".repeat(32), { sub: "mallory" });
  await assert.rejects(auth.authenticate(forged, null, null), /Invalid or expired editor token/);
  const old = await signEditorToken(secret, { sub: "bob" }, 1_000_000, 60);
  await assert.rejects(auth.authenticate(old, null, null), /Invalid or expired editor token/);
  // Without a configured secret, editor tokens are refused like any unknown key.
  const plain = createAuthenticator(loadConfig({}), {
    check: () => Promise.reject(new Error("unknown key")),
  } as unknown as TokenStore);
  await assert.rejects(plain.authenticate(token, null, null), /unknown key/);
  await assert.rejects(plain.authenticate(null, null, null), /Authentication required/);
});

Deno.test("editor tokens issued up to a user's revocation time are refused", async () => {
  const secret = "s".repeat(32);
  const now = Math.floor(Date.now() / 1000);
  const auth = createAuthenticator(
    loadConfig({ ARCHIFLOW_EDITOR_SECRET: secret }),
    editorOnlyStore({ carol: now - 10 }),
  );
  const before = await signEditorToken(secret, { sub: "carol" }, now - 10);
  await assert.rejects(auth.authenticate(before, null, null), /revoked/);
  const after = await signEditorToken(secret, { sub: "carol" }, now - 9);
  assert.equal((await auth.authenticate(after, null, null)).user, "netbox:carol");
  const other = await signEditorToken(secret, { sub: "dave" }, now - 20);
  assert.equal((await auth.authenticate(other, null, null)).user, "netbox:dave");
});
