// `deno task sync [auto|full|incremental]` (also --full, --incremental): mirrors the configured
// NetBox once and reports the run; on a terminal it draws a progress bar per stage.
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { createLogger } from "../log.ts";
import { netboxClientFrom, poolSelectionFrom } from "../netbox/settings.ts";
import { syncNetbox, type SyncProgress } from "../netbox/sync.ts";
import { type CommandSpec, DATABASE_NOTE, parseCommand, runTask } from "./cli.ts";

const SYNC = {
  name: "sync",
  summary: "Mirrors the configured NetBox once and prints the run as JSON.",
  options: {
    mode: {
      type: "string",
      choices: ["auto", "full", "incremental"],
      default: "auto",
      description: "auto is incremental after the first good run, full otherwise",
    },
    full: { type: "boolean", description: "same as the mode full: also sweeps what NetBox lost" },
    incremental: { type: "boolean", description: "same as the mode incremental" },
  },
  positionals: ["mode"],
  exclusive: [["mode", "full", "incremental"]],
  example: "deno task sync full",
  notes: [
    "NetBox: NETBOX_URL and NETBOX_TOKEN; pools from NETBOX_POOL_ROLES, NETBOX_POOL_TAGS.",
    DATABASE_NOTE,
    "Exit status 1 when the run does not succeed.",
  ],
} as const satisfies CommandSpec;

const tty = Deno.stderr.isTerminal();
const encoder = new TextEncoder();

/** One line per stage, redrawn in place: "devices   [#####.....] 5000/10000". */
function progressLine(p: SyncProgress, width = 30): string {
  const total = p.total ?? null;
  const frac = total ? Math.min(1, p.done / total) : 0;
  const bar = total ? "#".repeat(Math.round(frac * width)).padEnd(width, ".") : "~".repeat(width);
  return `${p.stage.padEnd(13)}[${bar}] ${p.done}${total ? `/${total}` : ""}`;
}

let lastStage = "";
const onProgress = (p: SyncProgress) => {
  if (!tty) return;
  if (lastStage && lastStage !== p.stage) Deno.stderr.writeSync(encoder.encode("\n"));
  lastStage = p.stage;
  Deno.stderr.writeSync(encoder.encode(`\r${progressLine(p)}`));
};

/** Ends the last progress line, so what follows starts on a line of its own. */
function endProgress(): void {
  if (lastStage) Deno.stderr.writeSync(encoder.encode("\n"));
  lastStage = "";
}

Deno.exitCode = await runTask(parseCommand(SYNC, Deno.args), "Sync failed", async (args) => {
  const mode = args.full ? "full" : args.incremental ? "incremental" : args.mode;
  const config = loadConfigForTask();
  // Before the database, so a missing NetBox setting is reported without touching it.
  const client = netboxClientFrom(config);
  const log = createLogger(
    config.ARCHIFLOW_LOG_LEVEL === "info" ? "warn" : config.ARCHIFLOW_LOG_LEVEL,
  );
  const db = await openDatabaseForTask(config);
  try {
    await migrate(db);
    const run = await syncNetbox({
      db,
      client,
      selection: poolSelectionFrom(config),
      log,
      onProgress,
    }, { mode });
    endProgress();
    console.log(JSON.stringify(
      {
        run: run.id,
        mode: run.mode,
        status: run.status,
        duration_ms: run.duration_ms,
        requests: run.requests,
        mirror: run.counts.mirror,
        errors: run.errors,
      },
      null,
      2,
    ));
    return run.status === "succeeded" ? 0 : 1;
  } finally {
    endProgress();
    await db.close();
  }
});
