import assert from "node:assert/strict";
import {
  base64urlDecode,
  base64urlEncode,
  type EditorTokenScope,
  MAX_SESSION_SECONDS,
  MAX_TTL_SECONDS,
  sessionStart,
  signEditorToken,
  verifyEditorToken,
} from "./editor_token.ts";
import {
  buildEditorTokenVectors,
  VECTORS_PATH,
} from "../../tests/vectors/generate_editor_token.ts";

interface Vectors {
  secret: string;
  max_ttl_seconds: number;
  max_session_seconds: number;
  sign: Array<{
    name: string;
    scope: EditorTokenScope;
    now: number;
    ttl: number;
    session?: number;
    token: string;
    claims: Record<string, unknown>;
  }>;
  verify: Array<{
    name: string;
    token: string;
    now: number;
    secret?: string;
    expect: { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };
  }>;
}

const vectors: Vectors = JSON.parse(await Deno.readTextFile(VECTORS_PATH));

Deno.test("the committed vectors are what the generator produces today", async () => {
  assert.deepEqual(vectors, await buildEditorTokenVectors());
});

Deno.test("a token lives at most 15 minutes, as the Python signer also enforces", () => {
  assert.equal(MAX_TTL_SECONDS, 900);
  assert.equal(vectors.max_ttl_seconds, MAX_TTL_SECONDS);
});

Deno.test("an editor session lasts at most 12 hours, as the Python refresh also enforces", () => {
  assert.equal(MAX_SESSION_SECONDS, 12 * 3600);
  assert.equal(vectors.max_session_seconds, MAX_SESSION_SECONDS);
});

for (const c of vectors.sign) {
  Deno.test(`signEditorToken() reproduces the shared vector "${c.name}"`, async () => {
    assert.equal(await signEditorToken(vectors.secret, c.scope, c.now, c.ttl, c.session), c.token);
  });
}

for (const c of vectors.verify) {
  Deno.test(`verifyEditorToken() gives the shared answer for "${c.name}"`, async () => {
    const result = await verifyEditorToken(c.secret ?? vectors.secret, c.token, c.now);
    assert.deepEqual(result, c.expect);
  });
}

Deno.test("a freshly signed token verifies now and expires after its lifetime", async () => {
  const secret = "s".repeat(32);
  const token = await signEditorToken(secret, { sub: "alice", diagram: "7" });
  const now = Math.floor(Date.now() / 1000);
  const result = await verifyEditorToken(secret, token);
  assert.equal(result.ok, true);
  if (result.ok) {
    assert.equal(result.claims.sub, "alice");
    assert.equal(result.claims.diagram, "7");
    assert.ok(Math.abs(result.claims.iat - now) <= 5);
    assert.equal(result.claims.exp - result.claims.iat, 300);
  }
  assert.deepEqual(await verifyEditorToken(secret, token, now + 3600), {
    ok: false,
    reason: "expired",
  });
});

Deno.test("a diagram id is signed as text, a number as its text", async () => {
  const secret = "s".repeat(32);
  const now = 1750000000;
  for (const [given, claim] of [["diagram-1", "diagram-1"], [42, "42"]] as const) {
    const token = await signEditorToken(secret, { sub: "a", diagram: given }, now);
    const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(token.split(".")[0])!));
    assert.equal(payload.diagram, claim);
    const result = await verifyEditorToken(secret, token, now);
    assert.equal(result.ok && result.claims.diagram, claim);
  }
});

Deno.test("a new token starts a session; a refreshed one keeps the session it is given", async () => {
  const secret = "s".repeat(32);
  const now = 1750000000;
  const first = await signEditorToken(secret, { sub: "a" }, now);
  const opened = await verifyEditorToken(secret, first, now);
  assert.equal(opened.ok && opened.claims.ses, now);
  const token = await signEditorToken(secret, { sub: "a", site: "x" }, now + 600, 300, now);
  const refreshed = await verifyEditorToken(secret, token, now + 600);
  assert.ok(refreshed.ok);
  assert.equal(refreshed.claims.ses, now);
  assert.equal(sessionStart(refreshed.claims), now);
  assert.equal(sessionStart({ v: 1, sub: "a", iat: now, exp: now + 60 }), now);
});

Deno.test("signEditorToken() refuses claims it could not sign faithfully", async () => {
  const secret = "s".repeat(32);
  const bad: Array<[EditorTokenScope, number]> = [
    [{ sub: "" }, 300],
    [{ sub: "a\u0000b" }, 300],
    [{ sub: "x".repeat(151) }, 300],
    [{ sub: "ok", diagram: "" }, 300],
    [{ sub: "ok", device: 0 }, 300],
    [{ sub: "ok", device: 1.5 }, 300],
    [{ sub: "ok", site: "\ud800" }, 300],
    [{ sub: "ok" }, 0],
    [{ sub: "ok" }, MAX_TTL_SECONDS + 1],
  ];
  for (const [scope, ttl] of bad) {
    await assert.rejects(
      signEditorToken(secret, scope, 1750000000, ttl),
      /Cannot sign editor token/,
      JSON.stringify({ scope, ttl }),
    );
  }
  for (const session of [1750000001, -1, 1.5, 1750000000 - MAX_SESSION_SECONDS - 1]) {
    await assert.rejects(
      signEditorToken(secret, { sub: "ok" }, 1750000000, 300, session),
      /Cannot sign editor token/,
      `session ${session}`,
    );
  }
  await assert.rejects(signEditorToken("", { sub: "ok" }), /shared secret is empty/);
  await assert.rejects(verifyEditorToken("", "x.y"), /shared secret is empty/);
});

Deno.test("subject length counts characters, not UTF-16 units", async () => {
  const secret = "s".repeat(32);
  const sub = "😀".repeat(150);
  const token = await signEditorToken(secret, { sub }, 1750000000);
  const result = await verifyEditorToken(secret, token, 1750000000);
  assert.equal(result.ok && result.claims.sub, sub);
});

Deno.test("base64url round-trips every length and rejects non-canonical text", () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 73 + n) & 0xff);
    const text = base64urlEncode(bytes);
    assert.equal(
      text,
      btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replaceAll("+", "-").replaceAll(
        "/",
        "_",
      ),
    );
    assert.deepEqual(base64urlDecode(text), bytes);
  }
  assert.equal(base64urlDecode("QQ=="), null);
  assert.equal(base64urlDecode("QR"), null);
  assert.equal(base64urlDecode("Q"), null);
  assert.equal(base64urlDecode("a+b/"), null);
});
