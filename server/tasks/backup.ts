// `deno task backup [--out file | file]`: writes a consistent, gzip-compressed backup of all ArchiFlow
// tables (PostgreSQL or PGlite, as configured) and reports the row counts.
import { parseArgs } from "node:util";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { writeBackup } from "../ops/backup.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string" } },
  allowPositionals: true,
});
if (positionals.length > 1 || (positionals.length && values.out)) {
  console.error("Usage: deno task backup [--out <backup.jsonl.gz> | <backup.jsonl.gz>]");
  Deno.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
const out = values.out ?? positionals[0] ?? `archiflow-backup-${stamp}.jsonl.gz`;

const config = loadConfigForTask();
const db = await openDatabaseForTask(config);
const partial = `${out}.partial`;
try {
  const file = await Deno.open(partial, { write: true, create: true, truncate: true });
  const result = await writeBackup(db, file.writable);
  // Renamed only when complete, so a crash never leaves a file that looks like a backup.
  await Deno.rename(partial, out);
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  console.log(
    `Backup of ${db.kind} database (schema version ${result.schemaVersion}) written to ${out}: ` +
      `${Object.keys(result.tables).length} tables, ${rows} rows, ${result.bytes} bytes.`,
  );
  for (const [t, n] of Object.entries(result.tables)) console.log(`  ${t}: ${n}`);
} catch (err) {
  await Deno.remove(partial).catch(() => {});
  console.error(`Backup failed: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
