// The postgres.js backend: a connection pool against a real PostgreSQL server.
import postgres from "postgres";
import { AppError } from "../errors.ts";
import { type Db, type Queryable, type Tx, withSavepoints } from "./db.ts";

interface Listener {
  channel: string;
  onPayload: (payload: string) => void;
  unlisten: (() => Promise<void>) | null;
}

export interface PostgresOptions {
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Seconds to wait for a connection. Short, because after a server restart postgres.js can
   * leave a connection waiting on a lost write; the timeout turns that into a retry.
   */
  connectTimeout?: number;
}

/**
 * postgres.js 3.4.9 can throw from a timer after a connection closed under it (a buffered write
 * to a socket that is already gone; upstream issues porsager/postgres#1154 and #1208). The
 * queries on that connection have already been rejected with CONNECTION_CLOSED by then, so the
 * stray throw carries no information, but as an uncaught error it would end the process. This
 * swallows exactly that error, once per process, and counts it.
 */
export const driverGuard = { swallowed: 0, installed: false };

export function isStrayDriverWrite(err: unknown): boolean {
  return err instanceof TypeError &&
    /reading 'write'|evaluating 'socket\.write'/.test(err.message) &&
    /postgres\/src\/connection\.js/.test(err.stack ?? "") && /nextWrite/.test(err.stack ?? "");
}

function installDriverGuard(): void {
  if (driverGuard.installed) return;
  driverGuard.installed = true;
  globalThis.addEventListener("error", (event) => {
    if (isStrayDriverWrite(event.error)) {
      event.preventDefault();
      driverGuard.swallowed++;
    }
  });
}

/** Driver error codes that mean the connection itself failed (not the statement). */
const CONNECTION_FAILURES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
]);

export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && CONNECTION_FAILURES.has(code);
}

