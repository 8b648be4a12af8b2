// A NetBox webhook is taken only with the HMAC-SHA512 of its exact body under the shared secret
// in X-Hook-Signature. Strings that come close to it (a prefix of it, the `sha512=` label with
// little or nothing after it, blanks, another body's signature, one digit changed) are refused
// before anything is recorded.
import assert from "node:assert/strict";
import { hmacSha512Hex, signatureValid } from "../server/netbox/webhook.ts";
import { startTestServer } from "./support/server.ts";

const SECRET = "webhook-secret-for-signature-tests";
const encode = (s: string) => new TextEncoder().encode(s);

// A model the sync does not follow: the delivery is recorded and answered without NetBox.
const BODY = JSON.stringify({
  event: "updated",
  model: "tenant",
  username: "admin",
  request_id: "6f1b9c6e-2d1c-4b8e-9a51-0c6f8e1d2a33",
  data: { id: 7, name: "acme" },
});

/** Near misses of `real`, each named for the failure message. */
function nearMisses(real: string, otherBody: string): [string, string][] {
  const flipped = real.slice(0, -1) + (real.endsWith("0") ? "1" : "0");
  return [
    ["empty", ""],
    ["a single space", " "],
    ["the first half", real.slice(0, real.length / 2)],
    ["all but the last digit", real.slice(0, -1)],
    ["the first digit", real.slice(0, 1)],
    ["the label alone", "sha512="],
    ["the label and a space", "sha512= "],
    ["the label and the first half", `sha512=${real.slice(0, real.length / 2)}`],
    ["the label and all but the last digit", `sha512=${real.slice(0, -1)}`],
    ["another algorithm's label", `sha256=${real}`],
    ["the label twice", `sha512=sha512=${real}`],
    ["the last digit changed", flipped],
    ["the signature and more", `${real}00`],
    ["another body's signature", otherBody],
    ["the signature without its first digit", real.slice(1)],
  ];
}

Deno.test("signatureValid takes the real signature and refuses every near miss", async () => {
  const body = encode(BODY);
  const real = await hmacSha512Hex(SECRET, body);
  assert.equal(real.length, 128);
  assert.equal(await signatureValid(SECRET, body, real), true);
  assert.equal(await signatureValid(SECRET, body, `sha512=${real}`), true);
  const other = await hmacSha512Hex(SECRET, encode(BODY + " "));
  const taken: string[] = [];
  for (const [what, header] of nearMisses(real, other)) {
    if (await signatureValid(SECRET, body, header)) taken.push(what);
  }
  assert.equal(await signatureValid(SECRET, body, null), false);
  // The real signature under another secret.
  assert.equal(await signatureValid(SECRET, body, await hmacSha512Hex("other", body)), false);
  assert.deepEqual(taken, []);
});

Deno.test("POST /api/netbox/webhook answers near misses 401 and records nothing", async () => {
  const server = await startTestServer({ NETBOX_WEBHOOK_SECRET: SECRET });
  try {
    const post = async (signature: string) => {
      const res = await fetch(`${server.url}/api/netbox/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hook-signature": signature },
        body: BODY,
      });
      return { status: res.status, text: await res.text() };
    };
    const deliveries = async () =>
      (await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM netbox_webhook_deliveries",
      ))[0].n;
    const real = await hmacSha512Hex(SECRET, encode(BODY));
    const other = await hmacSha512Hex(SECRET, encode(BODY + " "));
    const answers: string[] = [];
    for (const [what, header] of nearMisses(real, other)) {
      // fetch() strips blanks around a header value: the blank cases arrive as empty headers.
      const { status } = await post(header);
      if (status !== 401) answers.push(`${what}: ${status}`);
    }
    assert.deepEqual(answers, []);
    assert.equal(await deliveries(), 0);
    const ok = await post(real);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(await deliveries(), 1);
  } finally {
    await server.close();
  }
});
