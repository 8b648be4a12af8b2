// Why a call or a connection to ArchiFlow failed: the server's JSON-RPC and tool errors, a
// call lost with its socket or not answered in time, and how a closed socket is read (a refused
// key, or something a retry may get past).

/** How the server closed the last socket. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** RFC 6455 policy violation: what ArchiFlow closes with for a missing, bad or expired key. */
export const CLOSE_POLICY = 1008;

/**
 * Whether a close means the key was refused (no point retrying with it) or something a retry
 * may get past: a network failure, a restart, or a cap on open sockets, which ArchiFlow also
 * closes with 1008 but with a reason that starts "Too many".
 */
export function closeKind(close: CloseInfo): "refused" | "retry" {
  return close.code === CLOSE_POLICY && !/^too many\b/i.test(close.reason.trim())
    ? "refused"
    : "retry";
}

/** The server answered with a JSON-RPC error. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "RpcError";
  }
}

/** A tool answered with isError: the ArchiFlow error kind (conflict, not_found, ...). */
export class ToolError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = "ToolError";
  }
}

/** The call was sent but the connection dropped before its answer arrived. */
export class ConnectionLostError extends Error {
  constructor(method: string) {
    super(
      `The connection to ArchiFlow dropped before "${method}" was answered; ` +
        `it may or may not have been applied. Check, then try again.`,
    );
    this.name = "ConnectionLostError";
  }
}

/** The server refused the connection's key; calls fail with this until a new key works. */
export class RefusedError extends Error {
  constructor(readonly close: CloseInfo) {
    super(`ArchiFlow refused the connection: ${close.reason || `close code ${close.code}`}`);
    this.name = "RefusedError";
  }
}

export class CallTimeoutError extends Error {
  constructor(method: string, ms: number) {
    super(`ArchiFlow did not answer "${method}" within ${Math.round(ms / 1000)} s`);
    this.name = "CallTimeoutError";
  }
}
