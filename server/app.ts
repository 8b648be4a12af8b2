// Builds the Hono application from its dependencies; no environment reading, no connections
// opened here (that is main.ts), so tests build apps freely.
import { type Context, Hono } from "hono";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { schemaVersion } from "./db/migrate.ts";
import { AppError, HTTP_STATUS } from "./errors.ts";
import type { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { netboxRoutes } from "./routes/netbox.ts";
import { serveWebSocket } from "./rpc/socket.ts";
import type { Actor, ToolContext, ToolRegistry } from "./tools/tool.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
}

export interface AppState {
  openSockets: number;
}

type Env = { Bindings: { remoteAddr?: { hostname?: string } } };

export function createApp(deps: AppDeps): { app: Hono<Env>; state: AppState } {
  const app = new Hono<Env>();
  const state: AppState = { openSockets: 0 };

  const actorFor = (c: Context<Env>): Actor => ({
    user: "anonymous",
    scope: "admin",
    clientAddr: c.env?.remoteAddr?.hostname ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    requestId: null,
  });

  app.get("/health", async (c) => {
    try {
      const version = await schemaVersion(deps.db);
      await deps.db.query("SELECT 1");
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
        log: deps.log,
        actor: { ...actor, requestId },
      }),
      onOpen: () => state.openSockets++,
      onClose: () => state.openSockets--,
    });
  };
  app.get("/", ws);
  app.get("/ws", ws);

  app.route(
    "/api/netbox",
    netboxRoutes({
      ...deps,
      actorFor: (req) => ({
        user: "anonymous",
        scope: "admin",
        clientAddr: null,
        userAgent: req.headers.get("user-agent"),
        requestId: null,
      }),
    }),
  );

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
