// JSON-RPC dispatch, pure: a text message in, a text response (or nothing) out. The MCP methods
// (initialize, ping, tools/list, tools/call) live here; transports only move text.
import { AppError, toAppError } from "../errors.ts";
import {
  callTool,
  InvalidParamsError,
  type ToolContext,
  type ToolRegistry,
} from "../tools/tool.ts";
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
import { encodeResult } from "../tools/raw_json.ts";

export const MCP_PROTOCOL_VERSION = "2025-06-18";
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05"];
export const SERVER_INFO = { name: "archiflow", title: "ArchiFlow", version: "0.1.0" };

/** Extra methods a transport adds (e.g. subscribe on WebSocket). */
export type ExtraMethod = (params: unknown, ctx: ToolContext) => Promise<unknown>;

export interface DispatchOptions {
  registry: ToolRegistry;
  /** Builds the context of one call (actor, request id). */
  context: () => ToolContext;
  extraMethods?: Record<string, ExtraMethod>;
  /** Called for unexpected errors, which clients only see as "Internal error". */
  onInternalError?: (err: unknown, method: string) => void;
  /** Called after each tools/call with its outcome, for metrics. */
  onToolCall?: (name: string, ok: boolean, ms: number) => void;
}

/** Handles one incoming text message; returns the response text or null when none is due. */
export async function dispatchText(text: string, options: DispatchOptions): Promise<string | null> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (err) {
    return JSON.stringify(
      errorResponse(null, PARSE_ERROR, "Parse error: " + (err as Error).message),
    );
  }
  if (Array.isArray(message)) {
    if (message.length === 0) {
      return JSON.stringify(errorResponse(null, INVALID_REQUEST, "Invalid Request: empty batch"));
    }
    const responses = await Promise.all(message.map((m) => dispatchMessage(m, options)));
    const due = responses.filter((r): r is RpcResponse => r !== null);
    return due.length ? `[${due.map(encodeResponse).join(",")}]` : null;
  }
  const response = await dispatchMessage(message, options);
  return response ? encodeResponse(response) : null;
}

/**
 * A tools/call result whose payload is already JSON text. MCP carries the payload twice (as
 * `content[0].text` and as `structuredContent`); encoding it once and splicing the text into
 * both places keeps a large result (10,000 pools) from being serialised three times.
 */
class ToolCallResult {
  constructor(readonly payload: string, readonly isError: boolean) {}
  encode(): string {
    return `{"content":[{"type":"text","text":${JSON.stringify(this.payload)}}],` +
      `"structuredContent":${this.payload}${this.isError ? ',"isError":true' : ""}}`;
  }
}

function encodeResponse(response: RpcResponse): string {
  if ("result" in response && response.result instanceof ToolCallResult) {
    return `{"jsonrpc":"2.0","id":${
      JSON.stringify(response.id)
    },"result":${response.result.encode()}}`;
  }
  return JSON.stringify(response);
}

async function dispatchMessage(
  message: unknown,
  options: DispatchOptions,
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
  try {
    const result = await runMethod(method, m.params, options);
    return hasId ? { jsonrpc: "2.0", id, result } : null;
  } catch (err) {
    if (!hasId) return null;
    if (err instanceof RpcMethodError) return errorResponse(id, err.code, err.message, err.data);
    if (err instanceof InvalidParamsError) {
      return errorResponse(id, INVALID_PARAMS, err.message, { issues: err.issues });
    }
    options.onInternalError?.(err, method);
    return errorResponse(id, INTERNAL_ERROR, "Internal error");
  }
}

class RpcMethodError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
}

function objectParams(params: unknown, method: string): Record<string, unknown> {
  if (params === undefined) return {};
  if (Array.isArray(params)) {
    throw new RpcMethodError(INVALID_PARAMS, `Invalid params: ${method} takes named params`, {
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
      return {
        protocolVersion: requested && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
          ? requested
          : MCP_PROTOCOL_VERSION,
        capabilities: { tools: { listChanged: false } },
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
  throw new RpcMethodError(METHOD_NOT_FOUND, `Method not found: ${method}`, { method });
}

async function toolsCall(p: Record<string, unknown>, options: DispatchOptions): Promise<unknown> {
  if (typeof p.name !== "string") {
    throw new RpcMethodError(INVALID_PARAMS, "Invalid params: name must be a string", {
      issues: [{ path: "name", message: "expected a string" }],
    });
  }
  const name = p.name;
  if (!options.registry.get(name)) {
    throw new RpcMethodError(INVALID_PARAMS, `Unknown tool: ${name}`, { tool: name });
  }
  const args = p.arguments ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new RpcMethodError(INVALID_PARAMS, "Invalid params: arguments must be an object", {
      issues: [{ path: "arguments", message: "expected an object" }],
    });
  }
  const started = performance.now();
  try {
    const result = await callTool(options.registry, name, args, options.context());
    options.onToolCall?.(name, true, performance.now() - started);
    return new ToolCallResult(encodeResult(result), false);
  } catch (err) {
    options.onToolCall?.(name, false, performance.now() - started);
    if (err instanceof InvalidParamsError) throw err;
    const appError = toAppError(err);
    if (appError.kind === "internal" && !(err instanceof AppError)) {
      options.onInternalError?.(err, `tools/call ${name}`);
    }
    return new ToolCallResult(JSON.stringify({ error: appError.toJSON() }), true);
  }
}
