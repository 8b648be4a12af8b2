// `deno task sync [--full|--incremental]`: mirrors the configured NetBox once and reports the
// run; on a terminal it draws a progress bar per stage.
import { parseArgs } from "node:util";
import { migrate } from "../db/migrate.ts";
import { loadConfigForTask, openDatabaseForTask } from "../db/open.ts";
import { createLogger } from "../log.ts";
import { netboxClientFrom, poolSelectionFrom } from "../netbox/settings.ts";
import { syncNetbox, type SyncProgress } from "../netbox/sync.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { full: { type: "boolean" }, incremental: { type: "boolean" } },
});
const config = loadConfigForTask();
const log = createLogger(
  config.ARCHIFLOW_LOG_LEVEL === "info" ? "warn" : config.ARCHIFLOW_LOG_LEVEL,
);
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

const db = await openDatabaseForTask(config);
try {
  await migrate(db);
  const client = netboxClientFrom(config);
  const mode = values.full ? "full" : values.incremental ? "incremental" : "auto";
  const run = await syncNetbox({
    db,
    client,
    selection: poolSelectionFrom(config),
    log,
    onProgress,
  }, { mode });
  if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
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
  if (run.status !== "succeeded") Deno.exitCode = 1;
} catch (err) {
  console.error(`Sync failed: ${err instanceof Error ? err.message : err}`);
  Deno.exitCode = 1;
} finally {
  await db.close();
}
