// Test databases: a fresh PostgreSQL database per use when DATABASE_URL is set (created and
// dropped here), otherwise an in-memory PGlite. The same tests run on both backends.
import postgres from "postgres";
import type { Db } from "../../server/db/db.ts";
import { openPglite } from "../../server/db/pglite.ts";
import { openPostgres } from "../../server/db/postgres.ts";

export interface TestDb {
  db: Db;
  /** Connection URL of the fresh PostgreSQL database, or null on PGlite. */
  url: string | null;
  close(): Promise<void>;
}

export const backendName = (): "postgres" | "pglite" =>
  Deno.env.get("DATABASE_URL") ? "postgres" : "pglite";

/** Creates an empty database (PostgreSQL: a new uniquely named one). */
export async function createTestDb(options: { poolSize?: number } = {}): Promise<TestDb> {
  const base = Deno.env.get("DATABASE_URL");
  if (!base) {
    const db = await openPglite();
    return { db, url: null, close: () => db.close() };
  }
  const name = `archiflow_test_${Date.now().toString(36)}_${
    crypto.randomUUID().replaceAll("-", "").slice(0, 8)
  }`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), { max: options.poolSize ?? 10 });
  return {
    db,
    url: url.toString(),
    async close() {
      await db.close();
      const admin = postgres(base, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
