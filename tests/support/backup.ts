// Backups in memory for the backup tests: a backup as bytes, bytes as a stream to restore, every
// backed-up table's rows for comparison, and a fresh migrated database to restore into.
import type { Db } from "../../server/db/db.ts";
import { migrate } from "../../server/db/migrate.ts";
import { backupTables, tableRows, writeBackup } from "../../server/ops/backup.ts";
import { createTestDb } from "./db.ts";

export async function backupToBytes(db: Db): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeBackup(db, new WritableStream({ write: (c) => void chunks.push(c) }));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export const streamOf = (bytes: Uint8Array) => new Blob([bytes as BlobPart]).stream();

export async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await db.transaction(async (tx) => {
    for (const t of await backupTables(tx)) {
      const rows: string[] = [];
      for await (const r of tableRows(tx, t)) rows.push(r);
      out[t] = rows.sort();
    }
  });
  return out;
}

export async function freshDb() {
  const t = await createTestDb();
  await migrate(t.db);
  return t;
}
