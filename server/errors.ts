// The one application error type and the one table from error kinds to transport codes. Domain
// code, route handlers and JSON-RPC methods all throw AppError; the HTTP edge renders it with
// httpError() (one root handler), JSON-RPC with toJSON() or, for errors that refuse the call
// itself, its rpcCode. The kinds are the wire contract's codes; what a kind does not say
// (rate limited, a failed If-Match, a body over the limit) travels in `details.reason`, with the
// HTTP status that names it.

export const ERROR_KINDS = [
  "invalid",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "exhausted",
  "unavailable",
  "internal",
] as const;
export type ErrorKind = typeof ERROR_KINDS[number];

/** HTTP status for each kind (REST), unless the error names its own. */
export const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  exhausted: 409,
  unavailable: 503,
  internal: 500,
};

/** JSON-RPC 2.0's own error codes (rpc/protocol.ts re-exports them with the message shapes). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

export interface AppErrorOptions {
  /** The HTTP status when it is not the kind's own (412, 413, 429, 501, 405). */
  status?: number;
  /** Headers an HTTP answer carries (Allow, Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>;
  /**
   * The JSON-RPC error code when the error refuses the call itself (bad params, an unknown
   * method) rather than being a tool's result with isError.
   */
  rpcCode?: number;
}

export class AppError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly rpcCode?: number;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = "AppError";
    this.status = options.status ?? HTTP_STATUS[kind];
    this.headers = options.headers ?? {};
    if (options.rpcCode !== undefined) this.rpcCode = options.rpcCode;
  }

  toJSON(): { code: ErrorKind; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.kind, message: this.message }
      : { code: this.kind, message: this.message, details: this.details };
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid", message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new AppError("not_found", message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError("conflict", message, details);

/** One argument a schema refused: its dotted path (camelCase, as the caller named it). */
export interface ParamIssue {
  path: string;
  message: string;
}

/** Arguments that do not match a schema: -32602 over JSON-RPC, 400 with `errors` over REST. */
export function invalidParams(issues: ParamIssue[]): AppError {
  const message = "Invalid arguments: " +
    issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new AppError("invalid", message, { issues }, { rpcCode: INVALID_PARAMS });
}

/** Refuses a JSON-RPC call itself with `rpcCode` (and `data` as the error's data). */
export const rpcRefusal = (
  kind: ErrorKind,
  rpcCode: number,
  message: string,
  data?: Record<string, unknown>,
) => new AppError(kind, message, data, { rpcCode });

/** Over a rate limit: `unavailable` for now, 429 with Retry-After over HTTP. */
export const rateLimited = (message: string, retryAfter: number, setting: string) =>
  new AppError("unavailable", message, { reason: "rate_limited", retryAfter, setting }, {
    status: 429,
    headers: { "Retry-After": String(retryAfter) },
  });

/** A request body over a size limit: 413, naming the setting. */
export const bodyTooLarge = (max: number, setting: string) =>
  new AppError("invalid", `Request body exceeds ${max} bytes (${setting})`, {
    reason: "too_large",
    limit: max,
    setting,
  }, { status: 413 });

/** The body of an HTTP error answer: `{detail, code, errors?, details?}`. */
export interface ErrorBody {
  detail: string;
  code: ErrorKind;
  errors?: Record<string, string[]>;
  details?: Record<string, unknown>;
}

/**
 * What an HTTP answer to anything thrown is: its status, body and headers; `unexpected` when it
 * was no AppError and became `internal` (worth a log line: clients only see "Internal error").
 * Field errors come as `errors` keyed by snake_case path, the REST names of the fields.
 */
export function httpError(
  err: unknown,
): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  unexpected: boolean;
} {
  const e = toAppError(err);
  const { errors, issues, ...rest } = (e.details ?? {}) as {
    errors?: Record<string, string[]>;
    issues?: ParamIssue[];
  };
  const body: ErrorBody = { detail: e.message, code: e.kind };
  const fields = errors ?? (Array.isArray(issues) ? fieldErrors(issues) : undefined);
  if (fields) body.errors = fields;
  if (Object.keys(rest).length) body.details = rest;
  const unexpected = e.kind === "internal" && !(err instanceof AppError);
  return { status: e.status, body, headers: e.headers, unexpected };
}

/** httpError() as a Response, for code outside a Hono handler (WebSocket upgrades). */
export function errorResponse(err: unknown): Response {
  const { status, body, headers } = httpError(err);
  return Response.json(body, { status, headers });
}

function fieldErrors(issues: ParamIssue[]): Record<string, string[]> {
  const errors = new Map<string, string[]>();
  for (const i of issues) {
    const key = i.path
      ? i.path.split(".").map((s) => s.replace(/[A-Z]/g, (ch) => "_" + ch.toLowerCase())).join(".")
      : "non_field_errors";
    errors.set(key, [...errors.get(key) ?? [], i.message]);
  }
  return Object.fromEntries(errors);
}

/**
 * PostgreSQL SQLSTATE codes that carry a meaning for callers, mapped in one place.
 * Anything not listed is an internal error whose text is not shown to clients.
 */
const SQLSTATE_KIND: Record<string, ErrorKind> = {
  "23505": "conflict", // unique_violation
  "23P01": "conflict", // exclusion_violation
  "40001": "conflict", // serialization_failure
  "40P01": "conflict", // deadlock_detected
  "23503": "invalid", // foreign_key_violation
  "23514": "invalid", // check_violation
  "23502": "invalid", // not_null_violation
  "22P02": "invalid", // invalid_text_representation
  "22001": "invalid", // string_data_right_truncation
  "22003": "invalid", // numeric_value_out_of_range
  "22007": "invalid", // invalid_datetime_format
  "22008": "invalid", // datetime_field_overflow
};

/**
 * Errors that mean the connection to the database failed, not the statement: the driver's own
 * codes and PostgreSQL's connection and shutdown classes. The PostgreSQL backend marks the
 * database down on them; callers see `unavailable`.
 */
const CONNECTION_FAILURES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000", // connection_exception
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08003", // connection_does_not_exist
  "08004", // sqlserver_rejected_establishment_of_sqlconnection
  "08006", // connection_failure
]);

export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && CONNECTION_FAILURES.has(code);
}

/** Turns anything thrown into an AppError without leaking internals. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as {
    code?: unknown;
    message?: unknown;
    constraint_name?: unknown;
    detail?: unknown;
  };
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (isConnectionFailure(err)) {
    return new AppError("unavailable", "The database is unavailable; nothing was written");
  }
  const kind = code ? SQLSTATE_KIND[code] : undefined;
  if (kind) {
    const constraint = typeof e.constraint_name === "string" ? e.constraint_name : undefined;
    const message = `Database refused the change: ${String(e.message ?? code)}`;
    return new AppError(kind, message, constraint ? { constraint } : undefined);
  }
  return new AppError("internal", "Internal error");
}
