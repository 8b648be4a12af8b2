// The plugin's one WebSocket JSON-RPC connection to ArchiFlow: reconnects with backoff, sends a
// heartbeat, and keeps calls that were not yet sent across a reconnect. A call already sent when
// the connection drops fails with ConnectionLostError unless it is marked safe to repeat, because
// a write (allocate-ip) may have been applied by the server before the drop. A fresh key
// (renew()) replaces the open connection by one that uses it, without the status leaving "open".
//
// The server accepts every upgrade and closes a socket whose key it refuses with 1008 and the
// reason, because a browser cannot read the HTTP status of a refused upgrade. So opening proves
// nothing: the backoff starts over only once a socket has answered and stayed up, and a refused
// key stops the reconnecting ("refused") until a new key comes (renew()) or retryNow().
//
// Over 400 lines on purpose: RpcConnection is one state machine (the current socket, one being
// tried with a fresh key, retired ones still owed answers, pending calls, backoff), whose
// invariants span all of it; its errors live in rpc_errors.ts.

/**
 * "open" once the server has answered on the socket (the key works); "refused" when it closed
 * the socket for the key, which no retry changes.
 */
export type Status = "connecting" | "open" | "closed" | "refused";

import {
  CallTimeoutError,
  type CloseInfo,
  closeKind,
  ConnectionLostError,
  RefusedError,
  RpcError,
  ToolError,
} from "./rpc_errors.ts";

export * from "./rpc_errors.ts";

export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

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

interface Pending {
  id: number;
  method: string;
  params: unknown;
  /** Safe to send again after a reconnect (reads, ping). */
  retry: boolean;
  sent: boolean;
  /** The socket it was sent on: its answer can only come back on that one. */
  socket: SocketLike | null;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

/** Reconnect delay for the given attempt (0-based): exponential with ±25 % jitter, capped. */
export function backoffDelay(attempt: number, base: number, max: number, random = Math.random) {
  const raw = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(raw * (0.75 + random() * 0.5));
}

export class RpcConnection {
  #url: string;
  #opts: Required<Omit<RpcOptions, "protocols">>;
  #protocols: string[] | null = null;
  #protocolsKnown: Promise<void> = Promise.resolve();
  #socket: SocketLike | null = null;
  #next = 1;
  #pending = new Map<number, Pending>();
  #attempt = 0;
  #reconnectTimer: unknown = null;
  #retryAt: number | null = null;
  /** When the current socket first answered, which proves its key works; null until then. */
  #provenAt: number | null = null;
  #lastClose: CloseInfo | null = null;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  #waitingForProtocols = false;
  /** A socket opened with a fresh key, not yet proven to work. */
  #successor: SocketLike | null = null;
  /** Sockets replaced by a successor, closed once their calls are answered. */
  #retired = new Set<SocketLike>();
  #status: Status = "closed";
  /** The current socket is open: calls may be sent on it (its key may still be refused). */
  #live = false;
  /** The open handlers are running on a new socket; "open" is said once they are done. */
  #openHandlersRunning = false;
  #notificationHandlers = new Set<(method: string, params: unknown) => void>();
  #statusHandlers = new Set<(status: Status) => void>();
  #openHandlers = new Set<() => void | Promise<void>>();

