// Oversized JSON-RPC batches and responses: a 3 KB batch asking for forty copies of an 8 MB
// diagram, responses over ARCHIFLOW_MAX_RESPONSE_BYTES, and batches with more calls than
// ARCHIFLOW_MAX_BATCH_CALLS, on the WebSocket and on POST /mcp.
import assert from "node:assert/strict";
import { loadConfig } from "../../server/config.ts";
import { generateNetworkDiagram } from "../../server/diagrams/generate.ts";
import { EventHub } from "../../server/events.ts";
import { createLogger } from "../../server/log.ts";
import { RESPONSE_TOO_LARGE } from "../../server/rpc/protocol.ts";
import { createRegistry } from "../../server/tools/index.ts";
import { callTool } from "../../server/tools/tool.ts";
import type { RpcClient } from "../support/rpc_client.ts";
import { startTestServer, wsProtocols } from "../support/server.ts";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

interface Reply {
  id: string | number | null;
  result?: { structuredContent: Record<string, unknown> };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

const bytes = (text: string) => new TextEncoder().encode(text).length;

function loadBatch(diagramId: number | string, ids: number[]): string {
  return JSON.stringify(ids.map((id) => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "load-diagram", arguments: { id: diagramId } },
  })));
}

/** The reply to `text`, or a failure when the socket closes first (the server died). */
function sendOnSocket(client: RpcClient, text: string): Promise<string> {
  return Promise.race([
    client.sendRaw(text),
    client.closed.then((e) => {
      throw new Error(`the socket closed (${e.code} ${e.reason}) before the batch was answered`);
    }),
  ]);
}

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

async function postMcp(fetch: Fetch, text: string): Promise<{ status: number; text: string }> {
  const res = await fetch("/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: text,
  });
  return { status: res.status, text: await res.text() };
}

/** Every request of the batch is answered once; the ones over the budget are refused as such. */
function checkBudgeted(
  text: string,
  ids: number[],
  limit: number,
): { ok: Reply[]; refused: Reply[] } {
  const replies = JSON.parse(text) as Reply[];
  assert.deepEqual(replies.map((r) => r.id).sort((a, b) => Number(a) - Number(b)), ids);
  const ok = replies.filter((r) => r.result);
  const refused = replies.filter((r) => r.error);
  assert.equal(ok.length + refused.length, ids.length);
  for (const r of refused) {
    assert.equal(r.error!.code, RESPONSE_TOO_LARGE, JSON.stringify(r.error));
    assert.match(r.error!.message, /ARCHIFLOW_MAX_RESPONSE_BYTES/);
    assert.equal(r.error!.data!.setting, "ARCHIFLOW_MAX_RESPONSE_BYTES");
    assert.equal(r.error!.data!.limit, limit);
    assert.ok(["too_large", "budget_spent"].includes(r.error!.data!.reason as string));
  }
  // The results themselves fit in the budget; each refusal adds a few hundred bytes at most.
  assert.ok(
    bytes(text) <= limit + refused.length * 1024,
    `the batch's response is ${bytes(text)} bytes`,
  );
  return { ok, refused };
}

/**
 * A server over a database holding one 8 MB diagram, saved before it starts. Its id is "1",
 * which calls name by the number 1 (a number stands for its text), keeping 40 calls in 4 KB.
 */
async function serverWithLargeDiagram(xml: string) {
  const id = 1;
  const server = await startHostileServer({
    seed: async (db) => {
      const saved = await callTool(createRegistry(), "save-diagram", { id, name: "big", xml }, {
        db,
        config: loadConfig({}),
        events: new EventHub(),
        log: createLogger("silent"),
        actor: { user: "seed", scope: "admin", clientAddr: null, userAgent: null, requestId: null },
      });
      assert.equal(saved.id, String(id));
    },
  });
  return { server, id };
}

