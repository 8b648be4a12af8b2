// Builds tests/vectors/editor_token.json, the editor-token cases that both the TypeScript
// (server/auth/editor_token_test.ts) and the Python (netbox-plugin/tests/test_embed.py)
// implementations must pass. Valid tokens come from signEditorToken; the hostile payloads are
// signed here directly, so they can be anything a holder of the secret might send.
// Run: deno run -A tests/vectors/generate_editor_token.ts
// One file, over 400 lines, on purpose: the cases are data, one per line of the vector file both
// implementations read; splitting them would split that list.

import {
  MAX_SESSION_SECONDS,
  MAX_TTL_SECONDS,
  signEditorToken,
} from "../../server/auth/editor_token.ts";

const SECRET = "archiflow-test-secret-0123456789abcdef";
const NOW = 1750000000;

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function signRaw(secret: string, payloadText: string): Promise<string> {
  const enc = new TextEncoder();
  const payload = b64url(enc.encode(payloadText));
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(payload)));
  return `${payload}.${b64url(sig)}`;
}

interface SignCase {
  name: string;
  scope: Record<string, unknown>;
  now: number;
  ttl: number;
  /** Session start passed to the signer; absent means a new session (ses = now). */
  session?: number;
  token: string;
  claims: Record<string, unknown>;
}

interface VerifyCase {
  name: string;
  token: string;
  now: number;
  secret?: string;
  expect: { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };
}

