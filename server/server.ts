// Starts a complete ArchiFlow server on an open database: migrations, event hub, HTTP.
// Used by main.ts and by tests that want a real server on a random port.
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { migrate } from "./db/migrate.ts";
import { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { type AppMetrics, createAppMetrics } from "./ops/app_metrics.ts";
import { Prober } from "./ops/prober.ts";
import { ensurePlugin } from "./routes/editor.ts";
import { startOutboxWorker } from "./netbox/outbox.ts";
import { netboxClientFrom } from "./netbox/settings.ts";
import { createRegistry } from "./tools/index.ts";
import { bootstrapAdminToken, ensureProvisionedToken } from "./auth/tokens.ts";

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  events: EventHub;
  metrics: AppMetrics;
  /** Stops accepting, closes sockets and the event hub; the caller closes the database. */
  shutdown(): Promise<void>;
}

export async function startServer(config: Config, db: Db, log: Logger): Promise<RunningServer> {
  if (config.ARCHIFLOW_RUN_MIGRATIONS) {
    const result = await migrate(db);
    if (result.convertedFrom !== null) {
      log.info("database converted from the previous schema", { from: result.convertedFrom });
    }
    if (result.applied.length) log.info("migrations applied", { applied: result.applied });
  }
  if (config.ARCHIFLOW_ADMIN_TOKEN) await ensureProvisionedToken(db, config.ARCHIFLOW_ADMIN_TOKEN);
  // The editor's plugin bundle is built now when it is missing, not on the first editor request.
  await ensurePlugin().catch((err) => log.warn("plugin build failed", { error: String(err) }));
  const events = new EventHub();
  await events.start(db);
  const registry = createRegistry();
  const metrics = createAppMetrics();
  const { app } = createApp({ config, db, registry, events, log, metrics });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: config.PORT,
    hostname: config.HOST,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await listening;
  const prober = config.ARCHIFLOW_PROBE_ENABLED
    ? new Prober(db, {
      ports: config.ARCHIFLOW_PROBE_PORTS,
      intervalMs: config.ARCHIFLOW_PROBE_INTERVAL_SECONDS * 1000,
      timeoutMs: config.ARCHIFLOW_PROBE_TIMEOUT_MS,
      threshold: config.ARCHIFLOW_PROBE_THRESHOLD,
    }, log.child({ component: "prober" }))
    : null;
  prober?.start();
  // Write-back to NetBox, only when asked for (NETBOX_PUSH=true).
  const outbox = config.NETBOX_PUSH
    ? startOutboxWorker(db, netboxClientFrom(config), config.NETBOX_OUTBOX_INTERVAL_MS, log)
    : null;
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  const firstKey = await bootstrapAdminToken(db);
  if (firstKey) {
    printFirstKey(config.ARCHIFLOW_PUBLIC_URL ?? `http://${host}:${addr.port}`, firstKey);
  }
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    db,
    events,
    metrics,
    async shutdown() {
      await prober?.stop();
      await outbox?.stop();
      await events.stop();
      await server.shutdown();
    },
  };
}

// Printed straight to stdout, once in the life of the database, and never through the logger:
// log lines are shipped and kept, this key must not be.
function printFirstKey(base: string, key: string): void {
  const root = base.replace(/\/+$/, "");
  console.log(
    [
      "",
      "ArchiFlow created its first admin API token. It is shown only this once; keep it safe.",
      // After #, the key stays in the browser: no server or proxy log ever sees it.
      `  Editor: ${root}/editor#token=${key}`,
      `  API:    curl -H "Authorization: Token ${key}" ${root}/api/`,
      "Create more with: deno task token create --user <name> --scope read|write|admin",
      "",
    ].join("\n"),
  );
}
