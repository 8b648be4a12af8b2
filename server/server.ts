// Starts a complete ArchiFlow server on an open database: migrations, event hub, HTTP.
// Used by main.ts and by tests that want a real server on a random port.
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { migrate } from "./db/migrate.ts";
import { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { type AppMetrics, createAppMetrics } from "./ops/app_metrics.ts";
import { createRegistry } from "./tools/index.ts";

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
    if (result.applied.length) log.info("migrations applied", { applied: result.applied });
  }
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
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    db,
    events,
    metrics,
    async shutdown() {
      await events.stop();
      await server.shutdown();
    },
  };
}
