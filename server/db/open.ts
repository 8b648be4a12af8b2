// Chooses the backend from configuration: postgres.js when DATABASE_URL is set, else PGlite.
import type { Config } from "../config.ts";
import type { Db } from "./db.ts";
import { openPostgres } from "./postgres.ts";
import { DatabaseInUseError, openPglite } from "./pglite.ts";

export { DatabaseInUseError };

/** Exit status of a process refused because another one holds the embedded database. */
export const IN_USE_EXIT_CODE = 2;

export function openDatabase(config: Config): Promise<Db> {
  if (config.DATABASE_URL) {
    return Promise.resolve(openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE }));
  }
  return openPglite(config.ARCHIFLOW_DATA_DIR);
}

/**
 * openDatabase() for the command-line tasks: when another process holds the embedded database,
 * says so in one line on stderr and exits with IN_USE_EXIT_CODE before anything is written.
 */
export async function openDatabaseForTask(config: Config): Promise<Db> {
  try {
    return await openDatabase(config);
  } catch (err) {
    if (!(err instanceof DatabaseInUseError)) throw err;
    console.error(err.message);
    Deno.exit(IN_USE_EXIT_CODE);
  }
}
