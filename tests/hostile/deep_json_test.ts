// Call arguments nested far deeper than any tool needs: a diagram's metadata 30,000 levels deep,
// any tool's arguments 100,000 levels deep, and params 1,000,000 levels deep (JSON that V8 still
// parses, iteratively), on the WebSocket and on POST /mcp. Each is refused as invalid params
// naming ARCHIFLOW_MAX_JSON_DEPTH, never an internal error or a stack overflow.
import assert from "node:assert/strict";
import { generateNetworkDiagram } from "../../server/diagrams/generate.ts";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

interface Reply {
  id: string | number | null;
  result?: { structuredContent: Record<string, unknown>; isError?: boolean };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** JSON text of objects nested `depth` levels: `{"a":{"a":{}}}` is 3. */
const nestedObjects = (depth: number) => '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
/** JSON text of arrays nested `depth` levels: `[[[]]]` is 3. */
const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

/** A tools/call request whose arguments are `args` and, as `key`, the JSON text `raw`. */
function callText(
  id: number,
  tool: string,
  args: Record<string, unknown>,
  key: string,
  raw: string,
) {
  const marker = "\u0000nested\u0000";
  const text = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: tool, arguments: { ...args, [key]: marker } },
  });
  return text.replace(JSON.stringify(marker), () => raw);
}

function assertTooDeep(reply: Reply, what: string) {
  assert.equal(reply.error?.code, -32602, `${what}: ${JSON.stringify(reply).slice(0, 300)}`);
  assert.match(reply.error!.message, /ARCHIFLOW_MAX_JSON_DEPTH/);
  assert.match(reply.error!.message, /64 levels/);
  assert.equal(reply.error!.data!.setting, "ARCHIFLOW_MAX_JSON_DEPTH");
  assert.equal(reply.error!.data!.limit, 64);
}

Deno.test(
  "arguments nested deeper than ARCHIFLOW_MAX_JSON_DEPTH are invalid params on the WebSocket and /mcp, up to 1,000,000 levels; the server keeps serving",
  hostileOpts,
  async () => {
    const server = await startHostileServer();
    try {
      const client = await server.client();
      const mcp = async (text: string) => {
        const res = await server.fetch("/mcp", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: text,
        });
        const reply = await res.json() as Reply;
        // A message refused as a whole (not parsed) is a 400; calls answered are a 200.
        assert.equal(res.status, reply.error?.code === -32700 ? 400 : 200);
        return reply;
      };
      const socket = async (text: string) => JSON.parse(await client.sendRaw(text)) as Reply;
      const xml = generateNetworkDiagram({ devices: 2, links: 1 });
      const save = (id: number, metadataDepth: number) =>
        callText(
          id,
          "save-diagram",
          { name: `d${id}`, xml },
          "metadata",
          nestedObjects(metadataDepth),
        );

      for (const [transport, send] of [["WebSocket", socket], ["/mcp", mcp]] as const) {
        // A diagram's metadata 30,000 levels deep.
        assertTooDeep(await send(save(1, 30_000)), `${transport}: metadata 30,000 deep`);
        // Any tool, any argument: 100,000 levels of arrays.
        assertTooDeep(
          await send(callText(2, "get-ip-pools", {}, "q", nestedArrays(100_000))),
          `${transport}: arguments 100,000 deep`,
        );
        // Deeper than any tool's arguments could be, as params of any method.
        const params = `{"jsonrpc":"2.0","id":3,"method":"ping","params":${nestedArrays(200_000)}}`;
        const deep = await send(params);
        assert.equal(deep.error?.code, -32602, `${transport}: params 200,000 deep`);
        assert.equal(deep.error!.data!.setting, "ARCHIFLOW_MAX_JSON_DEPTH");
        // Past a million arrays, objects and list items, the text is refused before JSON.parse
        // builds them (hundreds of megabytes for 24 MB of `[],`), however deep or wide.
        for (
          const [what, values] of [
            ["2,000,000 levels deep", nestedArrays(2_000_000)],
            ["8,000,000 empty arrays wide", `[${"[],".repeat(8_000_000)}[]]`],
          ]
        ) {
          const reply = await send(`{"jsonrpc":"2.0","id":3,"method":"ping","params":${values}}`);
          assert.equal(reply.error?.code, -32700, `${transport}: params ${what}`);
          assert.match(reply.error!.message, /more than 1000000 arrays, objects and list items/);
        }
        // In a batch, only the deep call is refused.
        const batch = JSON.parse(
          await (transport === "/mcp"
            ? server.fetch("/mcp", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: `[${save(4, 100)},{"jsonrpc":"2.0","id":5,"method":"ping"}]`,
            }).then((r) => r.text())
            : client.sendRaw(`[${save(4, 100)},{"jsonrpc":"2.0","id":5,"method":"ping"}]`)),
        ) as Reply[];
        assertTooDeep(batch.find((r) => r.id === 4)!, `${transport}: deep call in a batch`);
        assert.deepEqual(batch.find((r) => r.id === 5)!.result, {});
      }

      // The limit counts levels of the arguments object: metadata 63 deep makes 64, and is saved.
      const atLimit = await socket(save(6, 63));
      assert.equal(atLimit.result?.isError, undefined, JSON.stringify(atLimit).slice(0, 300));
      assert.ok(atLimit.result?.structuredContent.id);
      assertTooDeep(await socket(save(7, 64)), "metadata 64 deep");
      await client.close();
      await assertStillServing(
        server,
        "call arguments nested 200,000 levels, and texts of millions of values",
      );
    } finally {
      await server.close();
    }
  },
);
