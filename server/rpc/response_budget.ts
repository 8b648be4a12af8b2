// What one JSON-RPC message's response may take: the response budget (ARCHIFLOW_MAX_RESPONSE_BYTES
// per message, shared by a batch's calls), the process's gate for large responses, and the
// encoding of tools/call results that counts bytes before it builds them.
import { encodedLengthFloor, encodeResult } from "../tools/raw_json.ts";
import {
  errorResponse,
  INTERNAL_ERROR,
  RESPONSE_TOO_LARGE,
  type RpcId,
  type RpcResponse,
} from "./protocol.ts";
import { LARGE_RESPONSE_BYTES, type ResponseGate } from "./response_gate.ts";

/** What the budget takes from dispatch's options. */
export interface BudgetOptions {
  responses?: ResponseGate;
  onInternalError?: (err: unknown, method: string) => void;
}

/**
 * A tools/call result, encoded only when the budget takes it. MCP carries the payload twice (as
 * `content[0].text` and as `structuredContent`); encoding it once and splicing the text into
 * both places keeps a large result (10,000 pools) from being serialised three times. A session
 * that negotiated STRUCTURED_CONTENT_ONLY gets it once, with an empty `content`.
 */
export class ToolCallResult {
  constructor(
    readonly tool: string,
    readonly value: unknown,
    readonly isError: boolean,
    readonly structuredOnly = false,
  ) {}
  /** How many times the payload goes into the response. */
  get copies(): number {
    return this.structuredOnly ? 1 : 2;
  }
  encode(payload: string): string {
    const content = this.structuredOnly
      ? "[]"
      : `[{"type":"text","text":${JSON.stringify(payload)}}]`;
    return `{"content":${content},"structuredContent":${payload}${
      this.isError ? ',"isError":true' : ""
    }}`;
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
export class ResponseBudget {
  readonly limit: number;
  /** Bytes of the responses counted exactly (each with its comma or bracket). */
  #used = 0;
  /**
   * Responses taken without counting their bytes, because they fitted even at three bytes per
   * UTF-16 unit (UTF-8's most): counting a 12 MB answer costs tens of milliseconds, and a single
   * call's answer is never counted again. They are counted once a later response of the batch
   * needs the room.
   */
  #uncounted: string[] = [];
  #uncountedMost = 0;
  #uncountedLeast = 0;
  #releases: (() => void)[] = [];
  spent = false;

  constructor(setting: number, readonly options: BudgetOptions) {
    this.limit = Math.min(setting, LONGEST_RESPONSE);
  }

  /** The response's text if it fits, else its refusal; either way counted. */
  encode(response: RpcResponse): string {
    // What is left if the uncounted responses take one byte per unit: enough to refuse, before
    // building it, a response that cannot fit whatever they take.
    const room = this.limit - this.#used - this.#uncountedLeast;
    const gate = this.options.responses;
    let reserved = 0;
    if (gate && "result" in response && response.result instanceof ToolCallResult) {
      // The least the text will take; one over `room` is refused below without being built.
      const floor = encodedLengthFloor(response.result.value) * response.result.copies;
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
    // Escaping made it larger than estimated: the gate counts what it really takes.
    if (reserved > 0 && text.length > reserved) {
      this.#releases.push(gate!.force(text.length - reserved));
    }
    const most = text.length * 3 + 1; // and a comma or a bracket
    if (this.#used + this.#uncountedMost + most <= this.limit) {
      this.#uncounted.push(text);
      this.#uncountedMost += most;
      this.#uncountedLeast += text.length + 1;
      return text;
    }
    this.#countUncounted();
    const bytes = utf8Length(text);
    if (bytes > this.limit - this.#used) return this.#refuse(response, bytes);
    this.#used += bytes + 1;
    return text;
  }

  #countUncounted(): void {
    for (const text of this.#uncounted) this.#used += utf8Length(text) + 1;
    this.#uncounted = [];
    this.#uncountedMost = 0;
    this.#uncountedLeast = 0;
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
    this.#countUncounted();
    this.#used += utf8Length(text) + 1;
    return text;
  }
}

/**
 * The response's text, or the least it would take when that is already over `room`: a tool's
 * payload goes in twice (once with a structured-only session) and a UTF-8 byte is at least one
 * UTF-16 unit, so a payload longer than half the room is refused before the second copy is
 * built, and one whose top-level strings already are, before the first.
 */
function encodeResponse(response: RpcResponse, room: number): string | { atLeast: number } {
  if ("result" in response && response.result instanceof ToolCallResult) {
    const copies = response.result.copies;
    const floor = encodedLengthFloor(response.result.value) * copies;
    if (floor > room) return { atLeast: floor };
    const payload = encodeResult(response.result.value);
    if (payload.length * copies > room) return { atLeast: payload.length * copies };
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
