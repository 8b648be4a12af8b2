// Composition root: configuration -> database -> server; closes cleanly on SIGINT/SIGTERM.
// A start that cannot succeed (wrong settings, no database, the address taken) ends with plain
// lines on stderr that name the setting to change, and no stack trace.
import {
  type Config,
  CONFIG_EXIT_CODE,
  ConfigError,
  databaseTarget,
  loadConfig,
  misspelledSettings,
} from "./config.ts";
import { DatabaseInUseError, IN_USE_EXIT_CODE, isStartRefusal, openDatabase } from "./db/open.ts";
import { createLogger, flushLogs } from "./log.ts";
import { checkListen, ListenError, startServer } from "./server.ts";

/** Writes the lines already logged, then `lines` on stderr, and ends the process. */
function refuse(lines: string[], code: number): never {
  flushLogs();
  for (const line of lines) console.error(line);
  Deno.exit(code);
}

const env = Deno.env.toObject();
let config: Config;
try {
  config = loadConfig(env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  refuse(err.problems.map((p) => `Configuration error: ${p}`), CONFIG_EXIT_CODE);
}
const log = createLogger(config.ARCHIFLOW_LOG_LEVEL);
for (const { name, meant } of misspelledSettings(env)) {
  log.warn("unknown setting ignored", { setting: name, didYouMean: meant });
}
try {
  checkListen(config.HOST, config.PORT);
} catch (err) {
  if (!(err instanceof ListenError)) throw err;
  refuse([err.message], 1);
}
// Wrong or incomplete database settings, or a PostgreSQL server that does not answer, stop the
// start here: the server never falls back to the embedded database.
const db = await openDatabase(config).catch((err) => {
  if (!isStartRefusal(err)) throw err;
  refuse([err.message], err instanceof DatabaseInUseError ? IN_USE_EXIT_CODE : 1);
});
const server = await startServer(config, db, log).catch(async (err) => {
  await db.close().catch(() => {});
  if (err instanceof ListenError) refuse([err.message], 1);
  // Anything else is unexpected: the log keeps the stack for whoever reports it.
  log.error("could not start", { error: err instanceof Error ? err.stack : String(err) });
  refuse([`Cannot start: ${err instanceof Error ? err.message : String(err)}`], 1);
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
  publicUrl: server.publicUrl,
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
