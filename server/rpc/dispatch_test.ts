import assert from "node:assert/strict";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import type { Db } from "../db/db.ts";
import { EventHub } from "../events.ts";
import { createLogger } from "../log.ts";
import { defineTool, type ToolContext, ToolRegistry } from "../tools/tool.ts";
import { dispatch, type DispatchOptions, STRUCTURED_CONTENT_ONLY } from "./dispatch.ts";
import { RESPONSE_TOO_LARGE } from "./protocol.ts";

/** Dispatch options over tools that need no database. */
function options(env: Record<string, string> = {}, extra: Partial<DispatchOptions> = {}) {
  const registry = new ToolRegistry([
    defineTool({
      name: "echo",
      description: "Returns its text.",
      scope: "read",
      input: z.object({ text: z.string() }),
      handler: (args) => Promise.resolve({ text: args.text }),
    }),
    defineTool({
      name: "unencodable",
      description: "Returns a result no string can hold.",
      scope: "read",
      input: z.object({}),
      handler: () =>
        Promise.resolve({
          huge: {
            toJSON() {
              throw new RangeError("Invalid string length");
            },
          },
        }),
    }),
  ]);
  const context = (): ToolContext => ({
    db: {} as Db,
    config: loadConfig(env),
    events: new EventHub(),
    log: createLogger("silent"),
    actor: { user: "t", scope: "admin", clientAddr: null, userAgent: null, requestId: null },
  });
  return { registry, context, ...extra };
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

Deno.test("a result that cannot be encoded is RESPONSE_TOO_LARGE for its id alone", async () => {
  const reply = await dispatch(
    JSON.stringify([call(1, "unencodable"), call(2, "echo", { text: "hi" }), call(3, "echo")]),
    options(),
  );
  const [a, b, c] = JSON.parse(reply!.text);
  assert.equal(a.id, 1);
  assert.equal(a.error.code, RESPONSE_TOO_LARGE);
  assert.equal(a.error.data.reason, "too_large");
  assert.match(a.error.message, /could not be built \(RangeError: Invalid string length\)/);
  // Call 2 ran beside call 1 and fits; the refusal spent the budget, so call 3 never started.
  assert.deepEqual(b.result.structuredContent, { text: "hi" });
  assert.equal(c.id, 3);
  assert.equal(c.error.code, RESPONSE_TOO_LARGE);
  assert.equal(c.error.data.reason, "budget_spent");
});

Deno.test("a single response over the budget is refused; one within it is not", async () => {
  const opts = options({ ARCHIFLOW_MAX_RESPONSE_BYTES: "2048" });
  const fits = await dispatch(JSON.stringify(call(1, "echo", { text: "é".repeat(400) })), opts);
  assert.ok(JSON.parse(fits!.text).result);
  // 800 characters of two bytes each, twice in the response: over 2048 bytes in UTF-8 only.
  const over = await dispatch(JSON.stringify(call(2, "echo", { text: "é".repeat(800) })), opts);
  const error = JSON.parse(over!.text).error;
  assert.equal(error.code, RESPONSE_TOO_LARGE);
  assert.ok(error.data.bytes > 2048);
  assert.equal(over!.refused, false);
});

Deno.test("an unexpected failure in a transport's method is -32603 without internals", async () => {
  const seen: string[] = [];
  const reply = await dispatch(
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "boom" }),
    options({}, {
      extraMethods: { boom: () => Promise.reject(new TypeError("secret detail")) },
      onInternalError: (_err, method) => seen.push(method),
    }),
  );
  assert.deepEqual(JSON.parse(reply!.text).error, { code: -32603, message: "Internal error" });
  assert.deepEqual(seen, ["boom"]);
});

Deno.test("malformed messages and oversized batches are refused as a whole", async () => {
  const opts = options({ ARCHIFLOW_MAX_BATCH_CALLS: "2" });
  for (const text of ["{oops", "[]", "7", JSON.stringify([1, 2, 3])]) {
    const reply = await dispatch(text, opts);
    assert.equal(reply!.refused, true, text);
  }
  const fine = await dispatch(JSON.stringify([call(1, "echo", { text: "a" }), 1]), opts);
  assert.equal(fine!.refused, false);
});

Deno.test("a batch answers exactly as many calls as fit in UTF-8 bytes, not in characters", async () => {
  const limit = 4096;
  const opts = options({ ARCHIFLOW_MAX_RESPONSE_BYTES: String(limit) });
  // Three-byte characters: one UTF-16 unit each, so counting units would let about twice as many
  // answers through.
  const text = "€".repeat(100);
  const one = await dispatch(JSON.stringify(call(1, "echo", { text })), opts);
  const bytes = new TextEncoder().encode(one!.text).length;
  const reply = await dispatch(
    JSON.stringify(Array.from({ length: 9 }, (_, i) => call(i + 1, "echo", { text }))),
    opts,
  );
  const answers = JSON.parse(reply!.text) as { result?: unknown; error?: { data: unknown } }[];
  const answered = answers.filter((a) => a.result).length;
  // The response with index i is taken while its bytes fit in what the earlier ones left
  // (each with its comma or bracket).
  assert.equal(answered, Math.floor((limit - bytes) / (bytes + 1)) + 1);
  assert.ok(answered < 9, `${answered} answers`);
});

Deno.test("a session that asks in initialize gets tool results without MCP's text copy", async () => {
  const initialize = (experimental?: Record<string, unknown>) =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: experimental ? { experimental } : {} },
    });
  const echo = JSON.stringify(call(1, "echo", { text: "hi" }));
  const ask = { [STRUCTURED_CONTENT_ONLY]: {} };

  const session = { structuredContentOnly: false };
  const granted = JSON.parse((await dispatch(initialize(ask), options({}, { session })))!.text);
  assert.deepEqual(granted.result.capabilities.experimental, ask);
  const lean = JSON.parse((await dispatch(echo, options({}, { session })))!.text);
  assert.deepEqual(lean.result, { content: [], structuredContent: { text: "hi" } });

  // Not asked, or no session to keep it in (HTTP): both copies, as the wire contract says.
  const plain = { structuredContentOnly: false };
  const notAsked = JSON.parse(
    (await dispatch(initialize(), options({}, { session: plain })))!.text,
  );
  assert.equal(notAsked.result.capabilities.experimental, undefined);
  const noSession = JSON.parse((await dispatch(initialize(ask), options()))!.text);
  assert.equal(noSession.result.capabilities.experimental, undefined);
  for (const opts of [options({}, { session: plain }), options()]) {
    const full = JSON.parse((await dispatch(echo, opts))!.text);
    assert.deepEqual(full.result, {
      content: [{ type: "text", text: '{"text":"hi"}' }],
      structuredContent: { text: "hi" },
    });
  }
});
