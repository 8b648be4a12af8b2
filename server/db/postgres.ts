// The postgres.js backend: a connection pool against a real PostgreSQL server.
import postgres from "postgres";
import type { PgConnection } from "../config.ts";
import { AppError, isConnectionFailure } from "../errors.ts";
import {
  checkParams,
  type Db,
  type DriverTx,
  plannedPerCall,
  runTransaction,
  SEARCH_PATH,
  statementText,
} from "./db.ts";

interface Listener {
  channel: string;
  onPayload: (payload: string) => void;
  unlisten: (() => Promise<void>) | null;
}

export interface PostgresOptions {
  /** Most connections (the design document's pool: 20). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Seconds to wait for a connection (the document's 2). Short also because after a server
   * restart postgres.js can leave a connection waiting on a lost write; the timeout turns that
   * into a retry.
   */
  connectTimeout?: number;
  /** Seconds after which an idle connection is closed (the document's 30); 0 keeps them. */
  idleTimeout?: number;
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

/**
 * A pool on the database at `target`: a connection URL, or the parts of one. Given parts, the
 * driver is told every one of them (the password too, even when there is none), so nothing is
 * taken from the PG* variables of the process behind the configuration's back.
 */
export function openPostgres(target: string | PgConnection, options: PostgresOptions = {}): Db {
  installDriverGuard();
  const max = options.max ?? 20;
  const idle = options.idleTimeout ?? 30;
  const url = typeof target === "string" ? target : undefined;
  const password = typeof target === "string" ? "" : target.password ?? "";
  const parts = typeof target === "string" ? {} : {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    // A function, so that no password means none rather than PGPASSWORD's.
    password: () => password,
  };
  const make = () =>
    // Without a URL the driver reads the options alone.
    postgres(url as string, {
      ...parts,
      max,
      prepare: true,
      connect_timeout: options.connectTimeout ?? 2,
      idle_timeout: idle > 0 ? idle : 0,
      onnotice: () => {},
      // The schema of the design document first, so `ip_pools` is `archiflow.ip_pools`.
      connection: {
        application_name: options.applicationName ?? "archiflow",
        search_path: SEARCH_PATH,
      },
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
  // postgres.js learns the array types from pg_type on a pool's first connection and registers
  // their parsers in a promise continuation. Under Deno that continuation can run after the
  // first query's row description was read, and that query then returns its arrays as "{...}"
  // text (seen on a third of fresh pools whose first statement reads a view). A pool therefore
  // takes calls once one statement has completed and a timer has fired: every continuation
  // queued before it has run by then.
  const learnTypes = (pool: ReturnType<typeof make>) =>
    pool`SELECT 1`.then(() => new Promise<void>((r) => setTimeout(r, 0)));
  let sql = make();
  let typesLearnt: Promise<void> | null = learnTypes(sql).then(
    () => {
      typesLearnt = null;
    },
    () => {
      // Unreachable at start: the calls themselves fail and the probe below takes over.
      typesLearnt = null;
    },
  );
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
        learnTypes(candidate).then(() => true, () => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(false), 2000)),
      ]);
      clearTimeout(timer);
      if (ok && !closed) return candidate;
      candidate.end({ timeout: 0 }).catch(() => {});
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 500)));
    }
    return null;
  };

  const markDown = () => {
    if (down || closed) return;
    recycles++;
    const old = sql;
    old.end({ timeout: 1 }).catch(() => {});
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
    if (typesLearnt) await typesLearnt;
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

  // Statements marked `-- plan: per call` must never run a cached generic plan. Outside a
  // transaction they go unnamed (planned on every call). Inside one, an unnamed statement would
  // cost a describe round trip and stop postgres.js from pipelining what follows it, so they
  // stay prepared and the transaction asks for custom plans instead (SET LOCAL, sent once, just
  // before the first such statement, on the same connection).
  // deno-lint-ignore no-explicit-any
  const wrap = (s: any, inTransaction: boolean): DriverTx => {
    let customPlans = false;
    // deno-lint-ignore no-explicit-any
    const run = (text: string, params: readonly unknown[], prepare: boolean): Promise<any[]> =>
      // deno-lint-ignore no-explicit-any
      s.unsafe(text, params.map(arrayParam) as any[], { prepare }).then((rows: any) => [
        ...rows,
      ]);
    return {
      query: (statement, params = []) => {
        try {
          checkParams(statement, params);
        } catch (err) {
          return Promise.reject(err);
        }
        const text = statementText(statement);
        if (!plannedPerCall(statement)) return run(text, params, true);
        if (!inTransaction) return run(text, params, false);
        if (customPlans) return run(text, params, true);
        customPlans = true;
        // Both are attached at once, so a failure of either is handled.
        return Promise.all([
          run("SET LOCAL plan_cache_mode = force_custom_plan", [], true),
          run(text, params, true),
        ]).then(([, rows]) => rows);
      },
      exec: async (script) => {
        await s.unsafe(script);
      },
      savepoint: inTransaction
        ? <T>(fn: (inner: DriverTx) => Promise<T>): Promise<T> =>
          // deno-lint-ignore no-explicit-any
          s.savepoint((sp: any) => fn(wrap(sp, true)))
        : undefined,
    };
  };

  return {
    kind: "postgres",
    query: (text, params) => track(() => wrap(sql, false).query(text, params)),
    exec: (script) => track(() => wrap(sql, false).exec(script)),
    transaction: (fn) =>
      // deno-lint-ignore no-explicit-any
      track(() => sql.begin((tx: any) => runTransaction(wrap(tx, true), fn)) as any),
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
