// Composition root: configuration -> database -> server; closes cleanly on SIGINT/SIGTERM.
import { keepLargeAllocations } from "./allocator.ts";
import { loadConfig } from "./config.ts";
import { DatabaseInUseError, IN_USE_EXIT_CODE, openDatabase } from "./db/open.ts";
import { createLogger, flushLogs } from "./log.ts";
import { startServer } from "./server.ts";

// Diagrams pass through buffers of their own size: glibc keeps that memory for reuse.
const largeAllocationsKept = keepLargeAllocations();
const config = loadConfig(Deno.env.toObject());
const log = createLogger(config.ARCHIFLOW_LOG_LEVEL);
const db = await openDatabase(config).catch((err) => {
  if (!(err instanceof DatabaseInUseError)) throw err;
  log.error("could not start", { error: err.message });
  flushLogs();
  Deno.exit(IN_USE_EXIT_CODE);
});
const server = await startServer(config, db, log).catch(async (err) => {
  log.error("could not start", { error: err instanceof Error ? err.message : String(err) });
  await db.close().catch(() => {});
  flushLogs();
  Deno.exit(1);
});
log.info("listening", {
  url: server.url,
  port: server.port,
  database: db.kind,
  largeAllocationsKept,
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
