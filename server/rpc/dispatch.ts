// JSON-RPC dispatch, pure: a text message in, a text response (or nothing) out. The MCP methods
// (initialize, ping, tools/list, tools/call) live here; transports only move text. Dispatch also
// bounds what one message may cost, on every transport alike, with the limits in the calls'
// config: calls per batch, nesting of params, and the bytes of the response, which is built one
// call at a time within ARCHIFLOW_MAX_RESPONSE_BYTES.
import type { Config } from "../config.ts";
import { AppError, toAppError } from "../errors.ts";
import { encodedLengthFloor, encodeResult } from "../tools/raw_json.ts";
import { LARGE_RESPONSE_BYTES, type ResponseGate } from "./response_gate.ts";
import {
  callTool,
  InvalidParamsError,
  type ToolContext,
  type ToolRegistry,
} from "../tools/tool.ts";
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
  RESPONSE_TOO_LARGE,
  type RpcId,
  RpcMethodError,
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
 * A tools/call result, encoded only when the budget takes it. MCP carries the payload twice (as
 * `content[0].text` and as `structuredContent`); encoding it once and splicing the text into
 * both places keeps a large result (10,000 pools) from being serialised three times.
 */
class ToolCallResult {
  constructor(readonly tool: string, readonly value: unknown, readonly isError: boolean) {}
  encode(payload: string): string {
    return `{"content":[{"type":"text","text":${JSON.stringify(payload)}}],` +
      `"structuredContent":${payload}${this.isError ? ',"isError":true' : ""}}`;
  }
}

/**
 * V8 cannot build a string longer than 2^29 - 24 UTF-16 units. The budget stays under it with room
 * for the refusals a batch may add, whatever ARCHIFLOW_MAX_RESPONSE_BYTES says.
 */
const LONGEST_RESPONSE = 2 ** 29 - 2 ** 25;

/**
 * The bytes one message's response may still take: ARCHIFLOW_MAX_RESPONSE_BYTES for a single
 * call, and for a batch what its earlier responses left. A response that does not fit becomes a
 * RESPONSE_TOO_LARGE error for its id (reason "too_large"), and from then on the budget is spent:
 * calls that have not started get RESPONSE_TOO_LARGE with reason "budget_spent" without running.
 * Refusals themselves always go out (a few hundred bytes each, at most ARCHIFLOW_MAX_BATCH_CALLS
 * of them). RESPONSE_TOO_LARGE rather than -32603 or a tool's isError: the call may well have
 * worked, it is its answer that cannot be carried, and the client's remedy (ask for less, or
 * alone) differs from what it does about a failure.
 */
class ResponseBudget {
  readonly limit: number;
  #used = 0;
  #releases: (() => void)[] = [];
  spent = false;

  constructor(setting: number, readonly options: DispatchOptions) {
    this.limit = Math.min(setting, LONGEST_RESPONSE);
  }

  /** The response's text if it fits, else its refusal; either way counted. */
  encode(response: RpcResponse): string {
    const room = this.limit - this.#used;
    const gate = this.options.responses;
    let reserved = 0;
    if (gate && "result" in response && response.result instanceof ToolCallResult) {
      // The least the text will take; one over `room` is refused below without being built.
      const floor = encodedLengthFloor(response.result.value) * 2;
      if (floor <= room && floor >= LARGE_RESPONSE_BYTES) {
        const release = gate.take(floor);
        if (release === null) return JSON.stringify(this.busy(response, floor, gate));
        this.#releases.push(release);
        reserved = floor;
      }
    }
    let text: string;
    try {
      const encoded = encodeResponse(response, room);
      if (typeof encoded !== "string") return this.#refuse(response, encoded.atLeast);
      text = encoded;
    } catch (err) {
      if (err instanceof RangeError) return this.#refuse(response, null, err);
      this.options.onInternalError?.(err, "encoding a response");
      text = JSON.stringify(errorResponse(response.id, INTERNAL_ERROR, "Internal error"));
    }
    const bytes = utf8Length(text);
    if (bytes > room) return this.#refuse(response, bytes);
    // Escaping made it larger than estimated: the gate counts what it really takes.
    if (reserved > 0 && bytes > reserved) this.#releases.push(gate!.force(bytes - reserved));
    this.#used += bytes + 1; // and a comma or a bracket
    return text;
  }

