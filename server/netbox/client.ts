// A small NetBox REST client: token auth (legacy `Token` keys and v2 `nbt_` bearer tokens), the
// server version from /api/status/, pagination that follows `next` (offset pages, or the `start`
// cursor on NetBox 4.6 and newer), `fields=` to shrink payloads, timeouts, and retries with
// backoff on 429 and 5xx. Errors say what could not be done and why.
import { AppError } from "../errors.ts";

export interface NetboxClientOptions {
  url: string;
  token: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
  /** Attempts per request for 429, 5xx and network errors. */
  retries?: number;
  /** First backoff delay; doubles per retry (Retry-After wins when NetBox sends it). */
  backoffMs?: number;
  pageSize?: number;
  fetch?: typeof fetch;
}

export type Json = Record<string, unknown>;

export interface ListOptions {
  fields?: string[];
  filters?: Record<string, string | number | (string | number)[] | undefined>;
  pageSize?: number;
}

/** The Authorization header value for a token: v2 tokens (nbt_…) are Bearer, older ones Token. */
export function authorizationFor(token: string): string {
  if (/^(Token|Bearer)\s/.test(token)) return token;
  return token.startsWith("nbt_") ? `Bearer ${token}` : `Token ${token}`;
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(/[.-]/).map((x) => Number(x) || 0);
  return a > major || (a === major && b >= minor);
}

export class NetboxClient {
  readonly base: string;
  readonly #auth: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #pageSize: number;
  readonly #fetch: typeof fetch;
  #version: string | null = null;
  /** Requests made, for progress reports and benchmarks. */
  requests = 0;
  /** NetBox's clock (HTTP Date header) at its latest response, when it sent one. */
  lastResponseDate: Date | null = null;
  /** `count` of the latest list page (null in cursor mode, where NetBox does not count). */
  lastCount: number | null = null;

