// JSON-RPC dispatch, pure: a text message in, a text response (or nothing) out. The MCP methods
// (initialize, ping, tools/list, tools/call) live here; transports only move text. Dispatch also
// bounds what one message may cost, on every transport alike, with the limits in the calls'
// config: calls per batch, nesting of params, and the bytes of the response, which is built one
// call at a time within ARCHIFLOW_MAX_RESPONSE_BYTES (response_budget.ts).
import type { Config } from "../config.ts";
import { AppError, rpcRefusal, toAppError } from "../errors.ts";
import type { ResponseGate } from "./response_gate.ts";
import { ResponseBudget, ToolCallResult } from "./response_budget.ts";
import { callTool, type ToolContext, type ToolRegistry } from "../tools/tool.ts";
import {
  exceedsJsonDepth,
  JSON_DEPTH_SETTING,
  jsonDepthMessage,
  jsonTextTooLarge,
} from "./json_depth.ts";
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  isValidId,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  type RpcId,
  type RpcResponse,
} from "./protocol.ts";

export const MCP_PROTOCOL_VERSION = "2025-06-18";
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05"];
export const SERVER_INFO = { name: "archiflow", title: "ArchiFlow", version: "0.1.0" };

/**
 * Calls of one batch run at most this many at a time: two overlap one call's database round trip
 * with the other's encoding, and hold at most two results (one load-diagram of an 8 MB diagram
 * costs some 300 MB while it is encoded) before they are counted against the budget; one batch
 * also never takes more than two of the pool's connections from everyone else.
 */
const BATCH_CONCURRENCY = 2;

/**
 * The experimental capability a client names in `initialize` to take tool results without MCP's
 * text copy: `{content: [], structuredContent, isError?}`. MCP carries every result twice (the
 * JSON as `content[0].text` and as `structuredContent`) for clients that only read text; a client
 * that reads structuredContent (the editor, the benches) then receives and parses half the bytes.
 * Granted on connections that keep a session (WebSocket), and acknowledged in the answer's
 * capabilities; everyone else gets both, as the wire contract says.
 */
export const STRUCTURED_CONTENT_ONLY = "archiflow/structuredContentOnly";

/** What a connection negotiated in `initialize`, kept by transports with sessions. */
export interface RpcSession {
  structuredContentOnly: boolean;
}

/** Extra methods a transport adds (e.g. subscribe on WebSocket). */
export type ExtraMethod = (params: unknown, ctx: ToolContext) => Promise<unknown>;

export interface DispatchOptions {
  registry: ToolRegistry;
  /** Builds the context of one call (actor, request id). */
  context: () => ToolContext;
  extraMethods?: Record<string, ExtraMethod>;
  /** Called for unexpected errors, which clients only see as "Internal error". */
  onInternalError?: (err: unknown, method: string) => void;
  /**
   * The process's gate for large responses, shared by every transport; without one, only each
   * message's own ARCHIFLOW_MAX_RESPONSE_BYTES bounds them.
   */
  responses?: ResponseGate;
  /** The connection's session, on transports that keep one (WebSocket). */
  session?: RpcSession;
}

/** A response to one incoming text message. */
export interface DispatchReply {
  text: string;
  /**
   * The message as a whole could not be taken as requests: not JSON, not a JSON-RPC request, an
   * empty batch or one with too many calls. HTTP transports answer it with 400.
   */
  refused: boolean;
  /**
   * Gives back what the response took from the process's gate for large responses: the
   * transport calls it once the text is delivered (or dropped).
   */
  release?: () => void;
}

/** Handles one incoming text message; returns the response text or null when none is due. */
export async function dispatchText(text: string, options: DispatchOptions): Promise<string | null> {
  const reply = await dispatch(text, options);
  reply?.release?.();
  return reply?.text ?? null;
}

/** Handles one incoming text message; null when no response is due (only notifications). */
export async function dispatch(
  text: string,
  options: DispatchOptions,
): Promise<DispatchReply | null> {
  const config = options.context().config;
  const tooLarge = jsonTextTooLarge(text);
  if (tooLarge) return refusal(errorResponse(null, PARSE_ERROR, `Parse error: ${tooLarge}`));
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (err) {
    return refusal(errorResponse(null, PARSE_ERROR, parseErrorMessage(err)));
  }
  const budget = new ResponseBudget(config.ARCHIFLOW_MAX_RESPONSE_BYTES, options);
  let reply: DispatchReply | null = null;
  try {
    reply = await dispatchParsed(message, options, config, budget);
    return reply && { ...reply, release: () => budget.release() };
  } finally {
    if (reply === null) budget.release();
  }
}

