// Starts a complete ArchiFlow server on an open database: migrations, event hub, HTTP.
// Used by main.ts and by tests that want a real server on a random port.
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { migrate } from "./db/migrate.ts";
import { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { startOutboxWorker } from "./netbox/outbox.ts";
import { netboxClientFrom } from "./netbox/settings.ts";
import { createRegistry } from "./tools/index.ts";

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  events: EventHub;
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
  const { app } = createApp({ config, db, registry, events, log });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: config.PORT,
    hostname: config.HOST,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await listening;
  // Write-back to NetBox, only when asked for (NETBOX_PUSH=true).
  const outbox = config.NETBOX_PUSH
    ? startOutboxWorker(db, netboxClientFrom(config), config.NETBOX_OUTBOX_INTERVAL_MS, log)
    : null;
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    db,
    events,
    async shutdown() {
      await outbox?.stop();
      await events.stop();
      await server.shutdown();
    },
  };
}
