// What an RpcConnection is made with: the socket it talks through (a browser WebSocket, or a
// fake in tests), its timings and clocks, and the defaults for each; and the reconnect delay.

/**
 * "open" once the server has answered on the socket (the key works); "refused" when it closed
 * the socket for the key, which no retry changes.
 */
export type Status = "connecting" | "open" | "closed" | "refused";

export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** WebSocket.OPEN: a socket that calls may be sent on. */
export const OPEN = 1;

export interface RpcOptions {
  /** Creates the socket; tests pass a fake. */
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  /**
   * Subprotocols to offer (they carry the credential, which must not be in the URL). A promise
   * holds back the first connection until they are known; calls made meanwhile are queued.
   */
  protocols?: string[] | Promise<string[]>;
  /** First reconnect delay; doubles up to maxBackoffMs, with jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long a socket must stay up after its first answer for the backoff to start over: a
   * server that accepts and then drops every connection is backed off from like one that is down.
   */
  stableMs?: number;
  heartbeatMs?: number;
  /** How long a heartbeat may go unanswered before the connection is dropped and reopened. */
  heartbeatTimeoutMs?: number;
  callTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
  /** Schedules the next connection attempt; tests pass their own to see the delays. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** Every option but the protocols, with the defaults filled in. */
export type ResolvedOptions = Required<Omit<RpcOptions, "protocols">>;

export function resolveOptions(options: RpcOptions): ResolvedOptions {
  return {
    createSocket: options.createSocket ??
      ((u, p) => new WebSocket(u, p.length ? p : undefined) as unknown as SocketLike),
    backoffMs: options.backoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 15_000,
    heartbeatMs: options.heartbeatMs ?? 20_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 10_000,
    stableMs: options.stableMs ?? 10_000,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    setTimer: options.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
    clearTimer: options.clearTimer ??
      ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)),
  };
}

/** Reconnect delay for the given attempt (0-based): exponential with ±25 % jitter, capped. */
export function backoffDelay(attempt: number, base: number, max: number, random = Math.random) {
  const raw = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(raw * (0.75 + random() * 0.5));
}
