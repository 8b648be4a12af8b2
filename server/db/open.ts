// Chooses the backend from configuration: postgres.js when DATABASE_URL is set, else PGlite.
import type { Config } from "../config.ts";
import type { Db } from "./db.ts";
import { openPostgres } from "./postgres.ts";
import { openPglite } from "./pglite.ts";

export function openDatabase(config: Config): Promise<Db> {
  if (config.DATABASE_URL) {
    return Promise.resolve(openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE }));
  }
  return openPglite(config.ARCHIFLOW_DATA_DIR);
}
