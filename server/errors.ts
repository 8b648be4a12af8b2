// The one application error class and the one table from error kinds to transport codes.
// Domain code throws AppError; transports (JSON-RPC, REST) translate it with the maps below.

export const ERROR_KINDS = [
  "invalid",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "exhausted",
  "unavailable",
  "rate_limited",
  "internal",
] as const;
export type ErrorKind = typeof ERROR_KINDS[number];

/** HTTP status for each kind (REST). */
export const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  exhausted: 409,
  unavailable: 503,
  rate_limited: 429,
  internal: 500,
};

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
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
