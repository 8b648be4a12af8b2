// Database status for operators (the get-db-status tool and GET /api/status/): connections,
// long-running statements, table sizes, cache hit ratio and, when pg_stat_statements is
// installed, the slowest statements. On embedded PGlite some of these do not apply; the
// result says so in `notes` instead of inventing figures.
import type { Db, DbStats } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { redactText } from "../log.ts";

export interface DbStatus {
  backend: string;
  pool: DbStats;
  database_bytes: number | null;
  connections: {
    total: number;
    active: number;
    idle: number;
    idle_in_transaction: number;
    max_connections: number;
  } | null;
  long_running: {
    pid: number;
    state: string;
    user_name: string;
    application_name: string;
    seconds: number;
    query: string;
  }[];
  long_running_threshold_seconds: number;
  tables: {
    table_name: string;
    total_bytes: number;
    table_bytes: number;
    index_bytes: number;
    live_rows: number;
    dead_rows: number;
  }[];
  cache_hit_ratio: number | null;
  slowest_statements:
    | { query: string; calls: number; mean_ms: number; total_ms: number; rows: number }[]
    | null;
  notes: string[];
}

export async function getDbStatus(
  db: Db,
  options: { longRunningSeconds?: number; slowestLimit?: number } = {},
): Promise<DbStatus> {
  const threshold = options.longRunningSeconds ?? 30;
  const notes: string[] = [];
  const pglite = db.kind === "pglite";
  const [connections] = pglite ? [null] : await db.query<NonNullable<DbStatus["connections"]>>(
    sql("DbStatusConnections"),
  );
  const longRunning = pglite ? [] : await db.query<DbStatus["long_running"][number]>(
    sql("DbStatusLongRunning"),
    [threshold],
  );
  const tables = await db.query<DbStatus["tables"][number]>(sql("DbStatusTableSizes"));
  const [cache] = await db.query<{ ratio: number | null; database_bytes: number }>(
    sql("DbStatusCacheHit"),
  );
  let slowest: DbStatus["slowest_statements"] = null;
  const [{ available }] = await db.query<{ available: boolean }>(sql("DbStatusHasStatements"));
  if (available) {
    try {
      slowest = await db.query(sql("DbStatusSlowestStatements"), [options.slowestLimit ?? 10]);
    } catch {
      notes.push(
        "pg_stat_statements is installed but cannot be read (it must be in " +
          "shared_preload_libraries, and the role needs pg_read_all_stats).",
      );
    }
  } else {
    notes.push(
      pglite
        ? "Slowest statements: pg_stat_statements is not available in embedded PGlite."
        : "Slowest statements: install pg_stat_statements (shared_preload_libraries and " +
          "CREATE EXTENSION pg_stat_statements) to see them.",
    );
  }
  if (pglite) {
    notes.push(
      "Embedded PGlite is a single in-process connection: connections and long-running " +
        "statements do not apply, and row estimates and the cache hit ratio may be empty.",
    );
  }
  for (const q of longRunning) q.query = redactText(q.query ?? "");
  for (const s of slowest ?? []) s.query = redactText(s.query ?? "");
  return {
    backend: db.kind,
    pool: db.stats(),
    database_bytes: cache?.database_bytes ?? null,
    connections: connections ?? null,
    long_running: longRunning,
    long_running_threshold_seconds: threshold,
    tables,
    cache_hit_ratio: cache?.ratio ?? null,
    slowest_statements: slowest,
    notes,
  };
}
