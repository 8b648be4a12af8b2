// Composition root: configuration -> database -> server; closes cleanly on SIGINT/SIGTERM.
import { type Config, ConfigError, databaseTarget, loadConfig } from "./config.ts";
import { DatabaseInUseError, IN_USE_EXIT_CODE, isStartRefusal, openDatabase } from "./db/open.ts";
import { createLogger, flushLogs } from "./log.ts";
import { startServer } from "./server.ts";

let config: Config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // Settings are wrong, so there is no log level to honour: the refusal is always written.
  createLogger("info").error("could not start", { error: err.message });
  flushLogs();
  Deno.exit(1);
}
const log = createLogger(config.ARCHIFLOW_LOG_LEVEL);
// Wrong or incomplete database settings, or a PostgreSQL server that does not answer, stop the
// start here: the server never falls back to the embedded database.
const db = await openDatabase(config).catch((err) => {
  if (!isStartRefusal(err)) throw err;
  log.error("could not start", { error: err.message });
  flushLogs();
  Deno.exit(err instanceof DatabaseInUseError ? IN_USE_EXIT_CODE : 1);
});
const server = await startServer(config, db, log).catch(async (err) => {
  log.error("could not start", { error: err instanceof Error ? err.message : String(err) });
  await db.close().catch(() => {});
  flushLogs();
  Deno.exit(1);
});
const target = databaseTarget(config);
if (target.kind === "postgres" && target.ignored.length) {
  log.warn("database settings ignored", {
    used: target.settings,
    ignored: target.ignored,
    detail: "DATABASE_URL comes first, then DB_*, then PG*",
  });
}
log.info("listening", {
  url: server.url,
  port: server.port,
  database: db.kind,
  databaseAt: target.kind === "postgres" ? target.where : target.dataDir,
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal });
  const force = setTimeout(() => {
    flushLogs();
    Deno.exit(1);
  }, 10_000);
  await server.shutdown().catch(() => {});
  await db.close().catch(() => {});
  clearTimeout(force);
  flushLogs();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
