// The postgres.js backend: a connection pool against a real PostgreSQL server.
import postgres from "postgres";
import { type Db, type Queryable, withSavepoints } from "./db.ts";

export interface PostgresOptions {
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const max = options.max ?? 10;
  const sql = postgres(url, {
    max,
    prepare: true,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "archiflow" },
    types: {
      // JSON parameters arrive already serialised (the same convention as PGlite): pass strings
      // through instead of encoding them a second time as JSON string literals.
      json: {
        to: 114,
        from: [114],
        serialize: (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v)),
        parse: (v: string) => JSON.parse(v),
      },
      jsonb: {
        to: 3802,
        from: [3802],
        serialize: (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v)),
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

  // deno-lint-ignore no-explicit-any
  const wrap = (s: any): Queryable => ({
    query: (text, params = []) =>
      // deno-lint-ignore no-explicit-any
      s.unsafe(text, params as any[], { prepare: true }).then((rows: any) => [...rows]),
    exec: async (script) => {
      await s.unsafe(script);
    },
  });

  const base = wrap(sql);
  return {
    kind: "postgres",
    query: base.query,
    exec: base.exec,
    // deno-lint-ignore no-explicit-any
    transaction: (fn) => sql.begin((tx: any) => fn(withSavepoints(wrap(tx)))) as any,
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    stats: () => ({ kind: "postgres", maxConnections: max }),
    close: () => sql.end({ timeout: 5 }),
  };
}
