// ArchiFlow's metrics: what the process counts as traffic passes (tool calls on every transport,
// HTTP requests, WebSocket connections, addresses allocated and released), what is read at
// scrape time from the database (db_metrics.ts) and the process's own resource use
// (process_metrics.ts).
import type { Db } from "../db/db.ts";
import { driverGuard } from "../db/postgres.ts";
import type { Logger } from "../log.ts";
import type { ToolCallRecord, ToolRegistry } from "../tools/tool.ts";
import { dbMetrics, readDb } from "./db_metrics.ts";
import { MetricsRegistry } from "./metrics.ts";
import { processMetrics, readProcess } from "./process_metrics.ts";

/** How a tool call reached the server. */
export const TRANSPORTS = ["websocket", "mcp", "rest"] as const;
export type Transport = typeof TRANSPORTS[number];

export interface AppMetrics {
  registry: MetricsRegistry;
  /** Starts the tool-call series of these tools at zero on every transport. */
  declareTools(names: readonly string[]): void;
  /** One finished tool call (from the registry's observer, see ToolRegistry.observed). */
  toolCall(transport: Transport, call: ToolCallRecord): void;
  httpRequest(method: string, route: string, status: number, ms: number): void;
  socketOpened(): void;
  socketClosed(): void;
  /** Reads database and process figures and renders everything as Prometheus text. */
  render(db: Db): Promise<string>;
}

/**
 * The registry as one transport offers it: callTool() counts each call of a known tool in
 * `metrics` and logs it with its request id and transport.
 */
export function observedRegistry(
  registry: ToolRegistry,
  transport: Transport,
  metrics: AppMetrics,
  log: Logger,
): ToolRegistry {
  return registry.observed((call, ctx) => {
    metrics.toolCall(transport, call);
    log.info("tool call", {
      requestId: ctx.actor.requestId,
      transport,
      tool: call.tool,
      ok: call.ok,
      ms: Math.round(call.ms * 10) / 10,
    });
  });
}

/** Addresses a successful call allocated and released, read from its result. */
function addressesMoved(call: ToolCallRecord): { allocated: number; released: number } {
  const result = call.result ?? {};
  if (call.tool === "allocate-ip") {
    // A replayed call (same idempotency key) hands back what an earlier call allocated.
    const list = result.allocations;
    return { allocated: result.replayed || !Array.isArray(list) ? 0 : list.length, released: 0 };
  }
  // release-ip, and delete-device with force, say how many addresses they released.
  const released = result.released_count;
  return { allocated: 0, released: typeof released === "number" ? released : 0 };
}

export function createAppMetrics(): AppMetrics {
  const r = new MetricsRegistry();
  const toolCalls = r.counter(
    "archiflow_tool_calls_total",
    "Tool calls by tool, outcome and transport (websocket, mcp, rest).",
    ["tool", "outcome", "transport"],
  );
  const toolSeconds = r.histogram(
    "archiflow_tool_call_duration_seconds",
    "Time to answer a tool call, by tool.",
    ["tool"],
  );
  const httpRequests = r.counter(
    "archiflow_http_requests_total",
    "HTTP requests by method, route pattern (unmatched when no route matches) and status.",
    ["method", "route", "status"],
  );
  const httpSeconds = r.histogram(
    "archiflow_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
  );
  const sockets = r.gauge("archiflow_websocket_connections", "Open WebSocket connections.");
  sockets.set(undefined, 0);
  const socketsOpened = r.counter(
    "archiflow_websocket_connections_opened_total",
    "WebSocket connections accepted.",
  );
  const allocations = r.counter(
    "archiflow_ip_allocations_total",
    "Addresses allocated by this process, on any transport.",
  );
  const releases = r.counter(
    "archiflow_ip_releases_total",
    "Addresses released by this process, on any transport.",
  );
  const setDb = dbMetrics(r);
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
    "Time the database and process part of this scrape took.",
  );
  const setProcess = processMetrics(r);

  return {
    registry: r,
    declareTools(names) {
      for (const tool of names) {
        for (const transport of TRANSPORTS) {
          toolCalls.init({ tool, outcome: "ok", transport });
          toolCalls.init({ tool, outcome: "error", transport });
        }
      }
    },
    toolCall(transport, call) {
      toolCalls.inc({ tool: call.tool, outcome: call.ok ? "ok" : "error", transport });
      toolSeconds.observe({ tool: call.tool }, call.ms / 1000);
      if (!call.ok) return;
      const moved = addressesMoved(call);
      if (moved.allocated) allocations.inc(undefined, moved.allocated);
      if (moved.released) releases.inc(undefined, moved.released);
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
      const [reading, proc] = await Promise.all([readDb(db), readProcess()]);
      // Everything is set in one synchronous step, so scrapes running at once never mix.
      setDb(reading);
      setProcess(proc);
      const stats = db.stats();
      dbMax.set(undefined, stats.maxConnections);
      dbInFlight.set(undefined, stats.inFlight ?? 0);
      dbRecycles.set(undefined, stats.recycles ?? 0);
      strayWrites.set(undefined, driverGuard.swallowed);
      scrapeSeconds.set(undefined, (performance.now() - started) / 1000);
      return r.render();
    },
  };
}