for (const transport of ["WebSocket", "/mcp"]) {
  Deno.test(
    `a 3 KB batch of 40 load-diagram calls for an 8 MB diagram over ${transport} gets the results that fit in ARCHIFLOW_MAX_RESPONSE_BYTES and errors for the rest; the server keeps serving`,
    hostileOpts,
    async () => {
      const xml = generateNetworkDiagram({ devices: 11_000, links: 11_000 });
      assert.ok(xml.length > 8_000_000, `the diagram is ${xml.length} bytes`);
      // The server's memory is the batch's alone: the diagram is saved before it starts.
      const { server, id } = await serverWithLargeDiagram(xml);
      try {
        const ids = Array.from({ length: 40 }, (_, i) => i + 1);
        const batch = loadBatch(id, ids);
        assert.ok(batch.length < 4096, `the batch is ${batch.length} bytes`);
        const limit = 64 * 1024 * 1024; // the default
        let text: string;
        if (transport === "/mcp") {
          const reply = await postMcp(server.fetch, batch);
          assert.equal(reply.status, 200);
          text = reply.text;
        } else {
          const client = await server.client();
          text = await sendOnSocket(client, batch);
          await client.close();
        }
        const { ok, refused } = checkBudgeted(text, ids, limit);
        assert.ok(ok.length >= 1, "at least one copy fits in 64 MiB");
        assert.ok(refused.length >= 30, `${refused.length} refused`);
        assert.equal((ok[0].result!.structuredContent.xml as string).length, xml.length);
        await assertStillServing(server, `40 x load-diagram of an 8 MB diagram over ${transport}`);
      } finally {
        await server.close();
      }
    },
  );
}

