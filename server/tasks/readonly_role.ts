// `deno task db:readonly-role [--role name]`: creates or updates the read-only role. Run it with
// PostgreSQL settings (DATABASE_URL, DB_* or PG*) whose user may create roles; the password comes
// from ARCHIFLOW_READONLY_PASSWORD (never from the command line, where other users could read it).
import { databaseTarget } from "../config.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { applyReadonlyRole } from "../ops/readonly_role.ts";
import { type CommandSpec, parseCommand, runTask } from "./cli.ts";

const READONLY_ROLE = {
  name: "db:readonly-role",
  summary: "Creates or updates a role that can read every ArchiFlow table and view.",
  options: {
    role: {
      type: "string",
      value: "name",
      description: "name of the role",
      defaultText: "archiflow_readonly",
    },
  },
  positionals: ["role"],
  example: "DATABASE_URL=postgres://admin@db/archiflow deno task db:readonly-role reporting",
  notes: [
    "Needs PostgreSQL (DATABASE_URL, DB_* or PG*) and a user that may create roles.",
    "The role's password comes from ARCHIFLOW_READONLY_PASSWORD (never from the command line);",
    "without it the role is NOLOGIN, to be granted to users.",
  ],
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(
  parseCommand(READONLY_ROLE, Deno.args),
  "Could not create the read-only role",
  async (args) => {
    const config = loadConfigForTask();
    if (databaseTarget(config).kind !== "postgres") {
      console.error(
        "The read-only role needs PostgreSQL: set DATABASE_URL or DB_HOST, DB_NAME, DB_USER " +
          "(PGlite has no roles).",
      );
      return 2;
    }
    const db = await openDatabaseForTask(config);
    try {
      const password = config.ARCHIFLOW_READONLY_PASSWORD;
      const role = await applyReadonlyRole(db, { role: args.role, password });
      console.log(
        `Role ${role} can read every ArchiFlow table and view and write nothing` +
          (password
            ? " (it can log in with the given password)."
            : " (NOLOGIN: grant it to users)."),
      );
    } finally {
      await db.close();
    }
  },
);
