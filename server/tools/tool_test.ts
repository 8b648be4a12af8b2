import assert from "node:assert/strict";
import { z } from "zod";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import { AppError, INVALID_PARAMS } from "../errors.ts";
import type { EventHub } from "../events.ts";
import { createLogger } from "../log.ts";
import {
  callTool,
  defineTool,
  type ToolCallRecord,
  type ToolContext,
  ToolRegistry,
} from "./tool.ts";

const echo = defineTool({
  name: "echo-text",
  description: "Echoes its text; fails on 'boom'.",
  scope: "read",
  input: z.object({ text: z.string() }).strict(),
  handler: (args) => {
    if (args.text === "boom") return Promise.reject(new AppError("conflict", "boom"));
    return Promise.resolve({ text: args.text });
  },
});

const ctx: ToolContext = {
  db: {} as Db,
  config: {} as Config,
  events: {} as EventHub,
  log: createLogger("silent"),
  actor: { user: "t", scope: "read", clientAddr: null, userAgent: null, requestId: "r-1" },
};

Deno.test("callTool() reports each call of a known tool to the registry's observers", async () => {
  const base = new ToolRegistry([echo]);
  const seen: [string, ToolCallRecord][] = [];
  const outer = base.observed((call) => seen.push(["outer", call]));
  const view = outer.observed((call, c) => {
    assert.equal(c.actor.requestId, "r-1");
    seen.push(["inner", call]);
  });
  assert.equal(view.get("echo-text"), base.get("echo-text"));
  assert.deepEqual(await callTool(view, "echo-text", { text: "hi" }, ctx), { text: "hi" });
  await assert.rejects(callTool(view, "echo-text", { text: "boom" }, ctx), AppError);
  await assert.rejects(
    callTool(view, "echo-text", { text: 1 }, ctx),
    (err) => err instanceof AppError && err.rpcCode === INVALID_PARAMS,
  );
  await assert.rejects(callTool(view, "no-such-tool", {}, ctx), /Unknown tool/);
  // The unobserved registry reports nothing.
  await callTool(base, "echo-text", { text: "quiet" }, ctx);
  assert.deepEqual(
    seen.map(([who, c]) => [who, c.tool, c.ok, c.result ?? null, c.error instanceof Error]),
    [
      ["outer", "echo-text", true, { text: "hi" }, false],
      ["inner", "echo-text", true, { text: "hi" }, false],
      ["outer", "echo-text", false, null, true],
      ["inner", "echo-text", false, null, true],
      ["outer", "echo-text", false, null, true],
      ["inner", "echo-text", false, null, true],
    ],
  );
  assert.ok(seen.every(([, c]) => c.ms >= 0));
});
