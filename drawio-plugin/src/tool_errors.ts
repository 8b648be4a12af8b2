// How the editor words a failed call: a tool's error with its kind, a tool this server does not
// offer yet, a refused key.
import { message } from "./dom.ts";
import { RefusedError, RpcError, ToolError } from "./rpc.ts";

export function errorText(err: unknown): string {
  if (err instanceof ToolError) return `${err.message} (${err.code})`;
  if (err instanceof RpcError && err.code === -32601) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** True when the server does not have the tool (it is added by a newer server version). */
export function isMissingTool(err: unknown): boolean {
  if (err instanceof RpcError) return err.code === -32601 || /unknown tool/i.test(err.message);
  if (err instanceof ToolError) return /unknown tool|not found: tool/i.test(err.message);
  return false;
}

/** A refused key is said once, by the connection notice, not again by every call it fails. */
export function isRefused(err: unknown): boolean {
  return err instanceof RefusedError;
}

/** Shows why `tool` failed in a dialog titled `title`. */
export function toolMessage(title: string, tool: string, err: unknown): Promise<void> {
  const text = isMissingTool(err)
    ? `This ArchiFlow server does not offer "${tool}" yet, so ${title} is unavailable.`
    : errorText(err);
  return message("archiflow-error", title, text);
}
