// Attack class: request bodies sent chunked, without Content-Length, far larger than any limit.
// The server must refuse them while they stream (413 naming the setting) instead of reading them
// whole first, on the open webhook route, on POST /mcp and on REST writes.
import assert from "node:assert/strict";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

const MiB = 1024 * 1024;
const ATTACK_BYTES = 64 * MiB;
const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

interface Outcome {
  /** Bytes the client handed to the connection before the answer or the close. */
  pulled: number;
  status: number | null;
  body: Record<string, unknown> | null;
}

/** POSTs a 64 MB chunked body (a stream, so no Content-Length) and counts what was pulled. */
async function streamBody(url: string, headers: Record<string, string>): Promise<Outcome> {
  let pulled = 0;
  const abort = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= ATTACK_BYTES) return controller.close();
      pulled += CHUNK.length;
      // A JSON opening so a server that did read it all would see a body, not nothing.
      controller.enqueue(pulled === CHUNK.length ? new TextEncoder().encode('{"a":"') : CHUNK);
    },
  }, { highWaterMark: 0 });
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: abort.signal,
      duplex: "half",
    } as RequestInit);
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON; asserted below */ }
    return { pulled, status: res.status, body: parsed };
  } catch {
    // The server closing the connection mid-body is a refusal too.
    return { pulled, status: null, body: null };
  } finally {
    abort.abort();
  }
}

Deno.test(
  "a chunked body far over the limit is refused while it streams",
  hostileOpts,
  async () => {
    const server = await startHostileServer({
      env: {
        NETBOX_WEBHOOK_SECRET: "webhook-secret",
        ARCHIFLOW_MAX_MESSAGE_BYTES: String(MiB),
        ARCHIFLOW_MAX_WEBHOOK_BYTES: String(64 * 1024),
      },
    });
    try {
      const auth = { authorization: `Token ${server.adminKey}` };
      const targets: [string, string, Record<string, string>, string][] = [
        ["webhook without a token", "/api/netbox/webhook", {}, "ARCHIFLOW_MAX_WEBHOOK_BYTES"],
        ["POST /mcp", "/mcp", auth, "ARCHIFLOW_MAX_MESSAGE_BYTES"],
        ["REST write", "/api/ip-pools/", auth, "ARCHIFLOW_MAX_MESSAGE_BYTES"],
        // Its body is optional: an unreadable one must not become "sync with the defaults".
        ["NetBox sync", "/api/netbox/sync", auth, "ARCHIFLOW_MAX_MESSAGE_BYTES"],
      ];
      const outcomes: [string, string, Outcome][] = [];
      for (const [what, path, headers, setting] of targets) {
        const out = await streamBody(server.url + path, headers);
        console.log(
          `hostile: ${what}: ${Math.round(out.pulled / MiB)} MB of ${ATTACK_BYTES / MiB} MB sent ` +
            `before the answer (${out.status ?? "connection closed"})`,
        );
        await assertStillServing(server, `chunked 64 MB body to ${what}`, 512 * MiB);
        outcomes.push([what, setting, out]);
      }
      for (const [what, setting, out] of outcomes) {
        // Whatever the socket buffers hold is sent, but nowhere near the whole body.
        assert.ok(out.pulled < 16 * MiB, `${what}: ${out.pulled} bytes were read`);
        if (out.status !== null) {
          assert.equal(out.status, 413, `${what}: ${JSON.stringify(out.body)}`);
          const text = JSON.stringify(out.body);
          assert.ok(text.includes(setting), `${what}: the answer names ${setting}: ${text}`);
        }
      }
    } finally {
      await server.close();
    }
  },
);

Deno.test(
  "a body within the limit still reaches the webhook's signature check",
  hostileOpts,
  async () => {
    const server = await startHostileServer({
      env: { NETBOX_WEBHOOK_SECRET: "webhook-secret", ARCHIFLOW_MAX_WEBHOOK_BYTES: "4096" },
    });
    try {
      const res = await fetch(`${server.url}/api/netbox/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hook-signature": "00" },
        body: new Blob(['{"event":"updated"}']).stream(),
        duplex: "half",
      } as RequestInit);
      assert.equal(res.status, 401, "an unsigned body under the limit is judged by its signature");
      await res.body?.cancel();
      await assertStillServing(server, "small chunked webhook");
    } finally {
      await server.close();
    }
  },
);
