// What a tool is: a name, a zod input schema, the scope it needs and one handler. Every
// transport (WebSocket JSON-RPC, MCP over HTTP, REST) calls tools through callTool(), which is
// also the one place where calls are observed (metrics, the tool-call log line): each transport
// is given the registry as observed(...) for it, so no transport counts on its own.
import { z } from "zod";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import { AppError, invalidParams, type ParamIssue } from "../errors.ts";
import type { EventHub } from "../events.ts";
import type { Logger } from "../log.ts";
import { enforceEditorGrant } from "../auth/editor_scope.ts";
import { type Actor, hasScope, type Scope } from "../auth/actor.ts";

export interface ToolContext {
  db: Db;
  config: Config;
  actor: Actor;
  events: EventHub;
  log: Logger;
  /** Counts the call against the caller's rate limits; throws AppError (rateLimited) when over. */
  admit?: (tool: string) => void;
}

export type ToolResult = Record<string, unknown>;

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  scope: Scope;
  input: S;
  handler: (args: z.output<S>, ctx: ToolContext) => Promise<ToolResult>;
}

export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool {
  return tool as unknown as Tool;
}

export type { ParamIssue } from "../errors.ts";

export function zodIssues(error: z.ZodError): ParamIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/** One finished call of a known tool, as callTool() reports it. */
export interface ToolCallRecord {
  tool: string;
  ok: boolean;
  /** From the rate-limit check to the handler's answer, in milliseconds. */
  ms: number;
  /** The handler's result when ok. */
  result?: ToolResult;
  /** What the call threw when not ok. */
  error?: unknown;
}

export type ToolObserver = (call: ToolCallRecord, ctx: ToolContext) => void;

export class ToolRegistry {
  #tools = new Map<string, Tool>();
  #observer: ToolObserver | null = null;

  constructor(tools: Tool[]) {
    for (const t of tools) {
      if (this.#tools.has(t.name)) throw new Error(`Tool ${t.name} is defined twice`);
      this.#tools.set(t.name, t);
    }
  }

  /**
   * The same tools, with every call made through the returned registry reported to `observer`
   * (after this registry's own observer, if it has one).
   */
  observed(observer: ToolObserver): ToolRegistry {
    const outer = this.#observer;
    const view = new ToolRegistry([]);
    view.#tools = this.#tools;
    view.#observer = outer
      ? (call, ctx) => {
        outer(call, ctx);
        observer(call, ctx);
      }
      : observer;
    return view;
  }

  /** Told of every call made through this registry (see observed()). */
  get observer(): ToolObserver | null {
    return this.#observer;
  }

  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  list(): Tool[] {
    return [...this.#tools.values()];
  }

  /** MCP tools/list entries with a JSON Schema per tool generated from its zod schema. */
  describe(): { name: string; description: string; inputSchema: Record<string, unknown> }[] {
    return this.list().map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: inputJsonSchema(t.input),
    }));
  }
}

const schemaCache = new WeakMap<z.ZodType, Record<string, unknown>>();
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  let cached = schemaCache.get(schema);
  if (!cached) {
    cached = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete cached.$schema;
    schemaCache.set(schema, cached);
  }
  return cached;
}

/**
 * Validates arguments and runs a tool. Throws AppError for everything a caller should see (bad
 * arguments as invalidParams()); other errors are left to the transport.
 */
export async function callTool(
  registry: ToolRegistry,
  name: string,
  rawArgs: unknown,
  ctx: ToolContext,
): Promise<ToolResult> {
  const observer = registry.observer;
  // Unknown names are not reported: they come from callers and would be unbounded label values.
  if (!observer || !registry.get(name)) return await runTool(registry, name, rawArgs, ctx);
  const started = performance.now();
  let result: ToolResult;
  try {
    result = await runTool(registry, name, rawArgs, ctx);
  } catch (error) {
    observer({ tool: name, ok: false, ms: performance.now() - started, error }, ctx);
    throw error;
  }
  observer({ tool: name, ok: true, ms: performance.now() - started, result }, ctx);
  return result;
}

async function runTool(
  registry: ToolRegistry,
  name: string,
  rawArgs: unknown,
  ctx: ToolContext,
): Promise<ToolResult> {
  ctx.admit?.(name);
  const tool = registry.get(name);
  if (!tool) throw new AppError("not_found", `Unknown tool: ${name}`, { tool: name });
  rawArgs = await enforceEditorGrant(ctx, name, rawArgs);
  if (!hasScope(ctx.actor, tool.scope)) {
    throw new AppError(
      "forbidden",
      `Tool ${name} needs the ${tool.scope} scope; this token has ${ctx.actor.scope}`,
    );
  }
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) throw invalidParams(zodIssues(parsed.error));
  return await tool.handler(parsed.data, ctx);
}
