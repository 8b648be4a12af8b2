// What /metrics reads from the database at scrape time: pool usage, open alerts, sync runs, the
// NetBox outbox's queue and PostgreSQL's own figures for the design document's "Database
// Performance" list (connections, lock waits, cache hit ratio, statement times). One statement
// (MetricsScrape) reads it all, in a transaction whose statement timeout bounds what a scrape
// can hold; pg_stat_statements is read by a second statement only where it is installed. A
// database that is down, slow or refuses leaves the scrape answering: its figures are left out
// and archiflow_metrics_scrape_error says which part failed.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { MetricsRegistry } from "./metrics.ts";

/** The statement timeout of the scrape's transaction. */
export const SCRAPE_STATEMENT_TIMEOUT_MS = 2000;
/** Statements averaging more than this are counted as slow. */
export const SLOW_STATEMENT_MS = 500;

export interface ScrapeRow {
  pools: { name: string; allocated: number; usable: number; usage: number }[];
  alerts: { type: string; severity: string; open: number }[];
  sync_runs: Record<string, number>;
  outbox_pending: number;
  outbox_oldest_pending_seconds: number | null;
  connections: Record<string, number>;
  server_connections: number;
  max_connections: number;
  lock_waits: number;
  lock_wait_max_seconds: number;
  longest_statement_seconds: number;
  blocks_hit: number | null;
  blocks_read: number | null;
  deadlocks: number | null;
  has_statements: boolean;
}

export interface StatementsRow {
  calls: number;
  seconds: number;
  slow: number;
  slowest_mean_seconds: number;
}

export interface DbReading {
  backend: Db["kind"];
  /** Null when the database did not answer. */
  row: ScrapeRow | null;
  /** Null when pg_stat_statements is not installed or the database did not answer. */
  statements: StatementsRow | "unreadable" | null;
}

/** Reads the database's figures; never throws. */
export async function readDb(
  db: Db,
  timeoutMs = SCRAPE_STATEMENT_TIMEOUT_MS,
): Promise<DbReading> {
  const reading = db.transaction(async (tx) => {
    // Sent together, so the timeout costs no round trip of its own.
    const [, [row]] = await Promise.all([
      tx.query(sql("MetricsStatementTimeout"), [`${timeoutMs}ms`]),
      tx.query<ScrapeRow>(sql("MetricsScrape")),
    ]);
    let statements: DbReading["statements"] = null;
    if (row?.has_statements) {
      // Installed but not in shared_preload_libraries (or not readable by this role) fails; the
      // savepoint keeps that from failing the rest.
      statements = await tx.savepoint((sp) =>
        sp.query<StatementsRow>(sql("MetricsStatements"), [SLOW_STATEMENT_MS])
      ).then(([s]) => s, () => "unreadable" as const);
    }
    return { backend: db.kind, row: row ?? null, statements };
  });
  // A server that accepts the connection and then never answers is not stopped by its own
  // timeout: the scrape stops waiting once twice that has passed.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), 2 * timeoutMs);
  });
  try {
    const result = await Promise.race([reading, deadline]);
    return result ?? { backend: db.kind, row: null, statements: null };
  } catch {
    return { backend: db.kind, row: null, statements: null };
  } finally {
    clearTimeout(timer);
    reading.catch(() => {});
  }
}

