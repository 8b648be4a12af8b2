// `deno task maintain [--reindex]`: ANALYZE, VACUUM of the hot tables, optional REINDEX; prints
// what it did.
import { parseArgs } from "node:util";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { formatReport, runMaintenance } from "../ops/maintain.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { reindex: { type: "boolean", default: false } },
});
const config = loadConfigForTask();
const db = await openDatabaseForTask(config);
try {
  const report = await runMaintenance(db, { reindex: values.reindex });
  for (const line of formatReport(report)) console.log(line);
} catch (err) {
  console.error(`Maintenance failed: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
