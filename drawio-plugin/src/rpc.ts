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
// RpcConnection is one state machine (the current socket, one being tried with a fresh key,
// retired ones still owed answers, backoff); around it, in their own modules: its options and
// the socket it needs (rpc_options.ts), the table of calls owed an answer (rpc_pending.ts),
// reading what the server sends (rpc_messages.ts), trying a socket with a fresh key
// (rpc_probe.ts) and its errors (rpc_errors.ts).

import { type CloseInfo, closeKind, ConnectionLostError, RefusedError } from "./rpc_errors.ts";
import {
  backoffDelay,
  OPEN,
  type ResolvedOptions,
  resolveOptions,
  type RpcOptions,
  type SocketLike,
  type Status,
} from "./rpc_options.ts";
import { type Pending, PendingCalls } from "./rpc_pending.ts";
import { readMessage, toolAnswer, type ToolCallResult } from "./rpc_messages.ts";
import { probeSocket } from "./rpc_probe.ts";

export * from "./rpc_errors.ts";
export { backoffDelay, type RpcOptions, type SocketLike, type Status } from "./rpc_options.ts";

export class RpcConnection {
  #url: string;
  #opts: ResolvedOptions;
  #protocols: string[] | null = null;
  #protocolsKnown: Promise<void> = Promise.resolve();
  #socket: SocketLike | null = null;
  #next = 1;
  #pending = new PendingCalls();
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
    this.#opts = resolveOptions(options);
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
    this.#pending.rejectAll(() => new Error("The ArchiFlow connection was closed"));
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
    this.#successor = probeSocket({
      create: this.#opts.createSocket,
      url: this.#url,
      protocols,
      probeId: this.#next++,
      wanted: (s) => s === this.#successor,
      onProven: (s) => {
        this.#successor = null;
        this.#adopt(s);
      },
      onGone: (s) => {
        if (s === this.#successor) this.#successor = null;
      },
    });
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
    const timeoutMs = options.timeoutMs ?? this.#opts.callTimeoutMs;
    const { pending, answer } = this.#pending.create<T>(
      this.#next++,
      method,
      params,
      options.retry ?? false,
      timeoutMs,
    );
    if (this.#live) this.#send(pending);
    return answer;
  }

  /** Calls an MCP tool and returns its structuredContent, or throws ToolError. */
  async tool<T = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
    options: { retry?: boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    const result = await this.call<ToolCallResult>(
      "tools/call",
      { name, arguments: args },
      options,
    );
    return toolAnswer<T>(name, result);
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
    for (const p of this.#pending.unsent()) this.#send(p);
    // Otherwise the first answer says so (at the latest, the heartbeat's).
    if (this.#provenAt !== null) this.#setStatus("open");
  }

  /** A retired socket whose calls are all answered is closed. */
  #closeIfDone(old: SocketLike) {
    if (this.#pending.waitingOn(old)) return;
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
    for (const p of this.#pending.all()) {
      if (!p.sent || p.socket !== socket) continue;
      if (p.retry) {
        p.sent = false;
        p.socket = null;
      } else this.#pending.settle(p.id)?.reject(new ConnectionLostError(p.method));
    }
    if (!current) {
      if (this.#live) {
        for (const p of this.#pending.unsent()) this.#send(p);
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
      this.#pending.rejectAll(() => new RefusedError(close));
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

  #receive(text: string, socket: SocketLike) {
    const msg = readMessage(text);
    if (msg === null) return;
    if (msg.kind === "notification") {
      for (const fn of this.#notificationHandlers) fn(msg.method, msg.params);
      return;
    }
    // Any answer, even an error, comes only through a key the server accepted. Until the open
    // handlers are done the status waits for them (#opened says "open").
    if (socket === this.#socket && this.#provenAt === null) {
      this.#provenAt = this.#opts.now();
      if (this.#live && !this.#openHandlersRunning) this.#setStatus("open");
    }
    const p = this.#pending.settle(msg.id as number);
    if (!p) return;
    if (msg.error) p.reject(msg.error);
    else p.resolve(msg.result);
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
