// `deno task token create|list|revoke`: manages API tokens in the configured database.
// With the embedded PGlite backend, stop the server first (one process owns the data folder).
import { runTokenCommand } from "../auth/token_cli.ts";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openDatabase } from "../db/open.ts";
import { AppError } from "../errors.ts";

const config = loadConfig(Deno.env.toObject());
const db = await openDatabase(config);
try {
  await migrate(db);
  for (const line of await runTokenCommand(db, Deno.args)) console.log(line);
} catch (err) {
  console.error(err instanceof AppError ? err.message : `token: ${String(err)}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
