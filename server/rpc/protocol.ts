// JSON-RPC 2.0 message shapes and error codes. A method answers with an error by throwing
// AppError with an rpcCode (errors.ts rpcRefusal), the one error type of every transport.
export {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
} from "../errors.ts";

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
