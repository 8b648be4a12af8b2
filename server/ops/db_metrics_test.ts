import assert from "node:assert/strict";
import { parsePrometheus, sampleValue } from "../../tests/ops_prom_parser.ts";
import { type Db, type Statement, statementText, type Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { dbMetrics, readDb, type ScrapeRow, type StatementsRow } from "./db_metrics.ts";
import { MetricsRegistry } from "./metrics.ts";

const ROW: ScrapeRow = {
  pools: [{ name: "mgmt", allocated: 3, usable: 6, usage: 0.5 }],
  alerts: [{ type: "pool_exhausted", severity: "warning", open: 2 }],
  sync_runs: { succeeded: 4 },
  outbox_pending: 7,
  outbox_oldest_pending_seconds: 12.5,
  connections: { active: 2, idle: 5 },
  server_connections: 9,
  max_connections: 100,
  lock_waits: 1,
  lock_wait_max_seconds: 3,
  longest_statement_seconds: 4,
  blocks_hit: 90,
  blocks_read: 10,
  deadlocks: 2,
  has_statements: true,
};

/** A database double answering the scrape's statements by name. */
function fakeDb(kind: Db["kind"], answers: Record<string, () => Promise<unknown[]>>): Db {
  const byText = new Map(Object.entries(answers).map(([name, f]) => [sql(name).text, f]));
  const tx: Tx = {
    query: <T>(statement: Statement) => {
      const answer = byText.get(statementText(statement));
      return (answer ? answer() : Promise.reject(new Error("unexpected"))) as Promise<T[]>;
    },
    exec: () => Promise.resolve(),
    savepoint: (fn) => fn(tx),
  };
  return {
    kind,
    query: tx.query,
    exec: tx.exec,
    transaction: (fn) => fn(tx),
    listen: () => Promise.reject(new Error("unused")),
    stats: () => ({ kind, maxConnections: 1 }),
    close: () => Promise.resolve(),
  };
}

async function scrape(db: Db, timeoutMs?: number) {
  const r = new MetricsRegistry();
  dbMetrics(r)(await readDb(db, timeoutMs));
  return parsePrometheus(r.render());
}

const timeout = () => Promise.resolve([{ statement_timeout: "2s" }]);

Deno.test("PostgreSQL figures, pg_stat_statements included, become their metrics", async () => {
  const statements: StatementsRow = {
    calls: 50,
    seconds: 1.5,
    slow: 1,
    slowest_mean_seconds: 0.75,
  };
  const f = await scrape(fakeDb("postgres", {
    MetricsStatementTimeout: timeout,
    MetricsScrape: () => Promise.resolve([ROW]),
    MetricsStatements: () => Promise.resolve([statements]),
  }));
  const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels);
  assert.equal(v("archiflow_database_up"), 1);
  assert.equal(v("archiflow_metrics_scrape_error", { source: "database" }), 0);
  assert.equal(v("archiflow_metrics_scrape_error", { source: "pg_stat_statements" }), 0);
  assert.equal(v("archiflow_pool_usage_ratio", { pool: "mgmt" }), 0.5);
  assert.equal(v("archiflow_alerts_open", { type: "pool_exhausted", severity: "warning" }), 2);
  assert.equal(v("archiflow_sync_runs", { status: "succeeded" }), 4);
  assert.equal(v("archiflow_netbox_outbox_pending"), 7);
  assert.equal(v("archiflow_netbox_outbox_oldest_pending_seconds"), 12.5);
  assert.equal(v("archiflow_database_connections", { state: "idle" }), 5);
  assert.equal(v("archiflow_database_connections", { state: "idle in transaction" }), 0);
  assert.equal(v("archiflow_database_server_connections"), 9);
  assert.equal(v("archiflow_database_max_connections"), 100);
  assert.equal(v("archiflow_database_lock_waits"), 1);
  assert.equal(v("archiflow_database_lock_wait_max_seconds"), 3);
  assert.equal(v("archiflow_database_longest_statement_seconds"), 4);
  assert.equal(v("archiflow_database_cache_hit_ratio"), 0.9);
  assert.equal(v("archiflow_database_blocks_read_total"), 10);
  assert.equal(v("archiflow_database_deadlocks_total"), 2);
  assert.equal(v("archiflow_database_statement_calls_total"), 50);
  assert.equal(v("archiflow_database_statement_seconds_total"), 1.5);
  assert.equal(v("archiflow_database_slow_statements"), 1);
  assert.equal(v("archiflow_database_slowest_statement_mean_seconds"), 0.75);
});

Deno.test("an unreadable pg_stat_statements is flagged and the rest still shows", async () => {
  const f = await scrape(fakeDb("postgres", {
    MetricsStatementTimeout: timeout,
    MetricsScrape: () => Promise.resolve([ROW]),
    MetricsStatements: () =>
      Promise.reject(new Error("pg_stat_statements must be loaded via shared_preload_libraries")),
  }));
  assert.equal(
    sampleValue(f, "archiflow_metrics_scrape_error", { source: "pg_stat_statements" }),
    1,
  );
  assert.equal(sampleValue(f, "archiflow_database_statement_calls_total"), undefined);
  assert.equal(sampleValue(f, "archiflow_database_lock_waits"), 1);
  assert.equal(sampleValue(f, "archiflow_database_up"), 1);
});

Deno.test("on PGlite only what one embedded session can say is shown", async () => {
  const f = await scrape(fakeDb("pglite", {
    MetricsStatementTimeout: timeout,
    MetricsScrape: () => Promise.resolve([{ ...ROW, has_statements: false }]),
  }));
  assert.equal(sampleValue(f, "archiflow_netbox_outbox_pending"), 7);
  assert.equal(sampleValue(f, "archiflow_database_cache_hit_ratio"), 0.9);
  for (const absent of ["connections", "max_connections", "lock_waits", "deadlocks_total"]) {
    assert.ok(!f.has(`archiflow_database_${absent}`), absent);
  }
  assert.ok(!f.has("archiflow_database_statement_calls_total"));
});

Deno.test("a database that fails or never answers leaves the scrape answering", async () => {
  const failing = await scrape(fakeDb("postgres", {
    MetricsStatementTimeout: timeout,
    MetricsScrape: () => Promise.reject(new Error("connection refused")),
  }));
  const hung = await scrape(
    fakeDb("postgres", {
      MetricsStatementTimeout: timeout,
      MetricsScrape: () => new Promise(() => {}),
    }),
    5,
  );
  for (const f of [failing, hung]) {
    assert.equal(sampleValue(f, "archiflow_database_up"), 0);
    assert.equal(sampleValue(f, "archiflow_metrics_scrape_error", { source: "database" }), 1);
    assert.ok(!f.has("archiflow_pool_usage_ratio"));
    assert.ok(!f.has("archiflow_netbox_outbox_pending"));
  }
});
