// `deno task bench:generate`: generate-diagram on a synthetic scope (default 1,000 devices and
// 2,000 cables at one site, inserted set-based into a database this task creates and drops),
// against the layout engine's own time on the same graph in the same run (target: at most 2x).
// When refresh-diagram is there, a refresh that moves nothing and one after 10 inventory changes
// are timed against the same baseline (target for the first: at most 0.5x). Runs alternate with
// the baseline so that other load on the machine falls on both alike; medians are compared.
import ELKModule from "elkjs/lib/elk.bundled.js";
import type { ELK, ELKConstructorArguments, ElkNode } from "elkjs/lib/elk-api.js";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openPostgres } from "../db/postgres.ts";
import { readQueryDir } from "../db/queries.ts";
import { pageLayoutGraph, planPages } from "../diagrams/generate_inventory.ts";
import { readInventoryScope } from "../diagrams/inventory_scope.ts";
import { toElkGraph } from "../diagrams/layout.ts";
import { EventHub } from "../events.ts";
import { createLogger } from "../log.ts";
import { createRegistry } from "../tools/index.ts";
import { callTool, type ToolContext } from "../tools/tool.ts";
import { benchDatabase, benchHelp, cpuPerCall, fmt, requireDatabaseUrl } from "./bench_support.ts";

benchHelp({
  name: "bench:generate",
  summary: "generate-diagram (and refresh-diagram) of a large scope beside ELK's own layout time.",
  options: {},
  example: "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task bench:generate",
  notes: [
    "Needs PostgreSQL: DATABASE_URL names a server where it may create and drop a database.",
    "BENCH_DEVICES (default 1000), BENCH_LINKS (default 2000) and BENCH_RUNS (default 3) size it.",
    "Exit status 1 when a target is not met.",
  ],
});

const base = requireDatabaseUrl("bench:generate");
const DEVICES = Number(Deno.env.get("BENCH_DEVICES") ?? 1000);
const LINKS = Number(Deno.env.get("BENCH_LINKS") ?? 2000);
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const SITE = "bench-site";

const queries = readQueryDir(new URL("../../sql/bench/", import.meta.url), "sql/bench/");
const benchSql = (name: string) => queries.get(name)!;

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const ratioText = (a: number, b: number, target: number | null) =>
  `${(a / b).toFixed(2)}x` +
  (target === null ? "" : ` (target <= ${target}x: ${a / b <= target ? "met" : "NOT met"})`);

