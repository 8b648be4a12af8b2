// Builds the Hono application from its dependencies; no environment reading, no connections
// opened here (that is main.ts), so tests build apps freely. The app is composed here and only
// here: the edge middleware (routes/edge.ts), access control (routes/access.ts), then one sub-app
// per route module, each mounted with app.route(), and the one root error handler.
import { Hono } from "hono";
import { createAuthenticator } from "./auth/credentials.ts";
import { TokenStore } from "./auth/tokens.ts";
import { createAppMetrics, observedRegistry, type Transport } from "./ops/app_metrics.ts";
import { accessControl } from "./routes/access.ts";
import { createEditorRoutes } from "./routes/editor.ts";
import { handleError, limitBodies, notFound, requestEdge } from "./routes/edge.ts";
import type { AppDeps, AppState, Env } from "./routes/env.ts";
import { healthRoutes } from "./routes/health.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { netboxRoutes } from "./routes/netbox.ts";
import { restRoutes } from "./routes/rest.ts";
import { websocketRoutes } from "./routes/websocket.ts";
import { ResponseGate } from "./rpc/response_gate.ts";

export type { AppDeps, AppState, Env } from "./routes/env.ts";

export function createApp(deps: AppDeps): { app: Hono<Env>; state: AppState } {
  const app = new Hono<Env>();
  const state: AppState = { openSockets: 0 };
  const metrics = deps.metrics ?? createAppMetrics();
  metrics.declareTools(deps.registry.list().map((t) => t.name));
  // Each transport calls tools through its own view of the registry: counted and logged once.
  const forTransport = (t: Transport) => ({
    ...deps,
    registry: observedRegistry(deps.registry, t, metrics, deps.log),
  });
  const tokens = deps.tokens ??
    new TokenStore(deps.db, { cacheMs: deps.config.ARCHIFLOW_TOKEN_CACHE_SECONDS * 1000 });
  const authenticator = createAuthenticator(deps.config, tokens);
  // One gate for the large responses of every socket and POST /mcp request of this process.
  const responses = new ResponseGate(deps.config.ARCHIFLOW_MAX_RESPONSE_BYTES);

  app.use("*", requestEdge(deps.log, metrics));
  app.use("*", accessControl(deps.config, authenticator, deps.log));
  // After authentication, so only callers with a token can make the server hold a full body.
  app.use("*", limitBodies(deps.config));

  app.route("/", healthRoutes(deps, metrics, state));
  app.route(
    "/",
    websocketRoutes(forTransport("websocket"), { authenticator, responses, metrics, state }),
  );
  app.route("/", createEditorRoutes(deps.config));
  const rest = forTransport("rest");
  app.route("/", restRoutes(rest, () => app.routes));
  app.route("/", mcpRoutes(forTransport("mcp"), responses));
  app.route("/api/netbox", netboxRoutes(rest));

  app.notFound(notFound);
  app.onError(handleError(deps.log));
  return { app, state };
}
