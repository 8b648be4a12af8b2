// JSON-RPC 2.0 message shapes and error codes.

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

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