/** Registers the database families; the returned function sets them from a reading. */
export function dbMetrics(r: MetricsRegistry): (reading: DbReading) => void {
  const g = (name: string, help: string, labels: string[] = []) => r.gauge(name, help, labels);
  const c = (name: string, help: string) => r.mirroredCounter(name, help);
  const up = g("archiflow_database_up", "1 when the database answered this scrape.");
  const scrapeError = g(
    "archiflow_metrics_scrape_error",
    "1 when a source of this scrape failed (database; pg_stat_statements where installed).",
    ["source"],
  );
  const poolUsage = g(
    "archiflow_pool_usage_ratio",
    "Allocated share of each pool's usable addresses (0..1).",
    ["pool"],
  );
  const poolAllocated = g("archiflow_pool_allocated_addresses", "Active allocations per pool.", [
    "pool",
  ]);
  const poolUsable = g("archiflow_pool_usable_addresses", "Usable addresses per pool.", ["pool"]);
  const alertsOpen = g("archiflow_alerts_open", "Unresolved alerts by type and severity.", [
    "type",
    "severity",
  ]);
  const syncRuns = g("archiflow_sync_runs", "NetBox sync runs recorded, by status.", ["status"]);
  const outboxPending = g(
    "archiflow_netbox_outbox_pending",
    "NetBox write-back entries waiting to be pushed (queue depth).",
  );
  const outboxOldest = g(
    "archiflow_netbox_outbox_oldest_pending_seconds",
    "Age of the oldest NetBox write-back entry still waiting (0 when none waits).",
  );
  const connections = g(
    "archiflow_database_connections",
    "Client connections to this database, by state (pg_stat_activity).",
    ["state"],
  );
  const serverConnections = g(
    "archiflow_database_server_connections",
    "Client connections to the whole PostgreSQL server, all databases.",
  );
  const maxConnections = g(
    "archiflow_database_max_connections",
    "The PostgreSQL server's max_connections.",
  );
  const lockWaits = g(
    "archiflow_database_lock_waits",
    "Sessions of this database waiting for a lock now (pg_locks).",
  );
  const lockWaitMax = g(
    "archiflow_database_lock_wait_max_seconds",
    "Longest current wait for a lock in this database (0 when none waits).",
  );
  const longest = g(
    "archiflow_database_longest_statement_seconds",
    "Run time of the longest statement running now in this database, other than the scrape.",
  );
  const blocksHit = c(
    "archiflow_database_blocks_hit_total",
    "Block reads of this database served from PostgreSQL's buffer cache.",
  );
  const blocksRead = c(
    "archiflow_database_blocks_read_total",
    "Block reads of this database that missed the buffer cache.",
  );
  const cacheHit = g(
    "archiflow_database_cache_hit_ratio",
    "Share of block reads served from the buffer cache since statistics were reset (0..1).",
  );
  const deadlocks = c("archiflow_database_deadlocks_total", "Deadlocks detected in this database.");
  const calls = c(
    "archiflow_database_statement_calls_total",
    "Statements executed in this database (pg_stat_statements).",
  );
  const seconds = c(
    "archiflow_database_statement_seconds_total",
    "Execution time of the statements of this database (pg_stat_statements).",
  );
  const slow = g(
    "archiflow_database_slow_statements",
    `Statements of this database averaging over ${SLOW_STATEMENT_MS} ms (pg_stat_statements).`,
  );
  const slowest = g(
    "archiflow_database_slowest_statement_mean_seconds",
    "Highest average execution time of a statement of this database (pg_stat_statements).",
  );
  const scrapeOnly = [
    poolUsage,
    poolAllocated,
    poolUsable,
    alertsOpen,
    syncRuns,
    outboxPending,
    outboxOldest,
    connections,
    serverConnections,
    maxConnections,
    lockWaits,
    lockWaitMax,
    longest,
    cacheHit,
    slow,
    slowest,
    scrapeError,
    blocksHit,
    blocksRead,
    deadlocks,
    calls,
    seconds,
  ];

  return ({ backend, row, statements }) => {
    for (const m of scrapeOnly) m.reset();
    up.set(undefined, row ? 1 : 0);
    scrapeError.set({ source: "database" }, row ? 0 : 1);
    if (!row) return;
    for (const p of row.pools) {
      poolUsage.set({ pool: p.name }, p.usage);
      poolAllocated.set({ pool: p.name }, p.allocated);
      poolUsable.set({ pool: p.name }, p.usable);
    }
    for (const a of row.alerts) alertsOpen.set({ type: a.type, severity: a.severity }, a.open);
    for (const [status, runs] of Object.entries(row.sync_runs)) syncRuns.set({ status }, runs);
    outboxPending.set(undefined, row.outbox_pending);
    outboxOldest.set(undefined, row.outbox_oldest_pending_seconds ?? 0);
    if (row.blocks_hit !== null && row.blocks_read !== null) {
      blocksHit.set(undefined, row.blocks_hit);
      blocksRead.set(undefined, row.blocks_read);
      const reads = row.blocks_hit + row.blocks_read;
      if (reads > 0) cacheHit.set(undefined, row.blocks_hit / reads);
    }
    // Embedded PGlite is one session inside this process: connections, locks, deadlocks and
    // other sessions' statements do not apply there.
    if (backend === "pglite") return;
    for (const state of ["active", "idle", "idle in transaction"]) connections.set({ state }, 0);
    for (const [state, n] of Object.entries(row.connections)) connections.set({ state }, n);
    serverConnections.set(undefined, row.server_connections);
    maxConnections.set(undefined, row.max_connections);
    lockWaits.set(undefined, row.lock_waits);
    lockWaitMax.set(undefined, row.lock_wait_max_seconds);
    longest.set(undefined, row.longest_statement_seconds);
    if (row.deadlocks !== null) deadlocks.set(undefined, row.deadlocks);
    if (statements === null) return;
    scrapeError.set({ source: "pg_stat_statements" }, statements === "unreadable" ? 1 : 0);
    if (statements === "unreadable") return;
    calls.set(undefined, statements.calls);
    seconds.set(undefined, statements.seconds);
    slow.set(undefined, statements.slow);
    slowest.set(undefined, statements.slowest_mean_seconds);
  };
}
