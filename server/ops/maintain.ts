// Routine database maintenance (`deno task maintain`): ANALYZE everything, VACUUM the hot tables,
// optionally REINDEX them, and report what ran, how long it took and the dead rows before/after.
// VACUUM cannot run inside a transaction, so each step is a plain statement on the pool.
import type { Db } from "../db/db.ts";
import { sql, sqlText } from "../db/queries.ts";

export interface MaintenanceStep {
  step: "analyze" | "vacuum" | "reindex";
  statement: string;
  ms: number;
}

export interface TableStat {
  table_name: string;
  live_rows: number;
  dead_rows: number;
  last_vacuum: Date | null;
  last_analyze: Date | null;
}

export interface MaintenanceReport {
  backend: string;
  steps: MaintenanceStep[];
  before: TableStat[];
  after: TableStat[];
  notes: string[];
}

export async function runMaintenance(
  db: Db,
  options: { reindex?: boolean } = {},
): Promise<MaintenanceReport> {
  const notes: string[] = [];
  const stats = () => db.query<TableStat>(sql("MaintenanceTableStats"));
  const before = await stats();
  const steps: MaintenanceStep[] = [];
  const run = async (step: MaintenanceStep["step"], name: string) => {
    const text = sqlText(name);
    const started = performance.now();
    await db.exec(text);
    steps.push({
      step,
      statement: text.split("\n").filter((l) => !l.startsWith("--")).join(" ").replace(
        /\s+/g,
        " ",
      ).slice(0, 160),
      ms: Math.round(performance.now() - started),
    });
  };
  await run("analyze", "MaintainAnalyze");
  await run("vacuum", "MaintainVacuumHot");
  if (options.reindex) await run("reindex", "MaintainReindexHot");
  if (db.kind === "pglite") {
    notes.push(
      "Embedded PGlite: VACUUM and ANALYZE ran in-process; the statistics collector is " +
        "limited there, so row counts and last-run times may be missing.",
    );
  }
  return { backend: db.kind, steps, before, after: await stats(), notes };
}

/** The report as lines for a terminal. */
export function formatReport(r: MaintenanceReport): string[] {
  const lines = [`Maintenance of the ${r.backend} database:`];
  for (const s of r.steps) {
    lines.push(`  ${s.step.padEnd(8)} ${String(s.ms).padStart(6)} ms  ${s.statement}`);
  }
  const before = new Map(r.before.map((t) => [t.table_name, t]));
  lines.push("  table                 live rows  dead rows (before -> after)");
  for (const t of r.after) {
    const b = before.get(t.table_name);
    lines.push(
      `  ${t.table_name.padEnd(20)} ${String(t.live_rows).padStart(10)}  ${
        String(b?.dead_rows ?? "?").padStart(9)
      } -> ${t.dead_rows}`,
    );
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines;
}
