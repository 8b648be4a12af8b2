import assert from "node:assert/strict";
import {
  base64urlDecode,
  base64urlEncode,
  type EditorTokenScope,
  signEditorToken,
  verifyEditorToken,
} from "./editor_token.ts";
import {
  buildEditorTokenVectors,
  VECTORS_PATH,
} from "../../tests/vectors/generate_editor_token.ts";

interface Vectors {
  secret: string;
  sign: Array<{
    name: string;
    scope: EditorTokenScope;
    now: number;
    ttl: number;
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

for (const c of vectors.sign) {
  Deno.test(`signEditorToken() reproduces the shared vector "${c.name}"`, async () => {
    assert.equal(await signEditorToken(vectors.secret, c.scope, c.now, c.ttl), c.token);
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
    [{ sub: "ok" }, 3601],
  ];
  for (const [scope, ttl] of bad) {
    await assert.rejects(
      signEditorToken(secret, scope, 1750000000, ttl),
      /Cannot sign editor token/,
      JSON.stringify({ scope, ttl }),
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