  constructor(url: string, options: RpcOptions = {}) {
    this.#url = url;
    this.#opts = {
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
    const protocols = options.protocols ?? [];
    if (Array.isArray(protocols)) this.#protocols = protocols;
    else {
      this.#protocolsKnown = protocols.then(
        // A key given by renew() meanwhile is newer than the first one.
        (p) => void (this.#protocols ??= p),
        () => void (this.#protocols ??= []),
      );
    }
  }

  get status(): Status {
    return this.#status;
  }

  /** The subprotocols offered (the key rides in one), or null while they are not known yet. */
  get protocols(): readonly string[] | null {
    return this.#protocols;
  }

  /** How the server closed the last socket, or null when none has closed. */
  get lastClose(): CloseInfo | null {
    return this.#lastClose;
  }

  /** When the next attempt to connect is due (ms since the epoch), or null when none waits. */
  get nextRetryAt(): number | null {
    return this.#retryAt;
  }

  /** Opens the connection (and keeps reopening it until close()). */
  connect(): void {
    this.#closed = false;
    this.#open();
  }

  /** Tries to connect at once instead of waiting out the backoff, or again after a refusal. */
  retryNow(): void {
    if (this.#closed || this.#socket) return;
    this.#cancelRetry();
    this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#cancelRetry();
    this.#stopHeartbeat();
    const socket = this.#socket;
    this.#socket = null;
    this.#live = false;
    socket?.close(1000, "closed by client");
    this.#successor?.close(1000, "closed by client");
    this.#successor = null;
    for (const old of this.#retired) old.close(1000, "closed by client");
    this.#retired.clear();
    for (const p of [...this.#pending.values()]) {
      this.#settle(p.id)?.reject(new Error("The ArchiFlow connection was closed"));
    }
    this.#setStatus("closed");
  }

  /**
   * Offers `protocols` (a fresh key) from now on. An open connection is replaced without a gap:
   * a second socket opens with them and takes over once the server has answered a ping on it
   * (a refused key is accepted and closed at once, so opening proves nothing); the old one
   * then only receives the answers to calls already sent on it, and is closed. If the new
   * socket fails, the old one stays in use until it drops. While waiting to reconnect, the
   * new key is tried at once.
   */
  renew(protocols: string[]): void {
    this.#protocols = protocols;
    if (this.#closed) return;
    if (!this.#live || !this.#socket) {
      if (this.#reconnectTimer !== null || this.#status === "refused") {
        this.#cancelRetry();
        this.#attempt = 0;
        this.#open();
      }
      return;
    }
    this.#successor?.close(1000, "replaced by a newer key");
    let next: SocketLike;
    try {
      next = this.#opts.createSocket(this.#url, protocols);
    } catch {
      this.#successor = null;
      return;
    }
    this.#successor = next;
    const probe = this.#next++;
    next.onopen = () => {
      if (next !== this.#successor) return;
      next.send(JSON.stringify({ jsonrpc: "2.0", id: probe, method: "ping" }));
    };
    next.onmessage = (ev) => {
      let msg: { id?: unknown } | null = null;
      try {
        msg = JSON.parse(String(ev.data));
      } catch { /* not an answer */ }
      if (next === this.#successor && msg?.id === probe) {
        this.#successor = null;
        this.#adopt(next);
      }
    };
    next.onerror = () => {};
    next.onclose = () => {
      if (next === this.#successor) this.#successor = null;
    };
  }

  onNotification(fn: (method: string, params: unknown) => void): () => void {
    this.#notificationHandlers.add(fn);
    return () => this.#notificationHandlers.delete(fn);
  }

  onStatus(fn: (status: Status) => void): () => void {
    this.#statusHandlers.add(fn);
    return () => this.#statusHandlers.delete(fn);
  }

  /** Runs on every (re)open before queued calls are sent, e.g. to subscribe again. */
  onOpen(fn: () => void | Promise<void>): () => void {
    this.#openHandlers.add(fn);
    return () => this.#openHandlers.delete(fn);
  }

  call<T = unknown>(
    method: string,
    params?: unknown,
    options: { retry?: boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("The ArchiFlow connection was closed"));
    if (this.#status === "refused" && this.#lastClose) {
      return Promise.reject(new RefusedError(this.#lastClose));
    }
    const id = this.#next++;
    const timeoutMs = options.timeoutMs ?? this.#opts.callTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(id)?.reject(new CallTimeoutError(method, timeoutMs));
      }, timeoutMs);
      const pending: Pending = {
        id,
        method,
        params,
        retry: options.retry ?? false,
        sent: false,
        socket: null,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      };
      this.#pending.set(id, pending);
      if (this.#live) this.#send(pending);
    });
  }

  /** Calls an MCP tool and returns its structuredContent, or throws ToolError. */
  async tool<T = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
    options: { retry?: boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    const result = await this.call<
      { structuredContent?: unknown; isError?: boolean; content?: { text?: string }[] }
    >("tools/call", { name, arguments: args }, options);
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

  #setStatus(status: Status) {
    if (status === this.#status) return;
    this.#status = status;
    for (const fn of this.#statusHandlers) fn(status);
  }

  #open() {
    if (this.#closed) return;
    this.#setStatus("connecting");
    const protocols = this.#protocols;
    if (protocols === null) {
      if (!this.#waitingForProtocols) {
        this.#waitingForProtocols = true;
        this.#protocolsKnown.then(() => {
          this.#waitingForProtocols = false;
          this.#open();
        });
      }
      return;
    }
    let socket: SocketLike;
    try {
      socket = this.#opts.createSocket(this.#url, protocols);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#provenAt = null;
    socket.onopen = () => {
      if (socket === this.#socket) this.#opened(socket);
    };
    socket.onmessage = (ev) => this.#receive(String(ev.data), socket);
    socket.onerror = () => {};
    socket.onclose = (ev) => this.#lost(socket, ev);
  }

  /** Makes `socket` (a successor that answered its probe) the connection. */
  #adopt(socket: SocketLike) {
    this.#cancelRetry();
    const old = this.#socket;
    this.#socket = socket;
    // It answered the probe: its key works.
    this.#provenAt = this.#opts.now();
    socket.onmessage = (ev) => this.#receive(String(ev.data), socket);
    socket.onclose = (ev) => this.#lost(socket, ev);
    if (old) {
      this.#retired.add(old);
      old.onopen = null;
      old.onmessage = (ev) => {
        this.#receive(String(ev.data), old);
        this.#closeIfDone(old);
      };
      old.onclose = (ev) => this.#lost(old, ev);
      this.#closeIfDone(old);
    }
    this.#opened(socket);
  }

  async #opened(socket: SocketLike) {
    // Calls may go out from here on; the status says "open" once an answer proves the key.
    this.#live = true;
    this.#startHeartbeat();
    // Handlers (subscribe) go first so no notification is missed by calls sent after them.
    this.#openHandlersRunning = true;
    for (const fn of this.#openHandlers) {
      try {
        await fn();
      } catch { /* reported by the handler itself */ }
    }
    if (socket !== this.#socket) return;
    this.#openHandlersRunning = false;
    for (const p of this.#pending.values()) if (!p.sent) this.#send(p);
    // Otherwise the first answer says so (at the latest, the heartbeat's).
    if (this.#provenAt !== null) this.#setStatus("open");
  }

  /** A retired socket whose calls are all answered is closed. */
  #closeIfDone(old: SocketLike) {
    for (const p of this.#pending.values()) if (p.sent && p.socket === old) return;
    this.#retired.delete(old);
    old.onmessage = null;
    old.onclose = null;
    old.close(1000, "replaced by a connection with a newer key");
  }

  /**
   * A socket closed: its unanswered calls are resent (reads) or fail (writes). A refused key
   * ends the reconnecting and fails every waiting call; anything else is retried after the
   * backoff, which starts over only after a connection that proved itself and stayed up.
   */
  #lost(socket: SocketLike, ev?: unknown) {
    const current = socket === this.#socket;
    if (!current && !this.#retired.delete(socket)) return;
    for (const p of [...this.#pending.values()]) {
      if (!p.sent || p.socket !== socket) continue;
      if (p.retry) {
        p.sent = false;
        p.socket = null;
      } else this.#settle(p.id)?.reject(new ConnectionLostError(p.method));
    }
    if (!current) {
      if (this.#live) {
        for (const p of this.#pending.values()) if (!p.sent) this.#send(p);
      }
      return;
    }
    this.#socket = null;
    this.#live = false;
    this.#stopHeartbeat();
    const e = (ev ?? {}) as { code?: unknown; reason?: unknown };
    const close: CloseInfo = {
      code: typeof e.code === "number" ? e.code : 1006,
      reason: typeof e.reason === "string" ? e.reason : "",
    };
    this.#lastClose = close;
    const proven = this.#provenAt;
    this.#provenAt = null;
    if (this.#closed) return this.#setStatus("closed");
    if (closeKind(close) === "refused") {
      for (const p of [...this.#pending.values()]) {
        this.#settle(p.id)?.reject(new RefusedError(close));
      }
      return this.#setStatus("refused");
    }
    if (proven !== null && this.#opts.now() - proven >= this.#opts.stableMs) this.#attempt = 0;
    this.#setStatus("connecting");
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (this.#closed) return;
    const delay = backoffDelay(
      this.#attempt++,
      this.#opts.backoffMs,
      this.#opts.maxBackoffMs,
      this.#opts.random,
    );
    this.#retryAt = this.#opts.now() + delay;
    this.#reconnectTimer = this.#opts.setTimer(() => {
      this.#reconnectTimer = null;
      this.#retryAt = null;
      this.#open();
    }, delay);
  }

  #cancelRetry() {
    if (this.#reconnectTimer !== null) this.#opts.clearTimer(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#retryAt = null;
  }

  #send(p: Pending) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    const msg: Record<string, unknown> = { jsonrpc: "2.0", id: p.id, method: p.method };
    if (p.params !== undefined) msg.params = p.params;
    socket.send(JSON.stringify(msg));
    p.sent = true;
    p.socket = socket;
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  #receive(text: string, socket: SocketLike) {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return;
    if (typeof msg.method === "string" && msg.id === undefined) {
      for (const fn of this.#notificationHandlers) fn(msg.method, msg.params);
      return;
    }
    // Any answer, even an error, comes only through a key the server accepted. Until the open
    // handlers are done the status waits for them (#opened says "open").
    if (socket === this.#socket && this.#provenAt === null) {
      this.#provenAt = this.#opts.now();
      if (this.#live && !this.#openHandlersRunning) this.#setStatus("open");
    }
    const p = this.#settle(msg.id as number);
    if (!p) return;
    if (msg.error) {
      const e = msg.error as { code: number; message: string; data?: unknown };
      p.reject(new RpcError(e.code, e.message, e.data));
    } else p.resolve(msg.result);
  }

  #startHeartbeat() {
    this.#stopHeartbeat();
    this.#heartbeatTimer = setInterval(() => {
      const socket = this.#socket;
      this.call("ping", undefined, { retry: true, timeoutMs: this.#opts.heartbeatTimeoutMs })
        .catch(() => {
          // No answer: the connection is half-open; drop it so onclose reconnects.
          if (socket && socket === this.#socket) {
            socket.close(4000, "heartbeat timeout");
            socket.onclose?.({ code: 4000, reason: "heartbeat timeout" });
          }
        });
    }, this.#opts.heartbeatMs);
  }

  #stopHeartbeat() {
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
  }
}
