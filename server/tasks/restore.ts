// `deno task restore --in file [--force]`: migrates the configured database, then loads a backup
// into it in one transaction. Refuses a database that holds data unless --force.
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openDatabaseForTask } from "../db/open.ts";
import { restoreBackup } from "../ops/backup.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { in: { type: "string" }, force: { type: "boolean", default: false } },
});
if (!values.in) {
  console.error("Usage: deno task restore --in <backup.jsonl.gz> [--force]");
  Deno.exit(2);
}

const config = loadConfig(Deno.env.toObject());
const db = await openDatabaseForTask(config);
try {
  await migrate(db);
  const file = await Deno.open(values.in, { read: true });
  const result = await restoreBackup(db, file.readable, { force: values.force });
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  console.log(
    `Restored ${values.in} into the ${db.kind} database (schema version ${result.schemaVersion})` +
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
