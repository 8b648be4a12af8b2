// `deno task restore --in file [--force]` (or `deno task restore file`): migrates the configured
// database, then loads a backup into it in one transaction. Refuses a database that holds data
// unless --force. A backup of the previous release (schema version 150) is converted as it loads.
import { parseArgs } from "node:util";
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { restoreBackup } from "../ops/backup.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { in: { type: "string" }, force: { type: "boolean", default: false } },
  allowPositionals: true,
});
const input = values.in ?? positionals[0];
if (!input || positionals.length > (values.in ? 0 : 1)) {
  console.error("Usage: deno task restore [--force] (--in <backup.jsonl.gz> | <backup.jsonl.gz>)");
  Deno.exit(2);
}

const config = loadConfigForTask();
const db = await openDatabaseForTask(config);
try {
  await migrate(db);
  const file = await Deno.open(input, { read: true });
  const result = await restoreBackup(db, file.readable, { force: values.force });
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  console.log(
    `Restored ${input} into the ${db.kind} database (backup of schema version ` +
      `${result.schemaVersion}${result.converted ? ", converted to the current schema" : ""})` +
      `${result.replaced ? ", replacing its previous contents" : ""}: ${rows} rows, ` +
      `${result.sequencesFixed} identity sequences moved past the restored ids.`,
  );
  for (const [t, n] of Object.entries(result.tables)) console.log(`  ${t}: ${n}`);
} catch (err) {
  console.error(`Restore failed: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
