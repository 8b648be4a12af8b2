// ArchiFlow's metrics: what the process counts as traffic passes (tool calls, HTTP requests,
// WebSocket connections, allocations) and what is read from the database at scrape time
// (pool usage, open alerts, sync runs, database pool state).
import type { Db } from "../db/db.ts";
import { driverGuard } from "../db/postgres.ts";
import { sql } from "../db/queries.ts";
import { MetricsRegistry } from "./metrics.ts";

export interface AppMetrics {
  registry: MetricsRegistry;
  /** For DispatchOptions.onToolCall. */
  toolCall(name: string, ok: boolean, ms: number): void;
  httpRequest(method: string, route: string, status: number, ms: number): void;
  socketOpened(): void;
  socketClosed(): void;
  /** Reads database-backed gauges and renders everything as Prometheus text. */
  render(db: Db): Promise<string>;
}

export function createAppMetrics(): AppMetrics {
  const r = new MetricsRegistry();
  const toolCalls = r.counter("archiflow_tool_calls_total", "Tool calls by tool and outcome.", [
    "tool",
    "outcome",
  ]);
  const toolSeconds = r.histogram(
    "archiflow_tool_call_duration_seconds",
    "Time to answer a tool call, by tool.",
    ["tool"],
  );
  const httpRequests = r.counter(
    "archiflow_http_requests_total",
    "HTTP requests by method, matched route and status.",
    ["method", "route", "status"],
  );
  const httpSeconds = r.histogram(
    "archiflow_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and matched route.",
    ["method", "route"],
  );
  const sockets = r.gauge("archiflow_websocket_connections", "Open WebSocket connections.");
  const socketsOpened = r.counter(
    "archiflow_websocket_connections_opened_total",
    "WebSocket connections accepted.",
  );
  const allocations = r.counter(
    "archiflow_ip_allocations_total",
    "Addresses allocated by this process.",
  );
  const releases = r.counter("archiflow_ip_releases_total", "Addresses released by this process.");
  const poolUsage = r.gauge(
    "archiflow_pool_usage_ratio",
    "Allocated share of each pool's usable addresses (0..1).",
    ["pool"],
  );
  const poolAllocated = r.gauge(
    "archiflow_pool_allocated_addresses",
    "Active allocations per pool.",
    ["pool"],
  );
  const poolUsable = r.gauge(
    "archiflow_pool_usable_addresses",
    "Usable addresses per pool.",
    ["pool"],
  );
  const alertsOpen = r.gauge("archiflow_alerts_open", "Unresolved alerts by type and severity.", [
    "type",
    "severity",
  ]);
  const syncRuns = r.gauge("archiflow_sync_runs", "NetBox sync runs recorded, by status.", [
    "status",
  ]);
  const dbUp = r.gauge("archiflow_database_up", "1 when the database answered this scrape.");
  const dbMax = r.gauge("archiflow_database_pool_max_connections", "Size of the database pool.");
  const dbInFlight = r.gauge(
    "archiflow_database_pool_in_flight",
    "Statements and transactions running on the database pool now.",
  );
  const dbRecycles = r.gauge(
    "archiflow_database_reconnects",
    "Times the database pool was replaced after a connection failure since start.",
  );
  const strayWrites = r.gauge(
    "archiflow_database_driver_stray_errors",
    "Stray postgres.js write errors after a lost connection, contained since start.",
  );
  const scrapeSeconds = r.gauge(
    "archiflow_metrics_scrape_seconds",
    "Time the database part of this scrape took.",
  );

  let syncShape: { present: boolean; has_status: boolean } | null = null;

  return {
    registry: r,
    toolCall(name, ok, ms) {
      toolCalls.inc({ tool: name, outcome: ok ? "ok" : "error" });
      toolSeconds.observe({ tool: name }, ms / 1000);
      if (ok && name === "allocate-ip") allocations.inc();
      if (ok && name === "release-ip") releases.inc();
    },
    httpRequest(method, route, status, ms) {
      httpRequests.inc({ method, route, status: String(status) });
      httpSeconds.observe({ method, route }, ms / 1000);
    },
    socketOpened() {
      sockets.inc();
      socketsOpened.inc();
    },
    socketClosed() {
      sockets.inc(undefined, -1);
    },
    async render(db) {
      const started = performance.now();
      const stats = db.stats();
      dbMax.set(undefined, stats.maxConnections);
      dbInFlight.set(undefined, stats.inFlight ?? 0);
      dbRecycles.set(undefined, stats.recycles ?? 0);
      strayWrites.set(undefined, driverGuard.swallowed);
      try {
        const pools = await db.query<
          { name: string; allocated: number; usable: number; usage_percentage: number }
        >(sql("MetricsPoolUsage"));
        poolUsage.reset();
        poolAllocated.reset();
        poolUsable.reset();
        for (const p of pools) {
          poolUsage.set({ pool: p.name }, p.usage_percentage / 100);
          poolAllocated.set({ pool: p.name }, p.allocated);
          poolUsable.set({ pool: p.name }, p.usable);
        }
        const alerts = await db.query<{ alert_type: string; severity: string; open: number }>(
          sql("MetricsOpenAlerts"),
        );
        alertsOpen.reset();
        for (const a of alerts) {
          alertsOpen.set({ type: a.alert_type, severity: a.severity }, a.open);
        }
        // The sync tables come from another part of the system and may be absent.
        syncShape ??= (await db.query<{ present: boolean; has_status: boolean }>(
          sql("SyncRunsShape"),
        ))[0];
        syncRuns.reset();
        if (syncShape?.present) {
          if (syncShape.has_status) {
            const rows = await db.query<{ status: string; runs: number }>(
              sql("MetricsSyncRunsByStatus"),
            );
            for (const row of rows) syncRuns.set({ status: row.status ?? "unknown" }, row.runs);
          } else {
            const [row] = await db.query<{ runs: number }>(sql("MetricsSyncRunsTotal"));
            syncRuns.set({ status: "all" }, row.runs);
          }
        } else {
          syncShape = null;
        }
        dbUp.set(undefined, 1);
      } catch {
        dbUp.set(undefined, 0);
      }
      scrapeSeconds.set(undefined, (performance.now() - started) / 1000);
      return r.render();
    },
  };
}
