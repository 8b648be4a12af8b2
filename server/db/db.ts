// The database interface every other module uses. Two backends implement it: postgres.js
// against a real PostgreSQL (DATABASE_URL) and embedded PGlite. The same SQL runs on both.

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with $1.. parameters and returns its rows. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
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
 * Runs a transaction function on a driver's transaction handle. A statement issued after `fn`
 * settled (by work `fn` started and did not wait for, e.g. after another statement failed) is
 * refused: a driver would otherwise run it on the connection after COMMIT or ROLLBACK, outside
 * the transaction.
 */
export async function runTransaction<T>(
  inner: Queryable,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  let open = true;
  const ended = () =>
    Promise.reject(new Error("The transaction has ended; a late statement was not run"));
  const guarded: Queryable = {
    query: (text, params) => open ? inner.query(text, params) : ended(),
    exec: (script) => open ? inner.exec(script) : ended(),
  };
  try {
    return await fn(withSavepoints(guarded));
  } finally {
    open = false;
  }
}

/** Wraps a plain transaction handle with savepoint support using SQL statements only. */
export function withSavepoints(inner: Queryable): Tx {
  let counter = 0;
  const tx: Tx = {
    query: (text, params) => inner.query(text, params),
    exec: (script) => inner.exec(script),
    async savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
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
