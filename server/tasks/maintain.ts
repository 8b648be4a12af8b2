// `deno task maintain [--reindex]`: ANALYZE, VACUUM of the hot tables, optional REINDEX; prints
// what it did.
import { schemaVersion } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { formatReport, runMaintenance } from "../ops/maintain.ts";
import { type CommandSpec, DATABASE_NOTE, parseCommand, runTask } from "./cli.ts";

const MAINTAIN = {
  name: "maintain",
  summary: "Runs ANALYZE and VACUUM (ANALYZE) of the hot tables and prints each step.",
  options: {
    reindex: {
      type: "boolean",
      description: "also REINDEX those tables (blocks writes to each while it runs)",
    },
  },
  example: "deno task maintain --reindex",
  notes: [DATABASE_NOTE],
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(
  parseCommand(MAINTAIN, Deno.args),
  "Maintenance failed",
  async (args) => {
    const config = loadConfigForTask();
    const db = await openDatabaseForTask(config);
    try {
      if (await schemaVersion(db) === 0) {
        throw new Error(
          `the ${db.kind} database holds no ArchiFlow schema (run deno task migrate, or start ` +
            "the server once, with the same settings)",
        );
      }
      const report = await runMaintenance(db, { reindex: args.reindex });
      for (const line of formatReport(report)) console.log(line);
    } finally {
      await db.close();
    }
  },
);
