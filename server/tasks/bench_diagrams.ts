// `deno task bench:diagrams`: save-diagram and load-diagram on real PostgreSQL (DATABASE_URL),
// in a database this task creates and drops. Baselines are measured in the same run:
// - save (parse + store + versions + inventory + audit) against a bare fast-xml-parser parse
//   of the same XML (target: at most 3x);
// - load-diagram against a plain SELECT of the same content (the diagrams row holding it)
//   through the same driver (target: at most 2x).
// Inputs: the largest draw.io file of the corpus (when present) and a generated 5 MB network
// of 5,000 device shapes and 10,000 links. Each save is timed several times and the medians are
// compared: first saves (new inventory each time), new versions, and another diagram. Before
// them, each input is saved until the server's buffer pool has been cycled once (the figures of
// that warm-up are printed too).
import { XMLParser } from "fast-xml-parser";
import postgres from "postgres";
import { corpusDir } from "./corpus.ts";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openPostgres } from "../db/postgres.ts";
import { sql } from "../db/queries.ts";
import { generateNetworkDiagram } from "../diagrams/generate.ts";
import { parseDiagram } from "../diagrams/parse.ts";
import { EventHub } from "../events.ts";
import { createLogger } from "../log.ts";
import { createRegistry } from "../tools/index.ts";
import { callTool, type ToolContext } from "../tools/tool.ts";
import { benchHelp } from "./bench_support.ts";

benchHelp({
  name: "bench:diagrams",
  summary: "save-diagram and load-diagram of large drawings beside a bare parse and a SELECT.",
  options: {},
  example: "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task bench:diagrams",
  notes: ["Needs PostgreSQL: DATABASE_URL names a server where it may create and drop a database."],
});

