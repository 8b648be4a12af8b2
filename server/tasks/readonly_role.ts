// `deno task db:readonly-role [--role name]`: creates or updates the read-only role. Run it with
// PostgreSQL settings (DATABASE_URL, DB_* or PG*) whose user may create roles; the password comes
// from ARCHIFLOW_READONLY_PASSWORD (never from the command line, where other users could read it).
import { parseArgs } from "node:util";
import { databaseTarget } from "../config.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { applyReadonlyRole } from "../ops/readonly_role.ts";

const { values } = parseArgs({ args: Deno.args, options: { role: { type: "string" } } });
const config = loadConfigForTask();
if (databaseTarget(config).kind !== "postgres") {
  console.error(
    "The read-only role needs PostgreSQL: set DATABASE_URL or DB_HOST, DB_NAME, DB_USER " +
      "(PGlite has no roles).",
  );
  Deno.exit(2);
}
const db = await openDatabaseForTask(config);
try {
  const password = Deno.env.get("ARCHIFLOW_READONLY_PASSWORD") || undefined;
  const role = await applyReadonlyRole(db, { role: values.role, password });
  console.log(
    `Role ${role} can read every ArchiFlow table and view and write nothing` +
      (password ? " (it can log in with the given password)." : " (NOLOGIN: grant it to users)."),
  );
} catch (err) {
  console.error(`Could not create the read-only role: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
