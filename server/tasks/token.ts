// `deno task token create|list|revoke|revoke-editor|generate`: manages API tokens and editor
// sessions in the configured database.
// With the embedded PGlite backend, stop the server first: one process owns the data folder, and
// a second one is refused (exit status 2) before it writes anything.
import { executeTokenRequest, parseTokenArgs } from "./token_cli.ts";
import { generateKey } from "../auth/tokens.ts";
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { AppError } from "../errors.ts";
import { runTask, UsageError } from "./cli.ts";

Deno.exitCode = await runTask(parseTokenArgs(Deno.args), "deno task token", async (request) => {
  // A key to provision stores nothing, so it needs no database (and works beside the server).
  if (request.command === "generate") {
    console.log(generateKey());
    return;
  }
  const config = loadConfigForTask();
  const db = await openDatabaseForTask(config);
  try {
    await migrate(db);
    for (const line of await executeTokenRequest(db, request)) console.log(line);
  } catch (err) {
    // A value the database side refuses (a network with host bits, a reserved user name) is a
    // bad argument like any other.
    if (err instanceof AppError && err.kind === "invalid") throw new UsageError(err.message);
    throw err;
  } finally {
    await db.close();
  }
});