export async function buildEditorTokenVectors(): Promise<Record<string, unknown>> {
  const signInputs: Array<Omit<SignCase, "token" | "claims">> = [
    { name: "subject only", scope: { sub: "admin" }, now: NOW, ttl: 300 },
    {
      name: "every optional claim",
      scope: { sub: "jdoe", diagram: "42", site: "ams-01", device: 1234 },
      now: NOW,
      ttl: 60,
    },
    {
      name: "non-ASCII subject and a diagram id that needs URL escaping",
      scope: { sub: "zoë.müller@example", diagram: 'a b&c=d/é?#"' },
      now: NOW,
      ttl: MAX_TTL_SECONDS,
    },
    { name: "site scope", scope: { sub: "ops", site: "fra-dc2" }, now: NOW, ttl: 300 },
    { name: "device scope", scope: { sub: "ops", device: 7 }, now: NOW, ttl: 300 },
    {
      name: "a refresh carries the session start over",
      scope: { sub: "jdoe", diagram: "42" },
      now: NOW,
      ttl: 300,
      session: NOW - 3600,
    },
    {
      name: "a refresh at the maximum session age",
      scope: { sub: "ops", site: "fra-dc2" },
      now: NOW,
      ttl: 300,
      session: NOW - MAX_SESSION_SECONDS,
    },
  ];
  const sign: SignCase[] = [];
  for (const c of signInputs) {
    const token = await signEditorToken(
      SECRET,
      c.scope as { sub: string },
      c.now,
      c.ttl,
      c.session,
    );
    const ses = c.session ?? c.now;
    sign.push({ ...c, token, claims: { v: 1, ...c.scope, iat: c.now, exp: c.now + c.ttl, ses } });
  }

  const base = sign[0].token;
  const [basePayload, baseSig] = base.split(".");
  const otherPayload = sign[1].token.split(".")[0];
  const claimsOf = (i: number) => {
    const { sub, iat, exp, ses, diagram, site, device } = sign[i].claims;
    const all: Record<string, unknown> = { v: 1, sub, iat, exp, ses, diagram, site, device };
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  };
  const ok = (i: number) => ({ ok: true as const, claims: claimsOf(i) });
  const no = (reason: string) => ({ ok: false as const, reason });
  const raw = (text: string) => signRaw(SECRET, text);
  const iat = NOW;
  const exp = NOW + 300;
  // A session opened so long ago that it reaches the maximum age 100 s after this token's iat.
  const oldSes = NOW - MAX_SESSION_SECONDS + 100;
  const oldSession = await raw(
    `{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"ses":${oldSes}}`,
  );
  // Flip the last character to one whose low bits differ, keeping the text decodable.
  const flipLast = (s: string) => s.slice(0, -1) + (s.at(-1) === "A" ? "Q" : "A");

  const verify: VerifyCase[] = [
    { name: "valid at the moment of issue", token: base, now: NOW, expect: ok(0) },
    {
      name: "valid one second before expiry plus skew",
      token: base,
      now: exp + 29,
      expect: ok(0),
    },
    { name: "valid at issue time minus the skew", token: base, now: iat - 30, expect: ok(0) },
    { name: "every optional claim", token: sign[1].token, now: NOW, expect: ok(1) },
    { name: "non-ASCII claims", token: sign[2].token, now: NOW + 800, expect: ok(2) },
    { name: "expired at expiry plus skew", token: base, now: exp + 30, expect: no("expired") },
    {
      name: "not yet valid beyond the skew",
      token: base,
      now: iat - 31,
      expect: no("not_yet_valid"),
    },
    {
      name: "signed with another secret",
      token: base,
      now: NOW,
      secret: "another-secret-0123456789abcdef-xyz",
      expect: no("bad_signature"),
    },
    {
      name: "payload swapped under a valid signature",
      token: `${otherPayload}.${baseSig}`,
      now: NOW,
      expect: no("bad_signature"),
    },
    {
      name: "signature altered",
      token: `${basePayload}.${flipLast(baseSig)}`,
      now: NOW,
      expect: no("bad_signature"),
    },
    { name: "empty string", token: "", now: NOW, expect: no("malformed") },
    { name: "no separator", token: basePayload + baseSig, now: NOW, expect: no("malformed") },
    { name: "three parts", token: `${base}.${baseSig}`, now: NOW, expect: no("malformed") },
    { name: "empty payload", token: `.${baseSig}`, now: NOW, expect: no("malformed") },
    {
      name: "truncated signature",
      token: `${basePayload}.${baseSig.slice(0, 20)}`,
      now: NOW,
      expect: no("malformed"),
    },
    { name: "padded signature", token: `${base}=`, now: NOW, expect: no("malformed") },
    {
      name: "standard base64 alphabet",
      token: `${basePayload}+.${baseSig}`,
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "non-canonical base64url (stray low bits)",
      // 43 characters carry 258 bits for a 256-bit signature; the last 2 must be zero.
      token: `${basePayload}.${baseSig.slice(0, -1)}${baseSig.at(-1) === "B" ? "C" : "B"}`,
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "overlong token",
      token: `${"A".repeat(4100)}.${baseSig}`,
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "signed text that is not JSON",
      token: await raw("hello"),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "signed JSON array",
      token: await raw(`[1,"admin",${iat},${exp}]`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "signed invalid UTF-8",
      token: await raw("\u00ff"),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "version 2",
      token: await raw(`{"v":2,"sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("unsupported_version"),
    },
    {
      name: "version missing",
      token: await raw(`{"sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("unsupported_version"),
    },
    {
      name: "version true",
      token: await raw(`{"v":true,"sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("unsupported_version"),
    },
    {
      name: "version written as 1.0",
      token: await raw(`{"v":1.0,"sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "subject missing",
      token: await raw(`{"v":1,"iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("missing_subject"),
    },
    {
      name: "subject empty",
      token: await raw(`{"v":1,"sub":"","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("missing_subject"),
    },
    {
      name: "subject not a string",
      token: await raw(`{"v":1,"sub":17,"iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("missing_subject"),
    },
    {
      name: "subject with a control character",
      token: await raw(`{"v":1,"sub":"ad\\nmin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "keys out of canonical order",
      token: await raw(`{"sub":"admin","v":1,"iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "whitespace in the JSON",
      token: await raw(`{"v":1, "sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "escaped non-ASCII instead of raw UTF-8",
      token: await raw(`{"v":1,"sub":"zo\\u00eb","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "duplicate key",
      token: await raw(`{"v":1,"sub":"root","sub":"admin","iat":${iat},"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "unknown claim",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"role":"superuser"}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "fractional issue time",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat}.5,"exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "issue time as a string",
      token: await raw(`{"v":1,"sub":"admin","iat":"${iat}","exp":${exp}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "expiry not after issue",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${iat}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "null optional claim",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"diagram":null}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "device id as a string",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"device":"12"}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "lifetime over the maximum",
      token: await raw(
        `{"v":1,"sub":"admin","iat":${iat},"exp":${iat + MAX_TTL_SECONDS + 1}}`,
      ),
      now: NOW,
      expect: no("lifetime_too_long"),
    },
    {
      name: "a token without a session start (older signers) counts from its iat",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"diagram":"7"}`),
      now: NOW,
      expect: { ok: true, claims: { v: 1, sub: "admin", iat, exp, diagram: "7" } },
    },
    { name: "a refreshed token", token: sign[5].token, now: NOW, expect: ok(5) },
    {
      name: "a refreshed token one second before its session's maximum age plus skew",
      token: oldSession,
      now: oldSes + MAX_SESSION_SECONDS + 29,
      expect: { ok: true, claims: { v: 1, sub: "admin", iat, exp, ses: oldSes } },
    },
    {
      name: "a session past its maximum age plus skew",
      token: oldSession,
      now: oldSes + MAX_SESSION_SECONDS + 30,
      expect: no("session_too_old"),
    },
    {
      name: "a token refreshed at the maximum session age, used after it",
      token: sign[6].token,
      now: NOW + 30,
      expect: no("session_too_old"),
    },
    {
      name: "a session starting in the future beyond the skew",
      token: await raw(
        `{"v":1,"sub":"admin","iat":${iat + 31},"exp":${exp + 31},"ses":${iat + 31}}`,
      ),
      now: NOW,
      expect: no("not_yet_valid"),
    },
    {
      name: "a session starting after the token's issue",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"ses":${iat + 1}}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "session start as a string",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"ses":"${iat}"}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "null session start",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"ses":null}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "negative session start",
      token: await raw(`{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"ses":-1}`),
      now: NOW,
      expect: no("malformed"),
    },
    {
      name: "session start out of canonical order",
      token: await raw(
        `{"v":1,"sub":"admin","iat":${iat},"exp":${exp},"diagram":"7","ses":${iat}}`,
      ),
      now: NOW,
      expect: no("malformed"),
    },
  ];

  return {
    format: "archiflow.editor-token-vectors/1",
    about: "Generated by tests/vectors/generate_editor_token.ts; checked by " +
      "server/auth/editor_token_test.ts and netbox-plugin/tests/test_embed.py. " +
      "Do not edit by hand.",
    secret: SECRET,
    now: NOW,
    clock_skew_seconds: 30,
    max_ttl_seconds: MAX_TTL_SECONDS,
    max_session_seconds: MAX_SESSION_SECONDS,
    sign,
    verify,
  };
}

export const VECTORS_PATH = new URL("./editor_token.json", import.meta.url);

if (import.meta.main) {
  const vectors = await buildEditorTokenVectors();
  await Deno.writeTextFile(VECTORS_PATH, JSON.stringify(vectors, null, 2) + "\n");
  console.log(`wrote ${VECTORS_PATH.pathname}`);
}
