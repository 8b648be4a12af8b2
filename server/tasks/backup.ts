// `deno task backup [FILE | --out FILE]`: writes a consistent, gzip-compressed backup of all
// ArchiFlow tables (PostgreSQL or PGlite, as configured) and reports the row counts.
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { schemaVersion } from "../db/migrate.ts";
import { writeBackup } from "../ops/backup.ts";
import { type CommandSpec, DATABASE_NOTE, parseCommand, runTask } from "./cli.ts";

const BACKUP = {
  name: "backup",
  summary: "Writes a consistent, gzip-compressed backup of every ArchiFlow table.",
  options: {
    out: {
      type: "string",
      value: "file",
      description: "backup file to write",
      defaultText: "archiflow-backup-<UTC time>.jsonl.gz",
    },
  },
  positionals: ["out"],
  example: "deno task backup /var/backups/archiflow.jsonl.gz",
  notes: [
    "The file is written as <file>.partial and renamed when complete.",
    DATABASE_NOTE,
  ],
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(parseCommand(BACKUP, Deno.args), "Backup failed", async (args) => {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  const out = args.out ?? `archiflow-backup-${stamp}.jsonl.gz`;
  const config = loadConfigForTask();
  const db = await openDatabaseForTask(config);
  const partial = `${out}.partial`;
  try {
    // A database never migrated has nothing to back up; say so instead of an empty file.
    if (await schemaVersion(db) === 0) {
      throw new Error(
        `the ${db.kind} database holds no ArchiFlow schema (run deno task migrate, or start ` +
          "the server once, with the same settings)",
      );
    }
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
    throw err;
  } finally {
    await db.close();
  }
});