  constructor(options: NetboxClientOptions) {
    this.base = options.url.replace(/\/+$/, "").replace(/\/api$/, "");
    this.#auth = authorizationFor(options.token);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#pageSize = options.pageSize ?? 1000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Sends one request with retries; returns parsed JSON (null for 204). */
  async request(method: string, path: string, body?: unknown): Promise<Json | null> {
    const url = path.startsWith("http") ? path : `${this.base}${path}`;
    let lastError: unknown = null;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await sleep(this.#delay(attempt, lastError));
      let res: Response;
      try {
        this.requests++;
        res = await this.#fetch(url, {
          method,
          headers: {
            authorization: this.#auth,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        lastError = err;
        continue;
      }
      const date = res.headers.get("date");
      if (date && !Number.isNaN(Date.parse(date))) this.lastResponseDate = new Date(date);
      if (res.status === 429 || res.status >= 500) {
        const text = await res.text().catch(() => "");
        lastError = new RetryableStatus(res.status, text, res.headers.get("retry-after"));
        continue;
      }
      if (res.status === 204) {
        await res.body?.cancel();
        return null;
      }
      const text = await res.text();
      if (!res.ok) throw statusError(method, url, res.status, text);
      try {
        return JSON.parse(text) as Json;
      } catch {
        throw new AppError("unavailable", `NetBox ${method} ${url} answered with non-JSON text`);
      }
    }
    if (lastError instanceof RetryableStatus) {
      throw new AppError(
        "unavailable",
        `NetBox ${method} ${url} failed with HTTP ${lastError.status} after ${
          this.#retries + 1
        } attempts`,
        { status: lastError.status },
      );
    }
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new AppError(
      "unavailable",
      `Cannot reach NetBox at ${this.base} (${method} ${url}): ${why}`,
    );
  }

  #delay(attempt: number, err: unknown): number {
    if (err instanceof RetryableStatus && err.retryAfter) {
      const s = Number(err.retryAfter);
      if (Number.isFinite(s)) return Math.min(s * 1000, 60_000);
    }
    const base = this.#backoffMs * 2 ** (attempt - 1);
    return base / 2 + Math.random() * base / 2;
  }

  /** NetBox's version from /api/status/ (cached), e.g. "4.2.2". */
  async version(): Promise<string> {
    if (this.#version) return this.#version;
    const status = await this.request("GET", "/api/status/");
    const v = String(status?.["netbox-version"] ?? "");
    if (!/^\d+\.\d+/.test(v)) {
      throw new AppError("unavailable", `NetBox at ${this.base} did not report its version`);
    }
    this.#version = v;
    return v;
  }

  /** Yields the pages of a list endpoint, following `next` until it is null. */
  async *pages(path: string, options: ListOptions = {}): AsyncGenerator<Json[]> {
    const limit = options.pageSize ?? this.#pageSize;
    const params = new URLSearchParams();
    params.set("limit", String(limit));
    if (options.fields?.length) params.set("fields", options.fields.join(","));
    for (const [k, v] of Object.entries(options.filters ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    // NetBox 4.6 pages by primary key with `start`, which stays fast on big tables.
    if (versionAtLeast(await this.version(), 4, 6)) params.set("start", "0");
    // The next page is requested before the current one is handed out, so NetBox renders it
    // while the caller applies this one.
    let pending: Promise<Json | null> | null = this.request("GET", `${this.base}${path}?${params}`);
    while (pending) {
      const page: Json | null = await pending;
      const next: string | null = typeof page?.next === "string"
        ? this.#sameOrigin(page.next)
        : null;
      pending = next ? this.request("GET", next) : null;
      // A prefetch the caller never consumes must not surface as an unhandled rejection.
      pending?.catch(() => {});
      this.lastCount = typeof page?.count === "number" ? page.count : null;
      yield (page?.results ?? []) as Json[];
    }
  }

  /** NetBox builds `next` from its own idea of its host; keep talking to the configured one. */
  #sameOrigin(next: string): string {
    const u = new URL(next);
    const b = new URL(this.base);
    u.protocol = b.protocol;
    u.host = b.host;
    return u.toString();
  }

  /**
   * Ids of objects of one type ("dcim.device") that NetBox's change log records as deleted at
   * or after `since` (/api/core/object-changes/ since 4.1, /api/extras/object-changes/ before).
   */
  async deletedSince(objectType: string, since: Date): Promise<number[]> {
    const core = versionAtLeast(await this.version(), 4, 1);
    const path = core ? "/api/core/object-changes/" : "/api/extras/object-changes/";
    const ids: number[] = [];
    const params = new URLSearchParams({
      action: "delete",
      time_after: since.toISOString(),
      changed_object_type: objectType,
      fields: "id,changed_object_id",
      limit: String(this.#pageSize),
    });
    let next: string | null = `${this.base}${path}?${params}`;
    while (next) {
      const page = await this.request("GET", next);
      for (const o of (page?.results ?? []) as Json[]) ids.push(Number(o.changed_object_id));
      next = typeof page?.next === "string" ? this.#sameOrigin(page.next) : null;
    }
    return ids;
  }

  async list(path: string, options: ListOptions = {}): Promise<Json[]> {
    const all: Json[] = [];
    for await (const page of this.pages(path, options)) all.push(...page);
    return all;
  }

  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body: unknown) {
    return this.request("POST", path, body);
  }
  patch(path: string, body: unknown) {
    return this.request("PATCH", path, body);
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }
}

class RetryableStatus extends Error {
  constructor(readonly status: number, readonly body: string, readonly retryAfter: string | null) {
    super(`HTTP ${status}`);
  }
}

function statusError(method: string, url: string, status: number, text: string): AppError {
  let detail = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text);
    detail = typeof parsed?.detail === "string"
      ? parsed.detail
      : JSON.stringify(parsed).slice(0, 300);
  } catch { /* plain text body */ }
  if (status === 401) {
    return new AppError(
      "unauthenticated",
      `NetBox refused the token (401) for ${method} ${url}: ${detail}`,
    );
  }
  if (status === 403) {
    return new AppError(
      "forbidden",
      `NetBox denied ${method} ${url} (403): ${detail}; check the token and its permissions`,
    );
  }
  if (status === 404) return new AppError("not_found", `NetBox has no ${url} (404): ${detail}`);
  return new AppError("invalid", `NetBox rejected ${method} ${url} (HTTP ${status}): ${detail}`, {
    status,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