async function dispatchParsed(
  message: unknown,
  options: DispatchOptions,
  config: Config,
  budget: ResponseBudget,
): Promise<DispatchReply | null> {
  if (!Array.isArray(message)) {
    const response = await dispatchMessage(message, options, config, budget);
    if (response === null) return null;
    const code = "error" in response ? response.error.code : 0;
    return {
      text: budget.encode(response),
      refused: code === PARSE_ERROR || code === INVALID_REQUEST,
    };
  }
  if (message.length === 0) {
    return refusal(errorResponse(null, INVALID_REQUEST, "Invalid Request: empty batch"));
  }
  const maxCalls = config.ARCHIFLOW_MAX_BATCH_CALLS;
  if (message.length > maxCalls) {
    return refusal(errorResponse(
      null,
      INVALID_REQUEST,
      `Invalid Request: a batch of ${message.length} calls is over the limit of ${maxCalls} ` +
        `calls per batch that ARCHIFLOW_MAX_BATCH_CALLS sets; nothing was run, send the calls ` +
        `in smaller batches`,
      { setting: "ARCHIFLOW_MAX_BATCH_CALLS", limit: maxCalls, calls: message.length },
    ));
  }
  const due = (await runBatch(message, options, config, budget)).filter((t) => t !== null);
  if (due.length === 0) return null;
  try {
    return { text: `[${due.join(",")}]`, refused: false };
  } catch (err) {
    // Unreachable while the budget stays under V8's longest string; kept so that no setting can
    // turn a large batch back into a crash.
    return { text: JSON.stringify(budget.tooLarge(null, "this batch", null, err)), refused: false };
  }
}

function refusal(response: RpcResponse): DispatchReply {
  return { text: JSON.stringify(response), refused: true };
}

function parseErrorMessage(err: unknown): string {
  // V8 parses nesting iteratively today; a RangeError here would mean the message nests (or
  // spells) more than the parser can hold, which is the client's to fix, not an internal error.
  if (err instanceof RangeError) {
    return `Parse error: the message is nested too deeply or too large to parse (${err.message})`;
  }
  return "Parse error: " + (err as Error).message;
}

/**
 * Runs a batch's calls at most BATCH_CONCURRENCY at a time. Each response is encoded and counted
 * against the budget as soon as its call ends, so what is held at once is the budget plus the
 * results of the calls in flight; once the budget is spent, calls not yet started are not run.
 */
async function runBatch(
  messages: unknown[],
  options: DispatchOptions,
  config: Config,
  budget: ResponseBudget,
): Promise<(string | null)[]> {
  const texts: (string | null)[] = messages.map(() => null);
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const i = next++;
      const message = messages[i];
      // The call's arguments (a diagram's XML, say) need not outlive the call.
      messages[i] = undefined;
      const response = await dispatchMessage(message, options, config, budget);
      texts[i] = response === null ? null : budget.encode(response);
    }
  };
  const workers = Math.min(BATCH_CONCURRENCY, messages.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return texts;
}

/**
 * Checks one request and runs it, unless `budget` says its batch's response budget is spent:
 * then a request gets the refusal without running, and a notification nothing.
 */
