// Credentials that stop working while a WebSocket stays open: a revoked API key, an API key past
// its expires_at, an editor token past its exp. Each socket must be closed with a reason, and no
// call may get through on it afterwards. The server runs in this process, so the test can revoke
// in the database behind the server's token cache.
import assert from "node:assert/strict";
import { signEditorToken } from "../../server/auth/editor_token.ts";
import { createToken, revokeToken } from "../../server/auth/tokens.ts";
import { RpcClient } from "../support/rpc_client.ts";
import { startTestServer, wsProtocols } from "../support/server.ts";
import { within } from "./support.ts";

const SECRET = "revocation-test-secret-0123456789";
const ENV = { ARCHIFLOW_TOKEN_CACHE_SECONDS: "1", ARCHIFLOW_EDITOR_SECRET: SECRET };
/** Keeps calling until a call fails; resolves with the socket's close and the calls that passed. */
async function callUntilClosed(client: RpcClient): Promise<{ close: CloseEvent; ok: number }> {
  let ok = 0;
  while (true) {
    const reply = await client.request("tools/call", { name: "list-diagrams", arguments: {} });
    if (reply.error) return { close: await client.closed, ok };
    ok++;
  }
}

Deno.test(
  "a revoked API key closes its open socket within the token cache time",
  async () => {
    const server = await startTestServer(ENV);
    try {
      const { key, token } = await createToken(server.testDb.db, { user: "rev", scope: "read" });
      const client = await server.client(key);
      assert.deepEqual(await client.call("ping"), {});
      await revokeToken(server.testDb.db, token.id);
      const revokedAt = Date.now();
      const { close, ok } = await within(
        callUntilClosed(client),
        10_000,
        "calls on a socket kept working 10 s after its key was revoked",
      );
      console.log(
        `hostile: revoked key: socket closed ${Date.now() - revokedAt} ms after revocation, ` +
          `${ok} calls passed meanwhile`,
      );
      assert.equal(close.code, 1008);
      assert.match(close.reason, /revoked/);
      // The key opens nothing new either.
      const again = await server.client(key);
      assert.equal(
        (await within(again.closed, 10_000, "a revoked key opened a socket")).code,
        1008,
      );
    } finally {
      await server.close();
    }
  },
);

Deno.test("an API key's socket is closed when the key's expires_at passes", async () => {
  const server = await startTestServer(ENV);
  try {
    const expiresAt = new Date(Date.now() + 5000);
    const { key } = await createToken(server.testDb.db, { user: "exp", scope: "read", expiresAt });
    const client = await server.client(key);
    assert.deepEqual(await client.call("ping"), {});
    const close = await within(client.closed, 15_000, "a socket stayed open 10 s after expiry");
    console.log(
      `hostile: expiring key: closed ${Date.now() - expiresAt.getTime()} ms after expiry`,
    );
    assert.ok(Date.now() >= expiresAt.getTime(), "closed before the key expired");
    assert.equal(close.code, 1008);
    assert.match(close.reason, /expired/);
  } finally {
    await server.close();
  }
});

Deno.test("an editor token's socket is closed at the token's exp", async () => {
  const server = await startTestServer(ENV);
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = await signEditorToken(SECRET, { sub: "netbox-user" }, now, 6);
    const exp = (now + 6) * 1000;
    const client = await RpcClient.connect(server.wsUrl, wsProtocols(token));
    const { close, ok } = await within(
      callUntilClosed(client),
      15_000,
      "calls on an editor token's socket kept working 9 s after its exp",
    );
    console.log(
      `hostile: editor token: closed ${Date.now() - exp} ms after exp, ${ok} calls passed`,
    );
    assert.ok(Date.now() >= exp, "closed before the token expired");
    assert.equal(close.code, 1008);
    assert.match(close.reason, /expired/);
  } finally {
    await server.close();
  }
});
