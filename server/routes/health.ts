// Routes for operators: /health (liveness and the database's state), /metrics (Prometheus), and
// the favicon browsers ask for on every page.
import { Hono } from "hono";
import { schemaVersion } from "../db/migrate.ts";
import { AppError } from "../errors.ts";
import type { AppMetrics } from "../ops/app_metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../ops/metrics.ts";
import type { AppState, Env, RouteDeps } from "./env.ts";

export function healthRoutes(deps: RouteDeps, metrics: AppMetrics, state: AppState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/metrics", async (c) => {
    const token = deps.config.ARCHIFLOW_METRICS_TOKEN;
    if (token && !sameText(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
      throw new AppError("unauthenticated", "Metrics need the metrics token");
    }
    return c.body(await metrics.render(deps.db), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  app.get("/favicon.ico", (c) => c.body(null, 204, { "Cache-Control": "public, max-age=86400" }));

  app.get("/health", async (c) => {
    try {
      // A database that hangs (rather than refusing) must not hang the health check.
      // One statement: reading the schema version is the reachability check.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const version = await Promise.race([
        schemaVersion(deps.db),
        new Promise<never>((_, reject) =>
          timer = setTimeout(() => reject(new Error("timeout")), 3000)
        ),
      ]).finally(() => clearTimeout(timer));
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

  return app;
}

/** Compares without stopping at the first difference, so timing does not reveal the token. */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
