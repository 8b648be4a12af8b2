// A small WebSocket JSON-RPC client (tools/call, notifications, raw frames) for the benches and,
// through tests/support/rpc_client.ts, the tests: one client, so both speak to the server alike.
// Loaded only by tasks and tests, never by the server.

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export class RpcCallError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(`${error.code} ${error.message}`);
  }
}

/** A tool that answered with isError: its structuredContent.error. */
export class ToolCallError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(`${code}: ${message}`);
  }
}

export class RpcClient {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number | string, (msg: Record<string, unknown>) => void>();
  #raw: ((text: string) => void)[] = [];
  readonly notifications: Record<string, unknown>[] = [];
  #notificationWaiters: {
    match: (n: Record<string, unknown>) => boolean;
    resolve: (n: Record<string, unknown>) => void;
  }[] = [];
  readonly closed: Promise<CloseEvent>;
  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.#ws.protocol;
  }

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve(e)));
    // Calls still waiting when the socket closes fail instead of hanging the test.
    ws.addEventListener("close", (e) => {
      const error = { code: -32000, message: `WebSocket closed (${e.code} ${e.reason})` };
      for (const resolve of this.#pending.values()) resolve({ jsonrpc: "2.0", id: null, error });
      this.#pending.clear();
    });
    ws.onmessage = (event) => {
      const text = String(event.data);
      const waiter = this.#raw.shift();
      if (waiter) return waiter(text);
      const msg = JSON.parse(text);
      if (Array.isArray(msg)) return;
      if ("id" in msg && this.#pending.has(msg.id)) {
        const resolve = this.#pending.get(msg.id)!;
        this.#pending.delete(msg.id);
        resolve(msg);
      } else if ("method" in msg) {
        this.notifications.push(msg);
        this.#notificationWaiters = this.#notificationWaiters.filter((w) => {
          if (!w.match(msg)) return true;
          w.resolve(msg);
          return false;
        });
      }
    };
  }

  static connect(
    url: string,
    protocols?: string | string[],
    headers?: Record<string, string>,
  ): Promise<RpcClient> {
    const ws = headers
      ? new WebSocket(url, { protocols: protocols ? [protocols].flat() : undefined, headers })
      : new WebSocket(url, protocols);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new RpcClient(ws));
      ws.onerror = (e) =>
        reject(new Error(`WebSocket to ${url} failed: ${(e as ErrorEvent).message}`));
    });
  }

  /** Sends raw text and resolves with the next raw message received (for protocol tests). */
  sendRaw(text: string): Promise<string> {
    return new Promise((resolve) => {
      this.#raw.push(resolve);
      this.#ws.send(text);
    });
  }

  /** Sends raw text expecting no reply. */
  sendText(text: string): void {
    this.#ws.send(text);
  }

  sendNotification(method: string, params?: unknown): void {
    this.#ws.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  request(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve) => {
      if (this.#ws.readyState !== WebSocket.OPEN) {
        const error = { code: -32000, message: "WebSocket is not open" };
        return resolve({ jsonrpc: "2.0", id, error });
      }
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  async call(method: string, params?: unknown): Promise<unknown> {
    const msg = await this.request(method, params);
    if (msg.error) throw new RpcCallError(msg.error as RpcErrorObject);
    return msg.result;
  }

  /**
   * MCP's initialize; `structuredContentOnly` asks for tool results without the text copy
   * (dispatch.ts: STRUCTURED_CONTENT_ONLY). Returns the server's answer.
   */
  async initialize(options: { structuredContentOnly?: boolean } = {}): Promise<unknown> {
    return await this.call("initialize", {
      protocolVersion: "2025-06-18",
      clientInfo: { name: "archiflow-rpc-client", version: "1" },
      capabilities: options.structuredContentOnly
        ? { experimental: { "archiflow/structuredContentOnly": {} } }
        : {},
    });
  }

  /** Calls a tool and returns structuredContent; a tool error becomes ToolCallError. */
  async tool<T = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<T> {
    const result = await this.call("tools/call", { name, arguments: args }) as {
      structuredContent: Record<string, unknown>;
      isError?: boolean;
    };
    if (result.isError) {
      const e = result.structuredContent.error as {
        code: string;
        message: string;
        details?: unknown;
      };
      throw new ToolCallError(e.code, e.message, e.details);
    }
    return result.structuredContent as T;
  }

  /** Resolves with the first notification (already received or future) that matches. */
  waitForNotification(
    match: (n: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#notificationWaiters.push({ match, resolve }));
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    this.#ws.close();
    await this.closed;
  }
}
