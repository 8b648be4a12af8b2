// JSON-RPC 2.0 message shapes and error codes, and the error a method throws to answer with one.

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/**
 * The call's response does not fit in ARCHIFLOW_MAX_RESPONSE_BYTES (data.reason "too_large"), or
 * it was not run because its batch's earlier responses already filled that budget (data.reason
 * "budget_spent"). Its own code, in the range JSON-RPC leaves to servers, so that a client can
 * tell "ask for less, or in another request" from an internal error (-32603); -32000 and -32001
 * are avoided because MCP clients use them for a closed connection and a timeout.
 */
export const RESPONSE_TOO_LARGE = -32010;

export type RpcId = string | number | null;

export interface RpcRequest {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
  /** Absent for notifications. */
  id?: RpcId;
}

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: "2.0"; id: RpcId; result: unknown }
  | { jsonrpc: "2.0"; id: RpcId; error: RpcError };

export function errorResponse(
  id: RpcId,
  code: number,
  message: string,
  data?: unknown,
): RpcResponse {
  const error: RpcError = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: "2.0", id, error };
}

export function isValidId(id: unknown): id is RpcId {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

/**
 * Thrown by a method (dispatch's own or a transport's extra one, e.g. subscribe) to answer with
 * this JSON-RPC error instead of -32603.
 */
export class RpcMethodError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "RpcMethodError";
  }
}