const bench = await benchDatabase(base);
const db = openPostgres(bench.url, { max: 4, applicationName: "archiflow-bench" });
let failed = false;
try {
  await migrate(db);
  const t0 = performance.now();
  const [{ devices }] = await db.query<{ devices: number }>(benchSql("BenchGenerateDevices"), [
    DEVICES,
    SITE,
  ]);
  const [{ cables }] = await db.query<{ cables: number }>(benchSql("BenchGenerateCables"), [
    DEVICES,
    LINKS,
  ]);
  await db.query("ANALYZE");
  console.log(
    `inventory: ${devices} devices, ${cables} cables at one site (${
      fmt((performance.now() - t0) / 1000, 1)
    } s)`,
  );

  const registry = createRegistry();
  const ctx: ToolContext = {
    db,
    // Room for the devices the refresh runs add.
    config: loadConfig({ ARCHIFLOW_GENERATE_MAX_DEVICES: String(DEVICES + 5 * RUNS) }),
    events: new EventHub(),
    log: createLogger("silent"),
    actor: { user: "bench", scope: "admin", clientAddr: null, userAgent: null, requestId: null },
  };
  const call = (tool: string, args: Record<string, unknown>) =>
    callTool(registry, tool, args, ctx) as Promise<Record<string, unknown>>;

  // The baseline: ELK alone, in this thread, on the very graph generate-diagram lays out.
  const scope = { site: SITE };
  const graph = await readInventoryScope(db, scope, { maxDevices: DEVICES });
  const [page] = planPages(graph, scope, "bench").pages;
  const elkGraph: ElkNode = toElkGraph(pageLayoutGraph(page, undefined).graph);
  const ELKClass = ELKModule as unknown as new (args?: ELKConstructorArguments) => ELK;
  const elk = new ELKClass();
  const layout = () => elk.layout(structuredClone(elkGraph));

  let n = 0;
  const generate = () => call("generate-diagram", { name: `bench ${++n}`, site: SITE });
  // Untimed: ELK compiled in both threads, the save path and the database warmed.
  const t1 = performance.now();
  const firstResult = await generate();
  const firstMs = performance.now() - t1;
  await layout();
  const elkMs: number[] = [];
  const genMs: number[] = [];
  let elkCpu = 0;
  let genCpu = 0;
  let last = firstResult;
  for (let i = 0; i < RUNS; i++) {
    const elkStarted = cpuPerCall("self");
    elkMs.push(await time(layout));
    elkCpu += elkStarted(1);
    const genStarted = cpuPerCall("self");
    genMs.push(await time(async () => (last = await generate())));
    genCpu += genStarted(1);
  }
  const elkMed = med(elkMs);
  const genMed = med(genMs);
  const gen = last.generated as { devices: number; links: number; pages: number };
  console.log(
    `generate-diagram: ${gen.devices} devices, ${gen.links} links, ${gen.pages} page(s); first ` +
      `call ${fmt(firstMs, 0)} ms (starts the layout worker)`,
  );
  console.log(
    `  ELK layout alone:      ${fmt(elkMed, 0)} ms (median of ${RUNS}), ${
      fmt(elkCpu / RUNS, 0)
    } ms CPU per call`,
  );
  console.log(
    `  generate-diagram:      ${fmt(genMed, 0)} ms (median), ${
      fmt(genCpu / RUNS, 0)
    } ms CPU per call (this process, all threads)`,
  );
  console.log(`  ratio:                 ${ratioText(genMed, elkMed, 2)}`);
  console.log(`  CPU ratio:             ${ratioText(genCpu, elkCpu, null)}`);
  if (genMed / elkMed > 2) failed = true;

  if (!registry.get("refresh-diagram")) {
    console.log("refresh-diagram: not in this build; its figures are missing");
  } else {
    const id = String(last.id);
    // Nothing moved: the inventory is as generated.
    const still: number[] = [];
    const elk2: number[] = [];
    await call("refresh-diagram", { id });
    for (let i = 0; i < RUNS; i++) {
      elk2.push(await time(layout));
      still.push(await time(() => call("refresh-diagram", { id })));
    }
    const stillMed = med(still);
    const elk2Med = med(elk2);
    console.log(`refresh-diagram, nothing changed: ${fmt(stillMed, 0)} ms (median)`);
    console.log(`  ratio to ELK (${fmt(elk2Med, 0)} ms): ${ratioText(stillMed, elk2Med, 0.5)}`);
    if (stillMed / elk2Med > 0.5) failed = true;
    // Ten changes: five devices renamed, five new devices each cabled to an access switch.
    const changes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await db.query(benchSql("BenchRenameDevices"), [i, 5]);
      await db.query(benchSql("BenchAddCabledDevices"), [i, 5, SITE]);
      changes.push(await time(() => call("refresh-diagram", { id })));
    }
    const changesMed = med(changes);
    console.log(`refresh-diagram, 10 changes: ${fmt(changesMed, 0)} ms (median)`);
    console.log(`  ratio to ELK: ${ratioText(changesMed, elk2Med, null)}`);
  }
} catch (err) {
  console.error(`bench:generate failed: ${err instanceof Error ? err.message : err}`);
  failed = true;
} finally {
  await db.close();
  await bench.drop();
}
Deno.exit(failed ? 1 : 0);
