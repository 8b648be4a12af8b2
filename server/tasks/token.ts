// `deno task token create|list|revoke|revoke-editor`: manages API tokens and editor sessions in
// the configured database.
// With the embedded PGlite backend, stop the server first: one process owns the data folder, and
// a second one is refused (exit status 2) before it writes anything.
import { runTokenCommand } from "../auth/token_cli.ts";
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { AppError } from "../errors.ts";

const config = loadConfigForTask();
const db = await openDatabaseForTask(config);
try {
  await migrate(db);
  for (const line of await runTokenCommand(db, Deno.args)) console.log(line);
} catch (err) {
  console.error(err instanceof AppError ? err.message : `token: ${String(err)}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