async function dispatchMessage(
  message: unknown,
  options: DispatchOptions,
  config: Config,
  budget: ResponseBudget,
): Promise<RpcResponse | null> {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return errorResponse(null, INVALID_REQUEST, "Invalid Request: expected a JSON object");
  }
  const m = message as Record<string, unknown>;
  const hasId = "id" in m;
  const id: RpcId = hasId && isValidId(m.id) ? m.id as RpcId : null;
  if (hasId && !isValidId(m.id)) {
    return errorResponse(
      null,
      INVALID_REQUEST,
      "Invalid Request: id must be a string, number or null",
    );
  }
  if (m.jsonrpc !== "2.0") {
    return errorResponse(id, INVALID_REQUEST, 'Invalid Request: jsonrpc must be "2.0"');
  }
  if (typeof m.method !== "string" || m.method === "") {
    return errorResponse(id, INVALID_REQUEST, "Invalid Request: method must be a non-empty string");
  }
  if ("params" in m && (typeof m.params !== "object" || m.params === null)) {
    return errorResponse(id, INVALID_REQUEST, "Invalid Request: params must be an object or array");
  }
  const method = m.method;
  if (budget.spent) return hasId ? budget.notRun(id) : null;
  // Nothing past this point (zod, a log line, PostgreSQL's jsonb) has to cope with deep nesting.
  // A tool's arguments sit one level inside tools/call's params.
  const maxDepth = config.ARCHIFLOW_MAX_JSON_DEPTH;
  const isCall = method === "tools/call";
  if (exceedsJsonDepth(m.params, maxDepth + (isCall ? 1 : 0))) {
    if (!hasId) return null;
    const why = jsonDepthMessage(
      isCall ? "The tool's arguments" : `The params of ${method.slice(0, 100)}`,
      maxDepth,
    );
    return errorResponse(id, INVALID_PARAMS, `Invalid params: ${why}`, {
      setting: JSON_DEPTH_SETTING,
      limit: maxDepth,
      issues: [{ path: isCall ? "arguments" : "", message: why }],
    });
  }
  try {
    const result = await runMethod(method, m.params, options);
    return hasId ? { jsonrpc: "2.0", id, result } : null;
  } catch (err) {
    if (!hasId) return null;
    if (err instanceof AppError && err.rpcCode !== undefined) {
      return errorResponse(id, err.rpcCode, err.message, err.details);
    }
    options.onInternalError?.(err, method);
    return errorResponse(id, INTERNAL_ERROR, "Internal error");
  }
}

function objectParams(params: unknown, method: string): Record<string, unknown> {
  if (params === undefined) return {};
  if (Array.isArray(params)) {
    throw rpcRefusal("invalid", INVALID_PARAMS, `Invalid params: ${method} takes named params`, {
      issues: [{ path: "", message: "expected an object" }],
    });
  }
  return params as Record<string, unknown>;
}

async function runMethod(
  method: string,
  params: unknown,
  options: DispatchOptions,
): Promise<unknown> {
  switch (method) {
    case "initialize": {
      const p = objectParams(params, method);
      const requested = typeof p.protocolVersion === "string" ? p.protocolVersion : undefined;
      const capabilities = p.capabilities as { experimental?: Record<string, unknown> } | undefined;
      const structuredOnly = options.session !== undefined &&
        typeof capabilities?.experimental?.[STRUCTURED_CONTENT_ONLY] === "object";
      if (options.session) options.session.structuredContentOnly = structuredOnly;
      return {
        protocolVersion: requested && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
          ? requested
          : MCP_PROTOCOL_VERSION,
        capabilities: {
          tools: { listChanged: false },
          ...(structuredOnly ? { experimental: { [STRUCTURED_CONTENT_ONLY]: {} } } : {}),
        },
        serverInfo: SERVER_INFO,
        instructions:
          "ArchiFlow tools manage IP pools and allocations, devices, and draw.io network diagrams.",
      };
    }
    case "notifications/initialized":
    case "notifications/cancelled":
      return {};
    case "ping":
      return {};
    case "tools/list":
      return { tools: options.registry.describe() };
    case "tools/call":
      return await toolsCall(objectParams(params, method), options);
  }
  const extra = options.extraMethods?.[method];
  if (extra) return await extra(params, options.context());
  throw rpcRefusal("not_found", METHOD_NOT_FOUND, `Method not found: ${method}`, { method });
}

async function toolsCall(p: Record<string, unknown>, options: DispatchOptions): Promise<unknown> {
  if (typeof p.name !== "string") {
    throw rpcRefusal("invalid", INVALID_PARAMS, "Invalid params: name must be a string", {
      issues: [{ path: "name", message: "expected a string" }],
    });
  }
  const name = p.name;
  if (!options.registry.get(name)) {
    throw rpcRefusal("invalid", INVALID_PARAMS, `Unknown tool: ${name}`, { tool: name });
  }
  const args = p.arguments ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw rpcRefusal("invalid", INVALID_PARAMS, "Invalid params: arguments must be an object", {
      issues: [{ path: "arguments", message: "expected an object" }],
    });
  }
  const structuredOnly = options.session?.structuredContentOnly ?? false;
  try {
    const result = await callTool(options.registry, name, args, options.context());
    return new ToolCallResult(name, result, false, structuredOnly);
  } catch (err) {
    // Arguments the tool's schema refused refuse the call (-32602); other errors are its result.
    if (err instanceof AppError && err.rpcCode !== undefined) throw err;
    const appError = toAppError(err);
    if (appError.kind === "internal" && !(err instanceof AppError)) {
      options.onInternalError?.(err, `tools/call ${name}`);
    }
    return new ToolCallResult(name, { error: appError.toJSON() }, true, structuredOnly);
  }
}