Deno.test(
  "a response over ARCHIFLOW_MAX_RESPONSE_BYTES is an error for its request id, and a batch stops running calls once its budget is spent",
  hostileOpts,
  async () => {
    const limit = 256 * 1024;
    const s = await startTestServer({ ARCHIFLOW_MAX_RESPONSE_BYTES: String(limit) });
    try {
      const c = await s.client();
      const small = await c.tool<{ id: number }>("save-diagram", {
        name: "small",
        xml: generateNetworkDiagram({ devices: 10, links: 10 }),
      });
      const large = await c.tool<{ id: number }>("save-diagram", {
        name: "large",
        xml: generateNetworkDiagram({ devices: 200, links: 200 }),
      });
      const one = (diagramId: number) =>
        JSON.stringify({
          jsonrpc: "2.0",
          id: 99,
          method: "tools/call",
          params: { name: "load-diagram", arguments: { id: diagramId } },
        });

      // One small response, the unit the budget is spent in.
      const single = await c.sendRaw(one(small.id));
      assert.ok(JSON.parse(single).result, single.slice(0, 300));
      const unit = bytes(single);
      assert.ok(unit * 3 < limit, `one response is ${unit} bytes`);

      for (const transport of ["WebSocket", "/mcp"]) {
        const send = (text: string) =>
          transport === "/mcp" ? postMcp(s.fetch, text).then((r) => r.text) : c.sendRaw(text);
        const tooLarge = JSON.parse(await send(one(large.id))) as Reply;
        assert.equal(tooLarge.id, 99);
        assert.equal(tooLarge.error?.code, RESPONSE_TOO_LARGE, transport);
        assert.equal(tooLarge.error!.data!.reason, "too_large");
        assert.ok((tooLarge.error!.data!.bytes as number) > limit);
        assert.match(tooLarge.error!.message, /ARCHIFLOW_MAX_RESPONSE_BYTES/);

        // Twenty copies with ids of equal length: exactly as many results as fit in the budget.
        const ids = Array.from({ length: 20 }, (_, i) => i + 10);
        const { ok, refused } = checkBudgeted(await send(loadBatch(small.id, ids)), ids, limit);
        // Each response also takes its comma (or bracket) in the batch's array.
        assert.equal(ok.length, Math.floor((limit + 1) / (unit + 1)), transport);
        assert.ok(refused.some((r) => r.error!.data!.reason === "budget_spent"), transport);
      }
      // The socket is still usable after its refusals.
      assert.deepEqual(await c.call("ping"), {});
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "a batch over ARCHIFLOW_MAX_BATCH_CALLS is refused whole with -32600 before any call runs",
  hostileOpts,
  async () => {
    const s = await startTestServer({ ARCHIFLOW_MAX_BATCH_CALLS: "5" });
    try {
      const c = await s.client();
      const saves = (n: number, prefix: string) =>
        JSON.stringify(Array.from({ length: n }, (_, i) => ({
          jsonrpc: "2.0",
          id: i + 1,
          method: "tools/call",
          params: {
            name: "save-diagram",
            arguments: {
              name: `${prefix}-${i}`,
              xml: generateNetworkDiagram({ devices: 2, links: 1 }),
            },
          },
        })));
      const checkRefused = (text: string) => {
        const reply = JSON.parse(text) as Reply;
        assert.ok(!Array.isArray(reply), "one error for the whole batch");
        assert.equal(reply.id, null);
        assert.equal(reply.error?.code, -32600);
        assert.match(reply.error!.message, /6 calls/);
        assert.match(reply.error!.message, /5/);
        assert.match(reply.error!.message, /ARCHIFLOW_MAX_BATCH_CALLS/);
        assert.equal(reply.error!.data!.setting, "ARCHIFLOW_MAX_BATCH_CALLS");
        assert.equal(reply.error!.data!.limit, 5);
      };
      checkRefused(await c.sendRaw(saves(6, "ws")));
      const mcp = await postMcp(s.fetch, saves(6, "mcp"));
      assert.equal(mcp.status, 400);
      checkRefused(mcp.text);
      const listed = await c.tool<{ count: number }>("list-diagrams", {});
      assert.equal(listed.count, 0, "no call of a refused batch ran");

      // At the limit, every call runs.
      const atLimit = JSON.parse(await c.sendRaw(saves(5, "ok"))) as Reply[];
      assert.equal(atLimit.filter((r) => r.result).length, 5);
      assert.equal((await c.tool<{ count: number }>("list-diagrams", {})).count, 5);
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "30 separate load-diagram messages on one socket for an 8 MB diagram (4 MB on PGlite) are run a few at a time, each answered or told to retry; the server keeps serving",
  hostileOpts,
  async () => {
    // The embedded PGlite database lives in the server's process and grows by several times
    // each 8 MB row it returns, whatever the server does; on it the drawing is half as large.
    const size = Deno.env.get("DATABASE_URL") ? 11_000 : 5_500;
    const xml = generateNetworkDiagram({ devices: size, links: size });
    const { server, id } = await serverWithLargeDiagram(xml);
    try {
      const call = (n: number) =>
        JSON.stringify({
          jsonrpc: "2.0",
          id: n,
          method: "tools/call",
          params: { name: "load-diagram", arguments: { id } },
        });
      // A plain socket that does not parse the 46 MB answers: the test's own event loop (which
      // also runs the /health watch) stays free.
      const socket = new WebSocket(server.wsUrl, wsProtocols(server.adminKey));
      const texts: string[] = [];
      const { promise: answered, resolve, reject } = Promise.withResolvers<void>();
      socket.onmessage = (e) => {
        texts.push(e.data as string);
        if (texts.length === 30) resolve();
      };
      socket.onclose = (e) => reject(new Error(`the socket closed (${e.code} ${e.reason})`));
      await new Promise((r) => socket.onopen = r);
      for (let i = 1; i <= 30; i++) socket.send(call(i));
      await answered;
      socket.onclose = null;
      socket.close();
      const replies = texts.map((text): Reply =>
        text.length > 1_000_000
          ? { id: null, result: { structuredContent: { xmlChars: text.length } } }
          : JSON.parse(text)
      );
      const loaded = replies.filter((r) => r.result);
      const busy = replies.filter((r) => r.error);
      for (const r of busy) {
        assert.equal(r.error!.code, RESPONSE_TOO_LARGE, JSON.stringify(r.error));
        assert.equal(r.error!.data!.reason, "busy");
        assert.match(r.error!.message, /retry/);
      }
      assert.ok(loaded.length >= 1, "some copies are answered");
      for (const r of loaded) {
        assert.ok((r.result!.structuredContent.xmlChars as number) > 2 * xml.length);
      }
      console.log(
        `hostile: 30 separate load-diagram calls: ${loaded.length} answered, ${busy.length} busy`,
      );
      // On PGlite the database's own memory is the server's: after thirty large rows the process
      // stands near 1 GB (idle, it holds some 350 MB), so the bound there is wider.
      const pglite = !Deno.env.get("DATABASE_URL");
      await assertStillServing(
        server,
        `30 separate load-diagram calls for a ${pglite ? 4 : 8} MB diagram`,
        pglite ? 1.25 * 1024 ** 3 : undefined,
      );
    } finally {
      await server.close();
    }
  },
);
