// Builds the Hono application from its dependencies; no environment reading, no connections
// opened here (that is main.ts), so tests build apps freely.
import { type Context, Hono } from "hono";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { schemaVersion } from "./db/migrate.ts";
import { AppError, HTTP_STATUS } from "./errors.ts";
import type { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { type AppMetrics, createAppMetrics } from "./ops/app_metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./ops/metrics.ts";
import { serveWebSocket } from "./rpc/socket.ts";
import type { Actor, ToolContext, ToolRegistry } from "./tools/tool.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
  /** Shared with the server so background work can count too; made here when absent. */
  metrics?: AppMetrics;
}

export interface AppState {
  openSockets: number;
}

type Env = { Bindings: { remoteAddr?: { hostname?: string } } };

export function createApp(deps: AppDeps): { app: Hono<Env>; state: AppState } {
  const app = new Hono<Env>();
  const state: AppState = { openSockets: 0 };
  const metrics = deps.metrics ?? createAppMetrics();

  // Every request gets an id (kept from X-Request-Id when the caller sends a sane one), is
  // counted by its matched route, and leaves one access-log line without query secrets.
  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    c.header("X-Request-Id", requestId);
    const route = c.req.routePath && c.res.status !== 404 ? c.req.routePath : "unmatched";
    metrics.httpRequest(c.req.method, route, c.res.status, ms);
    if (c.res.status !== 101) {
      deps.log.info("http request", {
        requestId,
        method: c.req.method,
        url: c.req.url,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
      });
    }
  });

  const actorFor = (c: Context<Env>): Actor => ({
    user: "anonymous",
    scope: "admin",
    clientAddr: c.env?.remoteAddr?.hostname ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    requestId: null,
  });

  app.get("/metrics", async (c) => {
    const token = deps.config.ARCHIFLOW_METRICS_TOKEN;
    if (token && !sameText(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
      return c.json({ detail: "Metrics need the metrics token", code: "unauthenticated" }, 401);
    }
    return c.body(await metrics.render(deps.db), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  app.get("/health", async (c) => {
    try {
      // A database that hangs (rather than refusing) must not hang the health check.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        deps.db.query("SELECT 1"),
        new Promise((_, reject) => timer = setTimeout(() => reject(new Error("timeout")), 3000)),
      ]).finally(() => clearTimeout(timer));
      const version = await schemaVersion(deps.db);
      return c.json({
        status: "ok",
        database: { backend: deps.db.kind, reachable: true, schema_version: version },
        websocket_connections: state.openSockets,
      });
    } catch {
      return c.json({
        status: "degraded",
        database: { backend: deps.db.kind, reachable: false, schema_version: null },
        websocket_connections: state.openSockets,
      }, 503);
    }
  });

  const ws = (c: Context<Env>) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({
        name: "ArchiFlow",
        detail: "Connect with a WebSocket to speak JSON-RPC 2.0 (MCP tools/call).",
        health: "/health",
      });
    }
    const actor = actorFor(c);
    return serveWebSocket(c.req.raw, {
      registry: deps.registry,
      events: deps.events,
      log: deps.log,
      maxMessageBytes: deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES,
      context: (requestId): ToolContext => ({
        db: deps.db,
        config: deps.config,
        events: deps.events,
        log: deps.log.child({ requestId }),
        actor: { ...actor, requestId },
      }),
      onOpen: () => {
        state.openSockets++;
        metrics.socketOpened();
      },
      onClose: () => {
        state.openSockets--;
        metrics.socketClosed();
      },
      onToolCall: (tool, ok, ms, requestId) => {
        metrics.toolCall(tool, ok, ms);
        deps.log.info("tool call", { requestId, tool, ok, ms: Math.round(ms * 10) / 10 });
      },
    });
  };
  app.get("/", ws);
  app.get("/ws", ws);

  app.notFound((c) => c.json({ detail: "Not found", code: "not_found" }, 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      return c.json({ detail: err.message, code: err.kind }, HTTP_STATUS[err.kind] as 400);
    }
    deps.log.error("unhandled error", { path: c.req.path, error: String(err) });
    return c.json({ detail: "Internal error", code: "internal" }, 500);
  });

  return { app, state };
}

/** Compares without stopping at the first difference, so timing does not reveal the token. */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
