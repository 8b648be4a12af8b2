// deno task bench:calls — the everyday calls at 16 clients against a real PostgreSQL
// (DATABASE_URL), each beside a baseline measured in the same run through postgres.js at the same
// concurrency: save-diagram of a ~100 KB drawing (against 100 KB single-row INSERTs), allocate-ip
// spread over 25 pools and on one hot pool (against small single-row INSERTs), and get-ip-pools
// over 10,000 pools with samples (against a plain SELECT of the pool rows). Per call it prints the
// rate, p50/p95, the ratio to the baseline and the CPU of the server process and of the
// PostgreSQL backends it used.
import postgres from "postgres";
import { sqlText } from "../db/queries.ts";
import { generatePlainDrawing } from "../diagrams/generate.ts";
import {
  backendCpu,
  benchDatabase,
  benchHelp,
  best,
  connectClient,
  cpuPerCall,
  fmt,
  measure,
  requireDatabaseUrl,
  type Run,
  type ServerProcess,
  startServerProcess,
} from "./bench_support.ts";
import type { RpcClient } from "./rpc_client.ts";

benchHelp({
  name: "bench:calls",
  summary: "Times save-diagram, allocate-ip and get-ip-pools at 16 clients beside raw inserts.",
  options: {},
  example: "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task bench:calls",
  notes: [
    "Needs PostgreSQL: DATABASE_URL names a server where it may create and drop a database.",
    "BENCH_ONLY=save|allocate|list|memory runs one part; BENCH_CLIENTS (16), BENCH_SAVES (500),",
    "BENCH_ALLOCATIONS (2000), BENCH_LIST_POOLS (10000); BENCH_CPU_PROF=<dir> profiles the server.",
  ],
});

const CLIENTS = Number(Deno.env.get("BENCH_CLIENTS") ?? 16);
const SAVES = Number(Deno.env.get("BENCH_SAVES") ?? 500);
const ALLOCATIONS = Number(Deno.env.get("BENCH_ALLOCATIONS") ?? 2000);
const LIST_POOLS = Number(Deno.env.get("BENCH_LIST_POOLS") ?? 10_000);
/** BENCH_ONLY=save|allocate|list|memory runs one part. */
const ONLY = Deno.env.get("BENCH_ONLY");
const BENCH_APP = "archiflow-bench";

const databaseUrl = requireDatabaseUrl("bench:calls");
const db = await benchDatabase(databaseUrl);
const dbName = new URL(db.url).pathname.slice(1);
let server: ServerProcess | undefined;
const clients: RpcClient[] = [];
const base = postgres(db.url, {
  max: CLIENTS,
  prepare: true,
  onnotice: () => {},
  connection: { application_name: BENCH_APP },
});
// CPU of the server's own backends (application_name "archiflow") and of the baseline's.
const serverBackends = backendCpu(base, dbName, "archiflow");
const baseBackends = backendCpu(base, dbName, BENCH_APP);

const line = (label: string, r: Run) =>
  `${label}: ${r.rate}/s, p50 ${fmt(r.p50, 1)} ms, p95 ${fmt(r.p95, 1)} ms (p95/p50 ${
    fmt(r.p95 / r.p50)
  })`;

/** A call measured with the CPU of the server process and of the server's backends per call. */
async function measureCalls(n: number, op: (i: number, w: number) => Promise<void>) {
  await serverBackends.start();
  const serverCpu = cpuPerCall(server!.pid);
  const run = await measure(n, CLIENTS, op);
  return { run, serverMs: serverCpu(n), dbMs: await serverBackends.perCallMs(n) };
}

/** The baseline: one single-row INSERT transaction per operation, with the DB CPU per insert. */
async function measureInserts(n: number, value: string) {
  await base.unsafe("TRUNCATE bench_raw");
  await baseBackends.start();
  const run = await measure(n, CLIENTS, async () => {
    await base.begin((tx) => tx.unsafe("INSERT INTO bench_raw (v) VALUES ($1)", [value]));
  });
  return { run, dbMs: await baseBackends.perCallMs(n) };
}

