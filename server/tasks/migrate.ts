// `deno task migrate`: applies pending migrations and re-creates views, then reports.
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { type CommandSpec, DATABASE_NOTE, parseCommand, runTask } from "./cli.ts";

const MIGRATE = {
  name: "migrate",
  summary: "Applies pending migrations and re-creates the views, then reports the schema version.",
  options: {},
  example: "DATABASE_URL=postgres://archiflow@db.example.net/archiflow deno task migrate",
  notes: [
    "A database of the previous release (schema version 150) is converted first.",
    "The server does the same on start.",
    DATABASE_NOTE,
  ],
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(parseCommand(MIGRATE, Deno.args), "Migration failed", async () => {
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
    console.log(
      `Database: ${db.kind}. Applied: ${applied}. Schema version ${result.schemaVersion}.`,
    );
  } finally {
    await db.close();
  }
});
