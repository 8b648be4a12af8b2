// The embedded backend: PGlite (PostgreSQL compiled to WASM) in a data folder or in memory.
// A single connection: PGlite serialises queries and transactions itself.
import { PGlite } from "@electric-sql/pglite";
import { type Db, runTransaction } from "./db.ts";

/** Opens PGlite in dataDir, or in memory when dataDir is undefined. */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  return {
    kind: "pglite",
    query: async (text, params = []) =>
      // deno-lint-ignore no-explicit-any
      (await pg.query(text, params as any[])).rows as any[],
    exec: async (script) => {
      await pg.exec(script);
    },
    transaction: (fn) =>
      pg.transaction((tx) =>
        runTransaction({
          // deno-lint-ignore no-explicit-any
          query: async (text, params = []) => (await tx.query(text, params as any[])).rows as any[],
          exec: async (script) => {
            await tx.exec(script);
          },
        }, fn)
      ),
    async listen(channel, onPayload) {
      const unsub = await pg.listen(channel, onPayload);
      return async () => {
        await unsub();
      };
    },
    stats: () => ({ kind: "pglite", maxConnections: 1 }),
    close: () => pg.close(),
  };
}