try {
  server = await startServerProcess(db.url, { clients: CLIENTS });
  for (let i = 0; i < CLIENTS; i++) clients.push(await connectClient(server));
  const c0 = clients[0];
  await base.unsafe(
    "CREATE TABLE bench_raw (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text NOT NULL)",
  );
  console.log(`# bench:calls  ${new Date().toISOString()}`);
  console.log(
    `server: separate process; ${CLIENTS} WebSocket clients; baseline: postgres.js, ${CLIENTS} connections; cores: ${navigator.hardwareConcurrency}`,
  );

  if (!ONLY || ONLY === "save") {
    const drawings = [0, 1, 2, 3].map((moved) =>
      generatePlainDrawing({ vertices: 300, edges: 300, moved })
    );
    const bytes = drawings[0].length;
    // Each client edits its own diagram: the first save creates it, later ones add versions.
    const ids = await Promise.all(clients.map(async (c, w) => {
      const d = await c.tool("save-diagram", { name: `bench ${w}`, xml: drawings[0] });
      return d.id as string;
    }));
    // A round of warm-up so that both sides run with prepared statements and warm caches.
    await measure(CLIENTS * 4, CLIENTS, async (i, w) => {
      await clients[w].tool("save-diagram", { id: ids[w], xml: drawings[i % 4] });
    });
    // The same text as the saves: PostgreSQL compresses it as it would the drawing.
    const raw = await measureInserts(SAVES, drawings[0]);
    const saves = await measureCalls(SAVES, async (i, w) => {
      await clients[w].tool("save-diagram", { id: ids[w], xml: drawings[i % 4] });
    });
    console.log(
      `\nsave-diagram, ${
        (bytes / 1024).toFixed(0)
      } KB drawing (300 shapes, 300 edges), ${SAVES} saves`,
    );
    console.log(
      `  raw   ${line(`${(bytes / 1024).toFixed(0)} KB INSERTs`, raw.run)}; DB CPU ${
        fmt(raw.dbMs)
      } ms/insert`,
    );
    console.log(
      `  call  ${line("save-diagram", saves.run)} = ${
        fmt(saves.run.rate / raw.run.rate)
      }x raw (target >= 0.5x); CPU per save: server ${
        fmt(saves.serverMs)
      } ms (target <= 2), database ${fmt(saves.dbMs)} ms`,
    );
  }

  if (!ONLY || ONLY === "allocate") {
    const pools: string[] = [];
    for (let p = 0; p < 25; p++) {
      pools.push(
        (await c0.tool<{ id: string }>("create-ip-pool", {
          name: `spread-${p}`,
          network: `10.${p}.0.0/24`,
        })).id,
      );
    }
    const hot =
      (await c0.tool<{ id: string }>("create-ip-pool", { name: "hot", network: "10.200.0.0/16" }))
        .id;
    // Warm-up on a pool of its own.
    const warm =
      (await c0.tool<{ id: string }>("create-ip-pool", { name: "warm", network: "10.201.0.0/16" }))
        .id;
    await measure(200, CLIENTS, async (_, w) => {
      await clients[w].tool("allocate-ip", { poolId: warm });
    });
    const raw = await measureInserts(ALLOCATIONS, "x");
    // 25 /24 pools hold 6,350 addresses: 2,000 random allocations never exhaust one.
    const spread = await measureCalls(ALLOCATIONS, async (i, w) => {
      await clients[w].tool("allocate-ip", { poolId: pools[(i * 7919 + w) % 25] });
    });
    const hotRun = await measureCalls(ALLOCATIONS, async (_, w) => {
      await clients[w].tool("allocate-ip", { poolId: hot });
    });
    console.log(`\nallocate-ip, ${ALLOCATIONS} calls`);
    console.log(
      `  raw   ${line("single-row INSERTs", raw.run)}; DB CPU ${fmt(raw.dbMs, 3)} ms/insert`,
    );
    for (
      const [label, r, target] of [["25 pools", spread, "0.4"], ["hot /16", hotRun, "0.5"]] as const
    ) {
      console.log(
        `  call  ${line(label, r.run)} = ${
          fmt(r.run.rate / raw.run.rate)
        }x raw (target >= ${target}x); CPU per allocation: server ${
          fmt(r.serverMs, 3)
        } ms, database ${fmt(r.dbMs, 3)} ms${label === "25 pools" ? " (target <= 0.2)" : ""}`,
      );
    }
    const dupes = await base.unsafe(
      `SELECT count(*)::int AS n FROM (SELECT pool_id, ip_address FROM ip_allocations
        WHERE is_active GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    console.log(
      `  check addresses active twice: ${dupes[0].n} -> ${dupes[0].n === 0 ? "OK" : "FAILED"}`,
    );
    if (dupes[0].n !== 0) Deno.exitCode = 1;
  }

  if (!ONLY || ONLY === "memory") {
    // A 5 MB drawing (plain shapes and edges, as a person draws them) saved once, then a burst of
    // 1 MB saves from every client; the server's resident memory before, at its peak and after.
    const big = generatePlainDrawing({ vertices: 14_000, edges: 14_000 });
    const oneMb = generatePlainDrawing({ vertices: 2800, edges: 2800 });
    const d = await c0.tool("save-diagram", { name: "memory", xml: oneMb });
    await c0.tool("save-diagram", { id: d.id, xml: big });
    await settle();
    const baseline = memory(server.pid);
    resetPeak(server.pid);
    await c0.tool("save-diagram", { id: d.id, xml: big });
    const peak = memory(server.pid).peak - baseline.rss;
    console.log(`\nmemory (server resident set)`);
    console.log(
      `  one ${mb(big.length)} MB save: peak +${mb(peak)} MB = ${
        fmt(peak / big.length, 1)
      }x the drawing (target <= 10x); baseline ${mb(baseline.rss)} MB`,
    );
    await measure(CLIENTS * 4, CLIENTS, async (_, w) => {
      await clients[w].tool("save-diagram", { name: `burst ${w}`, xml: oneMb });
    });
    const during = memory(server.pid);
    console.log(
      `  ${CLIENTS * 4} saves of ${mb(oneMb.length)} MB from ${CLIENTS} clients: peak ${
        mb(during.peak)
      } MB; then, idle (should return near 1x the baseline):`,
    );
    // How the resident set decays while the server is idle: V8 shrinks its heap on idle
    // collections, which come some seconds apart.
    let waited = 0;
    for (const at of [3, 10, 30, 60]) {
      await settle((at - waited) * 1000);
      waited = at;
      const after = memory(server.pid);
      console.log(
        `    after ${at} s: ${mb(after.rss)} MB = ${fmt(after.rss / baseline.rss)}x the baseline`,
      );
    }
  }

  if (!ONLY || ONLY === "list") {
    const have = (await base.unsafe("SELECT count(*)::int AS n FROM ip_pools"))[0].n;
    // Mostly /24s, some /8s and IPv6 /48s; every tenth pool holds a few addresses.
    await measure(Math.max(0, LIST_POOLS - have), CLIENTS, async (i, w) => {
      const network = i % 20 === 0
        ? `${(i / 20) % 223 + 1}.0.0.0/8`
        : i % 20 === 1
        ? `2001:db8:${(i % 65536).toString(16)}::/48`
        : `172.${16 + Math.floor(i / 256) % 16}.${i % 256}.0/24`;
      const pool = await clients[w].tool<{ id: string }>("create-ip-pool", {
        name: `list-${i}`,
        network,
      });
      if (i % 10 === 0) await clients[w].tool("allocate-ip", { poolId: pool.id, count: 5 });
    });
    const count = (await base.unsafe("SELECT count(*)::int AS n FROM ip_pools"))[0].n;
    // Statistics as autovacuum leaves them within a minute of the inserts: on the stale ones
    // the planner sorts each pool's free ranges instead of reading them in index order.
    await base.unsafe("ANALYZE");
    const plain = await best(5, async () => {
      await base.unsafe("SELECT * FROM ip_pools ORDER BY id", [], { prepare: true });
    });
    // The same call from a client that took MCP's result shape (the JSON twice) and from one
    // that asked for structuredContent alone in initialize, as the editor does.
    const lean = await connectClient(server);
    clients.push(lean);
    await lean.initialize({ structuredContentOnly: true });
    console.log(`\nget-ip-pools over ${count} pools, samples 10 (best of 5)`);
    console.log(`  raw   plain SELECT of the pool rows: ${fmt(plain, 1)} ms`);
    const listCall = async (label: string, srv: ServerProcess, client: RpcClient) => {
      const call = () =>
        client.tool<{ pools: unknown[] }>("get-ip-pools", {
          limit: count,
          sampleSize: 10,
        });
      // Two calls first, so that the server has compiled its code for this one.
      for (let i = 0; i < 2; i++) await call();
      const done = cpuPerCall(srv.pid);
      await serverBackends.start();
      const listed = await best(5, async () => {
        const r = await call();
        if (r.pools.length !== count) throw new Error(`get-ip-pools returned ${r.pools.length}`);
      });
      console.log(
        `  call  get-ip-pools, ${label}: ${fmt(listed, 1)} ms = ${
          fmt(listed / plain)
        }x (target <= 3x); CPU per call: server ${fmt(done(5), 1)} ms, database ${
          fmt(await serverBackends.perCallMs(5), 1)
        } ms`,
      );
    };
    await listCall("MCP shape", server, c0);
    await listCall("structured only", server, lean);
    // The README's deployment advice for such listings (jit = off, set for the database here),
    // taken by a second server whose connections start after it: configuration, not the code.
    await base.unsafe(`ALTER DATABASE ${dbName} SET jit = off`);
    const configured = await startServerProcess(db.url, { clients: 1 });
    try {
      const client = await connectClient(configured);
      await client.initialize({ structuredContentOnly: true });
      await listCall("structured only, PostgreSQL with jit = off", configured, client);
      client.close();
    } finally {
      await configured.stop();
      await base.unsafe(`ALTER DATABASE ${dbName} RESET jit`);
    }
    // Where the database's share goes: the statement's own execution and, when its estimated
    // cost passes jit_above_cost, the JIT compilation PostgreSQL adds (deployment configuration;
    // see the README).
    const explain = async (timing: boolean, jitOn = true) => {
      const [row] = await base.begin(async (tx) => {
        if (!jitOn) await tx.unsafe("SET LOCAL jit = off");
        return await tx.unsafe(
          `EXPLAIN (ANALYZE, TIMING ${timing ? "ON" : "OFF"}, FORMAT JSON) ${sqlText("ListPools")}`,
          [null, null, null, null, count, 0, 10, null],
        );
      });
      return (row["QUERY PLAN"] as {
        "Planning Time": number;
        "Execution Time": number;
        JIT?: { Timing?: { Total: number } };
      }[])[0];
    };
    // Per-node timing slows the execution down; the JIT's own timing needs it.
    const plan = await explain(false);
    const jit = (await explain(true)).JIT?.Timing?.Total ?? 0;
    // With the README's deployment advice for such listings.
    const withoutJit = await explain(false, false);
    console.log(
      `  the statement alone (EXPLAIN ANALYZE): planning ${fmt(plan["Planning Time"], 1)} ms, ` +
        `execution ${fmt(plan["Execution Time"], 1)} ms, of which JIT ${fmt(jit, 1)} ms; ` +
        `with jit = off ${fmt(withoutJit["Execution Time"], 1)} ms`,
    );
  }
} finally {
  for (const c of clients) c.close();
  await server?.stop();
  await base.end();
  await db.drop();
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** The resident set of a process now and its peak since the last resetPeak (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Starts a new peak: "5" to clear_refs resets VmHWM to the current resident set. */
function resetPeak(pid: number): void {
  Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** Lets the server go idle for a while (its garbage collector runs on idle). */
function settle(ms = 3000): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
