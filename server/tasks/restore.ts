// `deno task restore FILE [--force]` (or `--in FILE`): migrates the configured database, then
// loads a backup into it in one transaction. Refuses a database that holds data unless --force.
// A backup of the previous release (schema version 150) is converted as it loads.
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { BackupError, restoreBackup } from "../ops/backup.ts";
import { type CommandSpec, DATABASE_NOTE, parseCommand, runTask } from "./cli.ts";

const RESTORE = {
  name: "restore",
  summary: "Migrates the configured database, then loads a backup into it in one transaction.",
  options: {
    in: { type: "string", value: "file", required: true, description: "backup file to load" },
    force: { type: "boolean", description: "empty a database that already holds data first" },
  },
  positionals: ["in"],
  example: "deno task restore archiflow-backup.jsonl.gz --force",
  notes: [
    "Without --force, a database that holds data is refused and left as it is.",
    DATABASE_NOTE,
  ],
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(parseCommand(RESTORE, Deno.args), "Restore failed", async (args) => {
  // Opened before the database, so a mistyped name costs nothing and changes nothing.
  const file = await Deno.open(args.in, { read: true }).catch((err) => {
    throw new Error(`cannot read ${args.in}`, { cause: err });
  });
  const config = loadConfigForTask();
  const db = await openDatabaseForTask(config).catch((err) => {
    file.close();
    throw err;
  });
  try {
    await migrate(db);
    const result = await restoreBackup(db, file.readable, { force: args.force }).catch((err) => {
      // Name the file in what went wrong reading it (a damaged or foreign file).
      throw err instanceof BackupError ? err : new Error(args.in, { cause: err });
    });
    const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
    console.log(
      `Restored ${args.in} into the ${db.kind} database (backup of schema version ` +
        `${result.schemaVersion}${result.converted ? ", converted to the current schema" : ""})` +
        `${result.replaced ? ", replacing its previous contents" : ""}: ${rows} rows, ` +
        `${result.sequencesFixed} identity sequences moved past the restored ids.`,
    );
    for (const [t, n] of Object.entries(result.tables)) console.log(`  ${t}: ${n}`);
  } finally {
    await db.close();
  }
});