  /** Gives back what this message's responses took from the process's gate. */
  release(): void {
    for (const release of this.#releases) release();
    this.#releases = [];
  }

  /** The answer to a call whose large response the process cannot build now. */
  busy(response: RpcResponse, bytes: number, gate: ResponseGate): RpcResponse {
    const what = "result" in response && response.result instanceof ToolCallResult
      ? `tools/call ${response.result.tool}`
      : "this call";
    return errorResponse(
      response.id,
      RESPONSE_TOO_LARGE,
      `Server busy: the response to ${what} takes at least ${bytes} bytes, and other large ` +
        `responses already take all but ${gate.free} of the ${gate.capacity} bytes the server ` +
        `builds at once (ARCHIFLOW_MAX_RESPONSE_BYTES); retry shortly`,
      {
        reason: "busy",
        setting: "ARCHIFLOW_MAX_RESPONSE_BYTES",
        limit: gate.capacity,
        bytes,
      },
    );
  }

  /** The response to a call not run because the budget is spent. */
  notRun(id: RpcId): RpcResponse {
    return errorResponse(
      id,
      RESPONSE_TOO_LARGE,
      `Not run: an earlier response of this batch did not fit in what was left of the ` +
        `${this.limit} bytes ARCHIFLOW_MAX_RESPONSE_BYTES allows per response; send this call ` +
        `again in another request`,
      { reason: "budget_spent", setting: "ARCHIFLOW_MAX_RESPONSE_BYTES", limit: this.limit },
    );
  }

  tooLarge(id: RpcId, what: string, bytes: number | null, cause?: unknown): RpcResponse {
    const size = bytes === null
      ? `could not be built (${String(cause)})`
      : `takes at least ${bytes} bytes`;
    return errorResponse(
      id,
      RESPONSE_TOO_LARGE,
      `Response too large: the response to ${what} ${size}, over what is left of the ` +
        `${this.limit} bytes ARCHIFLOW_MAX_RESPONSE_BYTES allows per response; ask for less ` +
        `(a smaller page, fewer items), or send the call on its own`,
      {
        reason: "too_large",
        setting: "ARCHIFLOW_MAX_RESPONSE_BYTES",
        limit: this.limit,
        ...(bytes === null ? {} : { bytes }),
      },
    );
  }

  #refuse(response: RpcResponse, bytes: number | null, cause?: unknown): string {
    this.spent = true;
    const what = "result" in response && response.result instanceof ToolCallResult
      ? `tools/call ${response.result.tool}`
      : "this call";
    const text = JSON.stringify(this.tooLarge(response.id, what, bytes, cause));
    this.#used += text.length + 1;
    return text;
  }
}

/**
 * The response's text, or the least it would take when that is already over `room`: a tool's
 * payload goes in twice and a UTF-8 byte is at least one UTF-16 unit, so a payload longer than
 * half the room is refused before the second copy is built, and one whose top-level strings
 * already are, before the first.
 */
function encodeResponse(response: RpcResponse, room: number): string | { atLeast: number } {
  if ("result" in response && response.result instanceof ToolCallResult) {
    const floor = encodedLengthFloor(response.result.value) * 2;
    if (floor > room) return { atLeast: floor };
    const payload = encodeResult(response.result.value);
    if (payload.length * 2 > room) return { atLeast: payload.length * 2 };
    return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":${
      response.result.encode(payload)
    }}`;
  }
  return JSON.stringify(response);
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Bytes of `text` in UTF-8 (as it goes over the wire); lone surrogates count as U+FFFD. */
function utf8Length(text: string): number {
  const first = text.search(NON_ASCII);
  if (first < 0) return text.length;
  let bytes = first;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (
      c >= 0xd800 && c < 0xdc00 && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
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
    if (err instanceof RpcMethodError) return errorResponse(id, err.code, err.message, err.data);
    if (err instanceof InvalidParamsError) {
      return errorResponse(id, INVALID_PARAMS, err.message, { issues: err.issues });
    }
    options.onInternalError?.(err, method);
    return errorResponse(id, INTERNAL_ERROR, "Internal error");
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
  try {
    const result = await callTool(options.registry, name, args, options.context());
    return new ToolCallResult(name, result, false);
  } catch (err) {
    if (err instanceof InvalidParamsError) throw err;
    const appError = toAppError(err);
    if (appError.kind === "internal" && !(err instanceof AppError)) {
      options.onInternalError?.(err, `tools/call ${name}`);
    }
    return new ToolCallResult(name, { error: appError.toJSON() }, true);
  }
}
