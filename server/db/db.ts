// The database interface every other module uses. Two backends implement it: postgres.js
// against a real PostgreSQL (DATABASE_URL, DB_* or PG* settings) and embedded PGlite. The same
// SQL runs on both.

export type Row = Record<string, unknown>;

/**
 * A statement to run: its text, or a named query (`sql(name)` from queries.ts), which also says
 * whether it is to be planned with its arguments on every call.
 */
export type Statement = string | { readonly text: string; readonly perCall: boolean };

/** The SQL text of a statement. */
export function statementText(statement: Statement): string {
  return typeof statement === "string" ? statement : statement.text;
}

/** Whether a statement is a named query marked `-- plan: per call`. */
export function plannedPerCall(statement: Statement): boolean {
  return typeof statement !== "string" && statement.perCall;
}

/**
 * Refuses a statement given an `undefined` parameter, before anything is sent: a caller's bug
 * (a missing argument), which PGlite would store as NULL and postgres.js, with the statement
 * pipelined behind another in a transaction, never answers (the transaction hangs).
 */
export function checkParams(statement: Statement, params: readonly unknown[]): void {
  const missing = params.indexOf(undefined);
  if (missing < 0) return;
  const name = typeof statement === "object" && "name" in statement
    ? String((statement as { name: unknown }).name)
    : statementText(statement).slice(0, 60);
  throw new Error(`Parameter $${missing + 1} of statement ${name} is undefined`);
}

export interface Queryable {
  /** Runs one statement with $1.. parameters and returns its rows. */
  query<T = Row>(statement: Statement, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Tx extends Queryable {
  /** Runs fn inside a savepoint: if it throws, only its own changes are rolled back. */
  savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export type BackendKind = "postgres" | "pglite";

export interface DbStats {
  kind: BackendKind;
  maxConnections: number;
  /** Statements and transactions running now. */
  inFlight?: number;
  /** How often the pool was replaced after a connection failure. */
  recycles?: number;
  /** False while the backend knows the database is gone and is waiting for it. */
  reachable?: boolean;
}

export interface Db extends Queryable {
  readonly kind: BackendKind;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves once listening; returns the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Pool state for health and metrics. */
  stats(): DbStats;
  close(): Promise<void>;
}

/**
 * A driver's transaction handle. `savepoint` is the driver's own where it has one: postgres.js
 * remembers a failed statement and fails the whole transaction with it at the end, even when the
 * caller caught it, unless the statement ran inside its own savepoint.
 */
export interface DriverTx extends Queryable {
  savepoint?<T>(fn: (inner: DriverTx) => Promise<T>): Promise<T>;
}

/**
 * Runs a transaction function on a driver's transaction handle. A statement issued after `fn`
 * settled (by work `fn` started and did not wait for, e.g. after another statement failed) is
 * refused: a driver would otherwise run it on the connection after COMMIT or ROLLBACK, outside
 * the transaction.
 */
export async function runTransaction<T>(
  inner: DriverTx,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  let open = true;
  const ended = () =>
    Promise.reject(new Error("The transaction has ended; a late statement was not run"));
  const guard = (h: DriverTx): DriverTx => ({
    query: (text, params) => open ? h.query(text, params) : ended(),
    exec: (script) => open ? h.exec(script) : ended(),
    savepoint: h.savepoint ? (f) => open ? h.savepoint!((sp) => f(guard(sp))) : ended() : undefined,
  });
  try {
    return await fn(withSavepoints(guard(inner)));
  } finally {
    open = false;
  }
}

/**
 * A transaction handle with savepoints: the driver's own when it has them, else SAVEPOINT /
 * ROLLBACK TO statements.
 */
export function withSavepoints(inner: DriverTx): Tx {
  let counter = 0;
  const tx: Tx = {
    query: (text, params) => inner.query(text, params),
    exec: (script) => inner.exec(script),
    async savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      if (inner.savepoint) return await inner.savepoint((sp) => fn(withSavepoints(sp)));
      const name = `sp_${++counter}`;
      await inner.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(tx);
        await inner.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await inner.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    },
  };
  return tx;
}

/** Where ArchiFlow's tables are found: its own schema (the design document's), then public. */
export const SEARCH_PATH = "archiflow, public";
