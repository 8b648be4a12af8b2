// Chooses the backend from configuration: postgres.js when DATABASE_URL, the DB_* settings or
// the PG* settings name a PostgreSQL server (config.ts databaseTarget()), else PGlite.
import {
  type Config,
  CONFIG_EXIT_CODE,
  ConfigError,
  databaseTarget,
  loadConfig,
} from "../config.ts";
import type { Db } from "./db.ts";
import { openPostgres } from "./postgres.ts";
import { DatabaseInUseError, openPglite } from "./pglite.ts";
import { sql } from "./queries.ts";

export { DatabaseInUseError };

/** Exit status of a process refused because another one holds the embedded database. */
export const IN_USE_EXIT_CODE = 2;

/**
 * The configured PostgreSQL server did not answer when the process started. The message is
 * one line naming the settings used and the server, never the password.
 */
export class DatabaseUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

/**
 * Opens the configured database. PostgreSQL is asked once before this returns, so a server
 * that cannot be reached (or refuses the credentials) stops the start with
 * DatabaseUnreachableError instead of failing later; it never falls back to PGlite.
 */
export async function openDatabase(config: Config): Promise<Db> {
  const target = databaseTarget(config);
  if (target.kind === "pglite") return openPglite(target.dataDir);
  const db = openPostgres(target.connection, {
    max: config.DATABASE_POOL_SIZE,
    idleTimeout: config.DATABASE_IDLE_TIMEOUT_MS / 1000,
    connectTimeout: config.DATABASE_CONNECT_TIMEOUT_MS / 1000,
  });
  try {
    await db.query(sql("Ping"));
  } catch (err) {
    await db.close().catch(() => {});
    throw new DatabaseUnreachableError(
      `Cannot reach PostgreSQL at ${target.where} (from ${target.settings.join(", ")}): ` +
        `${reason(err, target)}; refusing to start`,
    );
  }
  return db;
}

/** Why the connection failed, in one line, with any password there might be taken out. */
function reason(err: unknown, target: ReturnType<typeof databaseTarget>): string {
  let text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && !text.includes(code)) text = `${text} (${code})`;
  if (target.kind === "postgres") {
    const password = typeof target.connection === "string"
      ? decodeURIComponent(safeUrl(target.connection)?.password ?? "")
      : target.connection.password ?? "";
    if (password) text = text.split(password).join("[redacted]");
  }
  return text.slice(0, 300) || "no answer";
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Errors that stop a start with their message alone (no stack): bad settings, no database. */
export function isStartRefusal(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof DatabaseUnreachableError ||
    err instanceof DatabaseInUseError;
}

/**
 * openDatabase() for the command-line tasks: when the settings are wrong, the database cannot
 * be reached or another process holds the embedded database, says so in one line on stderr and
 * exits (IN_USE_EXIT_CODE for the last, 1 otherwise) before anything is written.
 */
export async function openDatabaseForTask(config: Config): Promise<Db> {
  try {
    return await openDatabase(config);
  } catch (err) {
    if (!isStartRefusal(err)) throw err;
    console.error(err.message);
    Deno.exit(err instanceof DatabaseInUseError ? IN_USE_EXIT_CODE : 1);
  }
}

/**
 * loadConfig() of the process environment for the command-line tasks: wrong settings are
 * reported one line each on stderr and end the task with status 2, as they end the server.
 */
export function loadConfigForTask(): Config {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    Deno.exit(CONFIG_EXIT_CODE);
  }
}
