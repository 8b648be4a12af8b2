// `deno task migrate`: applies pending migrations and re-creates views, then reports.
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";

const config = loadConfigForTask();
const db = await openDatabaseForTask(config);
try {
  const result = await migrate(db);
  const applied = result.applied.length ? result.applied.join(", ") : "none (already up to date)";
  if (result.convertedFrom !== null) {
    console.log(
      `Converted the database of schema version ${result.convertedFrom} to the current schema.`,
    );
  }
  console.log(`Database: ${db.kind}. Applied: ${applied}. Schema version ${result.schemaVersion}.`);
} catch (err) {
  console.error(`Migration failed: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
