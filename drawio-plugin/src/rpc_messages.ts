// What comes back on the socket, read into what RpcConnection acts on: a notification, or the
// answer to a call (its result, or the server's JSON-RPC error); and an MCP tools/call answer
// read into the tool's structuredContent, or its error as a ToolError with ArchiFlow's kind.
import { RpcError, ToolError } from "./rpc_errors.ts";

export type Incoming =
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "answer"; id: unknown; error: RpcError | null; result: unknown };

/** One message from the server, or null for anything that is not a JSON-RPC object. */
export function readMessage(text: string): Incoming | null {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return null;
  if (typeof msg.method === "string" && msg.id === undefined) {
    return { kind: "notification", method: msg.method, params: msg.params };
  }
  const e = msg.error as { code: number; message: string; data?: unknown } | undefined;
  return {
    kind: "answer",
    id: msg.id,
    error: e ? new RpcError(e.code, e.message, e.data) : null,
    result: msg.result,
  };
}

export interface ToolCallResult {
  structuredContent?: unknown;
  isError?: boolean;
  content?: { text?: string }[];
}

/** The structured answer of tool `name`, or throws ToolError when the tool failed. */
export function toolAnswer<T>(name: string, result: ToolCallResult | null | undefined): T {
  const structured = (result?.structuredContent ?? {}) as Record<string, unknown>;
  if (result?.isError) {
    const err = (structured.error ?? {}) as {
      code?: string;
      message?: string;
      details?: unknown;
    };
    throw new ToolError(
      err.code ?? "internal",
      err.message ?? result.content?.[0]?.text ?? `${name} failed`,
      err.details,
    );
  }
  return structured as T;
}
