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
import { warmEditorAssets } from "./routes/editor.ts";
import { ensurePluginBuilt } from "./tasks/build_plugin.ts";
import { startOutboxWorker } from "./netbox/outbox.ts";
import { netboxClientFrom } from "./netbox/settings.ts";
import { createRegistry } from "./tools/index.ts";
import { bootstrapAdminToken, ensureProvisionedToken } from "./auth/tokens.ts";
import { firstKeyBanner, machineAddresses, machineName, reachOf } from "./start_banner.ts";

export interface RunningServer {
  /** Where this machine reaches the server (loopback when it listens on every interface). */
  url: string;
  /** Where other machines reach it: ARCHIFLOW_PUBLIC_URL, the machine's name, or the address. */
  publicUrl: string;
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
  // The editor's plugin bundle is built now when it is missing or stale, never while answering
  // a request; what the editor loads first is then read and compressed once.
  const built = await ensurePluginBuilt().then(() => null, (err: unknown) => err);
  await warmEditorAssets()
    .then(() => {
      if (built) throw built;
    })
    .catch((err) => log.warn("plugin build failed", { error: String(err) }));
  const events = new EventHub();
  await events.start(db);
  const registry = createRegistry();
  const metrics = createAppMetrics();
  const { app } = createApp({ config, db, registry, events, log, metrics });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      port: config.PORT,
      hostname: config.HOST,
      onListen: (addr) => resolve(addr as Deno.NetAddr),
    }, app.fetch);
  } catch (err) {
    await events.stop();
    throw listenError(config.HOST, config.PORT, err);
  }
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
  // Listening on every interface, this machine reaches the server on loopback.
  const local = { "0.0.0.0": "127.0.0.1", "::": "[::1]" }[addr.hostname] ??
    (addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname);
  const reach = reachOf({
    publicUrl: config.ARCHIFLOW_PUBLIC_URL,
    host: addr.hostname,
    port: addr.port,
    machineName,
    addresses: () => machineAddresses(addr.hostname === "::"),
  });
  const firstKey = await bootstrapAdminToken(db);
  // Printed straight to stdout, once in the life of the database, and never through the logger:
  // log lines are shipped and kept, this key must not be.
  if (firstKey) console.log(firstKeyBanner(reach, firstKey, db.kind === "pglite"));
  return {
    url: `http://${local}:${addr.port}`,
    publicUrl: reach.url,
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

/** The server could not take its address; the message is one line naming it and what to set. */
export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ListenError";
  }
}

/**
 * Throws ListenError when the address cannot be listened on now, so that main.ts can refuse a
 * taken address before it opens (or creates) a database; startServer() reports a process that
 * takes it in the meantime the same way.
 */
export function checkListen(host: string, port: number): void {
  if (port === 0) return;
  try {
    Deno.listen({ hostname: host, port }).close();
  } catch (err) {
    throw listenError(host, port, err);
  }
}

function listenError(host: string, port: number, err: unknown): ListenError {
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  let why: string;
  if (err instanceof Deno.errors.AddrInUse) {
    why = "address already in use by another process (is ArchiFlow already running?); stop " +
      "it, or set PORT (or HOST) to a free one";
  } else if (err instanceof Deno.errors.PermissionDenied) {
    why = "permission denied (ports below 1024 need privileges); set PORT to 1024 or above";
  } else if (err instanceof Deno.errors.AddrNotAvailable) {
    why = "this machine has no such address; set HOST to one of its addresses, or 0.0.0.0 " +
      "for every interface";
  } else if (err instanceof Error && /lookup|resolve|not known/i.test(err.message)) {
    why = "the host name does not resolve; set HOST to an address of this machine";
  } else {
    why = `${err instanceof Error ? err.message : String(err)}; check HOST and PORT`;
  }
  return new ListenError(`Cannot listen on ${where}: ${why}`);
}