const base = Deno.env.get("DATABASE_URL");
if (!base) {
  console.error(
    "bench:diagrams needs a real PostgreSQL: set DATABASE_URL (the user needs CREATEDB)",
  );
  Deno.exit(2);
}

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Untimed pairs each phase starts with: what the phase before left (garbage to collect, the
 * server's background work) settles in them rather than in the first timed runs. */
const SETTLE_PAIRS = 2;

/**
 * Times `fn` against `baseline`, alternating them run by run so that load from other work on
 * the machine falls on both alike; returns both medians of `runs` timed pairs, after
 * SETTLE_PAIRS untimed ones.
 */
async function paired(
  runs: number,
  baseline: () => Promise<unknown> | unknown,
  fn: () => Promise<unknown> | unknown,
): Promise<[number, number]> {
  for (let i = 0; i < SETTLE_PAIRS; i++) {
    await baseline();
    await fn();
  }
  const b: number[] = [];
  const f: number[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(await time(baseline));
    f.push(await time(fn));
  }
  return [med(b), med(f)];
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const ratio = (a: number, b: number, target: number) =>
  `${(a / b).toFixed(2)}x (target <= ${target}x: ${a / b <= target ? "met" : "NOT met"})`;

const name = `archiflow_bench_${Date.now().toString(36)}`;
const admin = postgres(base, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const db = openPostgres(url.toString(), { max: 4, applicationName: "archiflow-bench" });
const registry = createRegistry();
const ctx: ToolContext = {
  db,
  config: loadConfig({}),
  events: new EventHub(),
  log: createLogger("silent"),
  actor: { user: "bench", scope: "admin", clientAddr: null, userAgent: null, requestId: null },
};
const call = (tool: string, args: Record<string, unknown>) => callTool(registry, tool, args, ctx);

/**
 * Saves new versions of a throwaway copy until the server's buffer pool has handed out as many
 * buffers as it holds. A server that just started has never touched most of its shared memory:
 * until then, every buffer a save fills is a page fault for the backend (over 400 per save of the
 * 1 MB corpus file, 10-20 microseconds each on a virtual machine), a cost a running server no
 * longer pays. The timed saves below meet a server past that point.
 */
async function untilBuffersCycled(
  what: string,
  xml: string,
): Promise<{ saves: number; poolMB: number; first: number; last: number }> {
  const [{ pool }] = await db.query<{ pool: number }>(
    "SELECT setting::bigint AS pool FROM pg_settings WHERE name = 'shared_buffers'",
  );
  const allocated = async () =>
    (await db.query<{ n: number }>("SELECT buffers_alloc AS n FROM pg_stat_bgwriter"))[0].n;
  const start = await allocated();
  const { id } = await call("save-diagram", { name: `${what} (buffers)`, xml }) as { id: string };
  const times: number[] = [];
  // The counter is reported by the background writer, a little behind; the cap bounds the wait.
  while (times.length < 500 && (await allocated()) - start < pool) {
    times.push(await time(() => call("save-diagram", { id, xml })));
  }
  // The copy stays: deleting its versions would leave autovacuum over a hundred megabytes to
  // clean up during the timed runs that follow. What the warm-up wrote is vacuumed, analysed
  // and checkpointed now, as pgbench does before its runs, rather than by the server's
  // background processes in the middle of them (CHECKPOINT needs a privileged user: skipped
  // otherwise).
  await db.query("VACUUM ANALYZE");
  await db.query("CHECKPOINT").catch(() => {});
  return {
    saves: times.length,
    poolMB: pool * 8 / 1024,
    first: med(times.slice(0, 5)),
    last: med(times.slice(-5)),
  };
}

async function bench(what: string, xml: string, runs: number, firstRuns: number): Promise<void> {
  const bare = new XMLParser({ ignoreAttributes: false });
  for (let i = 0; i < 2; i++) bare.parse(xml);
  // Warm the save path (parser, JSON, queries, driver and server buffers) on a throwaway
  // diagram of the same size whose shapes name other assets, so that the timed first save still
  // creates its whole inventory.
  const warmXml = xml.replaceAll('asset_id="', 'asset_id="warm-');
  const warm = await call("save-diagram", { name: `${what} (warm-up)`, xml: warmXml }) as {
    id: string;
  };
  // Deleting it unplugs every link it made: shown as is, with no baseline, so that a slow
  // unplugging (one statement per link) shows up here.
  let unplugged = 0;
  const deleteTime = await time(async () => {
    ({ links_disconnected: unplugged } = await call("delete-diagram", { id: warm.id }) as {
      links_disconnected: number;
    });
  });
  for (let i = 0; i < 2; i++) await parseDiagram(xml);
  const warmup = await untilBuffersCycled(what, warmXml);

  // The first save of a new diagram creates every device, port and link it draws. It is timed
  // `firstRuns` times, each on a copy whose shapes name assets no earlier run created (the
  // first, untimed run saves the XML as given; the copies are made beforehand), alternating
  // with bare parses as the saves below are.
  let first = {} as {
    id: string;
    stats: Record<string, number>;
    inventory: Record<string, number>;
  };
  const copies = Array.from(
    { length: SETTLE_PAIRS + firstRuns },
    (_, run) => run === 0 ? xml : xml.replaceAll('asset_id="', `asset_id="run${run}-`),
  );
  let run = 0;
  const [parseBeforeFirst, firstSave] = await paired(
    firstRuns,
    () => bare.parse(xml),
    async () => {
      const saved = await call("save-diagram", {
        name: `${what} (${run})`,
        xml: copies[run],
      }) as typeof first;
      if (run++ === 0) first = saved;
    },
  );
  // Further saves store a new version each; the inventory they imply is already in place.
  const [parse, resave] = await paired(
    runs,
    () => bare.parse(xml),
    () => call("save-diagram", { id: first.id, xml }),
  );
  // Another diagram of the same network: a new diagram row, devices refreshed, links shared.
  let copy = 0;
  const [parse2, secondDiagram] = await paired(
    runs,
    () => bare.parse(xml),
    () => call("save-diagram", { name: `${what} (copy ${++copy})`, xml }),
  );

  for (let i = 0; i < 2; i++) await call("load-diagram", { id: first.id });
  const [plain, load] = await paired(
    runs,
    () => db.query(sql("GetDiagramRow"), [first.id]),
    () => call("load-diagram", { id: first.id }),
  );

  const s = first.stats;
  const inv = first.inventory;
  console.log(
    `\n${what}: ${(xml.length / 1e6).toFixed(2)} MB, ${s.pages} pages, ${s.vertices} vertices, ` +
      `${s.edges} edges, ${s.devices} devices, ${s.links} links`,
  );
  console.log(
    `  inventory on first save: ${inv.devices_created} devices, ${inv.ports_created} ports, ` +
      `${inv.links_connected} links created`,
  );
  console.log(
    `  warm-up: ${warmup.saves} new versions until the buffer pool (${warmup.poolMB} MB) was ` +
      `cycled; their first 5 took ${ms(warmup.first)} (median), their last 5 ${ms(warmup.last)}`,
  );
  const line = (label: string, base: number, value: number, target: number, of: string) =>
    console.log(
      `  ${label.padEnd(44)} ${ms(value).padStart(10)} vs ${of} ${ms(base).padStart(10)}  ` +
        ratio(value, base, target),
    );
  line(
    `save-diagram, first save (median of ${firstRuns})`,
    parseBeforeFirst,
    firstSave,
    3,
    "parse",
  );
  line(`save-diagram, new version (median of ${runs})`, parse, resave, 3, "parse");
  line(`save-diagram, another diagram (median of ${runs})`, parse2, secondDiagram, 3, "parse");
  line(`load-diagram (median of ${runs})`, plain, load, 2, "SELECT");
  console.log(
    `  ${"delete-diagram (unplugs its links)".padEnd(44)} ${ms(deleteTime).padStart(10)}  ` +
      `${unplugged} links unplugged`,
  );
}

try {
  await migrate(db);
  const dir = corpusDir();
  if (dir === null) {
    console.log("corpus absent: skipping the largest corpus file");
  } else {
    const oracle = JSON.parse(Deno.readTextFileSync(`${dir}/drawio/ORACLE.json`)).files;
    let largest = "";
    let size = 0;
    for (const [file, info] of Object.entries(oracle) as [string, { ok: boolean }][]) {
      if (!info.ok || file.endsWith(".png") || file.endsWith(".svg")) continue;
      const sz = Deno.statSync(`${dir}/drawio/${file}`).size;
      if (sz > size) [largest, size] = [file, sz];
    }
    await bench(largest, Deno.readTextFileSync(`${dir}/drawio/${largest}`), 21, 11);
  }
  await bench(
    "generated network (5,000 devices, 10,000 links)",
    generateNetworkDiagram({ devices: 5000, links: 10000 }),
    5,
    5,
  );
} finally {
  await db.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