/** p itself, marked handled: it is awaited later, and a failure meanwhile is not unhandled. */
function settled<P extends Promise<unknown>>(p: P): P {
  p.catch(() => {});
  return p;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  installDriverGuard();
  const max = options.max ?? 10;
  const make = () =>
    postgres(url, {
      max,
      prepare: true,
      connect_timeout: options.connectTimeout ?? 5,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? "archiflow" },
      types: {
        // JSON travels as text we already serialised ($n::jsonb with a string, as on PGlite);
        // the driver's default would encode that text again and store a JSON string.
        json: {
          to: 114,
          from: [114, 3802],
          serialize: (v: unknown) => typeof v === "string" ? v : JSON.stringify(v),
          parse: (v: string) => JSON.parse(v),
        },
        // int8 (ids, counts) as numbers: ids never approach 2^53.
        bigint: {
          to: 20,
          from: [20],
          serialize: (v: unknown) => String(v),
          parse: (v: string) => Number(v),
        },
      },
    });

  // After the server restarts, postgres.js can keep a connection waiting on a write that was
  // lost with the old socket, and retries connections silently, so calls would hang for many
  // seconds. Instead, the first connection failure marks the database down: the old pool is
  // closed (its queued calls fail), new calls fail at once with `unavailable`, and a probe
  // opens fresh pools until one answers, which then replaces the old one.
  let sql = make();
  let closed = false;
  let down: Promise<void> | null = null;
  let inFlight = 0;
  let recycles = 0;
  const listeners = new Set<Listener>();

  const relisten = async (l: Listener) => {
    for (let attempt = 0; !closed && listeners.has(l); attempt++) {
      const current = sql;
      try {
        const { unlisten } = await current.listen(l.channel, l.onPayload);
        if (current === sql && !closed && listeners.has(l)) {
          l.unlisten = unlisten;
          return;
        }
        await unlisten().catch(() => {});
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
  };

  const probe = async () => {
    for (let attempt = 0; !closed; attempt++) {
      const candidate = make();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ok = await Promise.race([
        candidate`SELECT 1`.then(() => true, () => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(false), 2000)),
      ]);
      clearTimeout(timer);
      if (ok && !closed) return candidate;
      candidate.end({ timeout: 0 }).catch(() => {});
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 500)));
    }
    return null;
  };

  // Transactions on a reserved connection can wait forever on statements postgres.js queued
  // for that connection when it closes (it rejects only what it already sent), so each one
  // races the loss of the pool it runs on.
  const newLoss = () => {
    let fail!: (err: unknown) => void;
    const promise = settled(new Promise<never>((_, reject) => fail = reject));
    return { promise, fail };
  };
  let loss = newLoss();

  const markDown = () => {
    if (down || closed) return;
    recycles++;
    const old = sql;
    // Work in flight on the old pool gets the second end() allows; what is still waiting then
    // can never finish.
    const lost = loss;
    loss = newLoss();
    old.end({ timeout: 1 }).catch(() => {}).finally(() => lost.fail(unavailable()));
    for (const l of listeners) l.unlisten = null;
    down = probe().then((fresh) => {
      if (fresh) sql = fresh;
      down = null;
      for (const l of listeners) relisten(l);
    });
  };

  const unavailable = () =>
    new AppError("unavailable", "The database is unavailable; nothing was written");

  const track = async <T>(run: () => Promise<T>): Promise<T> => {
    if (down) throw unavailable();
    inFlight++;
    try {
      return await run();
    } catch (err) {
      if (isConnectionFailure(err)) markDown();
      throw err;
    } finally {
      inFlight--;
    }
  };

  // deno-lint-ignore no-explicit-any
  const wrap = (s: any): Queryable => ({
    query: (text, params = []) =>
      // deno-lint-ignore no-explicit-any
      s.unsafe(text, params.map(arrayParam) as any[], { prepare: true }).then((rows: any) => [
        ...rows,
      ]),
    exec: async (script) => {
      await s.unsafe(script);
    },
  });

  // A transaction on a reserved connection whose BEGIN goes out in the same write as the
  // first statements of `fn` (postgres.js's own begin() waits for BEGIN's reply first), and
  // whose COMMIT can go out with the last ones (Tx.commitEarly): two round trips less per
  // transaction, out of four on a hot pool.
  // deno-lint-ignore no-explicit-any
  const transaction = async <T>(pool: any, fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const conn = await pool.reserve();
    let broken = false;
    const noteFailure = (err: unknown): never => {
      if (isConnectionFailure(err)) broken = true;
      throw err;
    };
    // deno-lint-ignore no-explicit-any
    const run = (text: string): Promise<any> => conn.unsafe(text).execute().catch(noteFailure);
    const begin = settled(run("BEGIN"));
    const early: { commit?: Promise<unknown> } = {};
    const inner = wrap(conn);
    const open = () => {
      if (early.commit) throw new Error("a statement was issued after commitEarly()");
    };
    try {
      const result = await fn(withSavepoints({
        query: <R>(text: string, params?: readonly unknown[]) => {
          open();
          return inner.query<R>(text, params).catch(noteFailure);
        },
        exec: (script) => {
          open();
          return inner.exec(script).catch(noteFailure);
        },
      }, () => {
        early.commit ??= settled(run("COMMIT"));
      }));
      await begin;
      await (early.commit ?? run("COMMIT"));
      return result;
    } catch (err) {
      await begin.catch(() => {});
      // After an early COMMIT that a failed statement turned into a rollback, this ROLLBACK
      // only draws a notice.
      await early.commit?.catch(() => {});
      if (!broken) await run("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      // A connection that failed stays out of the pool, which markDown() replaces anyway.
      if (!broken) conn.release();
    }
  };

  return {
    kind: "postgres",
    query: (text, params) => track(() => wrap(sql).query(text, params)),
    exec: (script) => track(() => wrap(sql).exec(script)),
    transaction: (fn) =>
      track(() => {
        // Whichever loses the race is left to settle unobserved.
        return Promise.race([settled(transaction(sql, fn)), loss.promise]);
      }),
    async listen(channel, onPayload) {
      const entry: Listener = { channel, onPayload, unlisten: null };
      const { unlisten } = await sql.listen(channel, onPayload);
      entry.unlisten = unlisten;
      listeners.add(entry);
      return async () => {
        listeners.delete(entry);
        await entry.unlisten?.().catch(() => {});
      };
    },
    stats: () => ({
      kind: "postgres",
      maxConnections: max,
      inFlight,
      recycles,
      reachable: down === null,
    }),
    close: () => {
      closed = true;
      listeners.clear();
      return sql.end({ timeout: 5 });
    },
  };
}

/**
 * Array parameters travel as PostgreSQL array literals (every statement casts them, e.g.
 * `$1::bigint[]`). The driver encodes arrays with a serializer it learns per connection; on a
 * connection that has not learnt it yet, an int8[] value reached the server as "1" ("malformed
 * array literal"). A literal is read the same way whatever the connection knows.
 */
export function arrayParam(value: unknown): unknown {
  return Array.isArray(value) ? arrayLiteral(value) : value;
}

function arrayLiteral(values: unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return "NULL";
    if (Array.isArray(v)) return arrayLiteral(v);
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (typeof v === "boolean") return v ? "t" : "f";
    const text = typeof v === "string"
      ? v
      : v instanceof Date
      ? v.toISOString()
      : JSON.stringify(v);
    return `"${text.replace(/[\\"]/g, (c) => "\\" + c)}"`;
  });
  return `{${items.join(",")}}`;
}
