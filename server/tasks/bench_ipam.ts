// deno task bench:ipam — allocation throughput, fill independence and pool listing cost against
// a real PostgreSQL (DATABASE_URL), each as a ratio to a baseline measured in the same run. It
// creates and drops its own database and runs the server as a separate process, as in production.
import postgres from "postgres";
import {
  benchDatabase,
  benchHelp,
  best,
  connectClient,
  cpuMs,
  measure as measureRun,
  requireDatabaseUrl,
  type ServerProcess,
  startServerProcess,
} from "./bench_support.ts";
import type { RpcClient } from "./rpc_client.ts";

benchHelp({
  name: "bench:ipam",
  summary: "Allocation throughput, fill independence and pool listing beside raw inserts.",
  options: {},
  example: "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task bench:ipam",
  notes: [
    "Needs PostgreSQL: DATABASE_URL names a server where it may create and drop a database.",
    "BENCH_CLIENTS (64), BENCH_ALLOCATIONS (20000), BENCH_LIST_POOLS (10000), BENCH_ONLY=hot;",
    "BENCH_CPU_PROF=<dir> profiles the server.",
  ],
});

const BASE_URL = requireDatabaseUrl("bench:ipam");
const CLIENTS = Number(Deno.env.get("BENCH_CLIENTS") ?? 64);
const HOT_ALLOCATIONS = Number(Deno.env.get("BENCH_ALLOCATIONS") ?? 20_000);
const POOLS_FOR_LIST = Number(Deno.env.get("BENCH_LIST_POOLS") ?? 10_000);
const SERVER_POOL_SIZE = Number(Deno.env.get("DATABASE_POOL_SIZE") ?? 10);
/** BENCH_ONLY=hot runs just the baseline and the hot pool (for quick comparisons). */
const ONLY_HOT = Deno.env.get("BENCH_ONLY") === "hot";

class Done extends Error {}

const db = await benchDatabase(BASE_URL);
const DB_URL = db.url;
const running: { server?: ServerProcess } = {};
const clients: RpcClient[] = [];
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};

try {
  running.server = await startServerProcess(DB_URL, {
    clients: CLIENTS,
    env: { DATABASE_POOL_SIZE: String(SERVER_POOL_SIZE) },
  });
  out(`# bench:ipam  ${new Date().toISOString()}`);
  out(
    `server: separate process, DATABASE_POOL_SIZE=${SERVER_POOL_SIZE}; clients: ${CLIENTS} WebSockets; cores: ${navigator.hardwareConcurrency}`,
  );
  for (let i = 0; i < CLIENTS; i++) clients.push(await connectClient(running.server));
  const c0 = clients[0];

  // Baseline: single-row INSERT transactions through postgres.js, same concurrency.
  const base = postgres(DB_URL, { max: SERVER_POOL_SIZE, onnotice: () => {}, prepare: true });
  await base.unsafe(
    "CREATE TABLE bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text NOT NULL)",
  );
  const baselineRate = await measure(HOT_ALLOCATIONS, async () => {
    await base.begin((tx) => tx.unsafe("INSERT INTO bench_baseline (v) VALUES ($1)", ["x"]));
  });
  out(
    `baseline  single-row INSERT transactions (postgres.js, ${CLIENTS} concurrent, pool ${SERVER_POOL_SIZE}): ${baselineRate}/s`,
  );

  // One hot pool.
  const hot = await c0.tool<{ id: string }>("create-ip-pool", {
    name: "hot",
    network: "10.0.0.0/16",
  });
  const cpuBefore = [cpuMs(running.server!.pid), cpuMs("self")];
  const hotRate = await measure(HOT_ALLOCATIONS, async (i) => {
    await clients[i % CLIENTS].tool("allocate-ip", { poolId: hot.id, assetId: `H${i}` });
  });
  const perCall = (i: number, pid: number | "self") =>
    ((cpuMs(pid) - cpuBefore[i]) * 1000 / HOT_ALLOCATIONS).toFixed(0);
  out(
    `hot pool  one /16, ${CLIENTS} clients: ${hotRate} allocations/s = ${
      (hotRate / baselineRate).toFixed(2)
    }x baseline (needs >= 5000/s and >= 0.40x); CPU per allocation: server ${
      perCall(0, running.server!.pid)
    } µs, bench clients ${perCall(1, "self")} µs`,
  );

  if (ONLY_HOT) {
    await base.end();
    throw new Done();
  }
  // 100 pools.
  const pools: string[] = [];
  for (let p = 0; p < 100; p++) {
    pools.push(
      (await c0.tool<{ id: string }>("create-ip-pool", {
        name: `multi-${p}`,
        network: `10.${100 + p}.0.0/16`,
      })).id,
    );
  }
  const multiRate = await measure(HOT_ALLOCATIONS, async (i) => {
    await clients[i % CLIENTS].tool("allocate-ip", { poolId: pools[(i * 7919) % 100] });
  });
  out(
    `100 pools ${CLIENTS} clients: ${multiRate} allocations/s = ${
      (multiRate / baselineRate).toFixed(2)
    }x baseline (needs >= 0.60x)`,
  );

  // Fill independence: a /16 holding 59,000 active addresses (with 1,000 scattered holes)
  // against an empty /16, the same number of allocations in each.
  const full = await c0.tool<{ id: string }>("create-ip-pool", {
    name: "full",
    network: "10.1.0.0/16",
  });
  const empty = await c0.tool<{ id: string }>("create-ip-pool", {
    name: "empty",
    network: "10.2.0.0/16",
  });
  for (let n = 0; n < 60_000; n += 1000) {
    await c0.tool("allocate-ip", { poolId: full.id, count: 1000, assetId: "FILL" });
  }
  await Promise.all(Array.from({ length: 1000 }, (_, k) => {
    const v = 1 + k * 59; // spread over the first 59,000 addresses
    return clients[k % CLIENTS].tool("release-ip", {
      poolId: full.id,
      ip: `10.1.${Math.floor(v / 256)}.${v % 256}`,
    });
  }));
  const fullState = await c0.tool("get-ip-pool", { poolId: full.id, sampleSize: 0 });
  // Measured empty, full, full, empty so that drifting machine load hits both alike.
  const N = 3000;
  const run = (poolId: string) =>
    measure(N, async (i) => {
      await clients[i % CLIENTS].tool("allocate-ip", { poolId });
    });
  const e1 = await run(empty.id);
  const f1 = await run(full.id);
  const f2 = await run(full.id);
  const e2 = await run(empty.id);
  const emptyRate = Math.round((e1 + e2) / 2);
  const fullRate = Math.round((f1 + f2) / 2);
  out(
    `fill      /16 holding ${fullState.allocated_count} active (1,000 holes): ${fullRate}/s vs empty /16: ${emptyRate}/s = ${
      (fullRate / emptyRate).toFixed(2)
    }x (needs >= 0.70x)`,
  );

  // get-ip-pools over 10,000 pools, including /8s and IPv6 /48s, against a plain SELECT.
  const existing = (await base.unsafe("SELECT count(*)::int AS n FROM ip_pools"))[0].n;
  const toCreate = POOLS_FOR_LIST - existing;
  await measure(toCreate, async (i) => {
    const network = i % 20 === 0
      ? `${(i / 20) % 223 + 1}.0.0.0/8`
      : i % 20 === 1
      ? `2001:db8:${(i % 65536).toString(16)}::/48`
      : `172.${16 + Math.floor(i / 256) % 16}.${i % 256}.0/24`;
    const pool = await clients[i % CLIENTS].tool<{ id: string }>("create-ip-pool", {
      name: `list-${i}`,
      network,
      gateway: undefined,
    });
    if (i % 10 === 0) await clients[i % CLIENTS].tool("allocate-ip", { poolId: pool.id, count: 5 });
  });
  const count = (await base.unsafe("SELECT count(*)::int AS n FROM ip_pools"))[0].n;
  const plain = await best(5, async () => {
    await base.unsafe("SELECT * FROM ip_pools ORDER BY id", [], { prepare: true });
  });
  const listedNoSample = await best(5, async () => {
    const r = await c0.tool<{ pools: unknown[] }>("get-ip-pools", { limit: 10_000 });
    if (r.pools.length !== count) throw new Error(`get-ip-pools returned ${r.pools.length}`);
  });
  const listed = await best(5, async () => {
    await c0.tool<{ pools: unknown[] }>("get-ip-pools", { limit: 10_000, sampleSize: 10 });
  });
  const listSql = Deno.readTextFileSync(
    new URL("../../sql/queries/ipam/list_pools.sql", import.meta.url),
  );
  // The statement alone, planned per call as the server runs it: without and with samples.
  const listOnly = await best(5, async () => {
    await base.unsafe(listSql, [null, null, null, null, 10_000, 0, 0, null]);
  });
  const samplesToo = await best(5, async () => {
    await base.unsafe(listSql, [null, null, null, null, 10_000, 0, 10, null]);
  });
  out(
    `          (breakdown: ListPools SQL ${listOnly.toFixed(1)} ms without samples, ${
      samplesToo.toFixed(1)
    } ms with 10, through postgres.js without the server)`,
  );
  out(
    `list      get-ip-pools over ${count} pools (default: counts, no samples): ${
      listedNoSample.toFixed(1)
    } ms; plain SELECT of the same rows: ${plain.toFixed(1)} ms = ${
      (listedNoSample / plain).toFixed(2)
    }x (needs <= 5x); with sampleSize 10: ${listed.toFixed(1)} ms = ${
      (listed / plain).toFixed(2)
    }x`,
  );

  const dupes = await base.unsafe(
    `SELECT count(*)::int AS n FROM (SELECT pool_id, ip_address FROM ip_allocations WHERE is_active
      GROUP BY 1, 2 HAVING count(*) > 1) d`,
  );
  const total = await base.unsafe(
    "SELECT count(*)::int AS n FROM ip_allocations WHERE is_active",
  );
  const counters = await base.unsafe(
    `SELECT count(*)::int AS n FROM ip_pool_state s
      WHERE s.active_count <> (SELECT count(*) FROM ip_allocations a WHERE a.pool_id = s.pool_id AND a.is_active)`,
  );
  out(
    `check     ${total[0].n} active allocations; addresses active twice in a pool: ${
      dupes[0].n
    }; pools whose counter disagrees with their rows: ${counters[0].n} -> ${
      dupes[0].n === 0 && counters[0].n === 0 ? "OK" : "FAILED"
    }`,
  );
  await base.end();
  if (dupes[0].n !== 0 || counters[0].n !== 0) Deno.exitCode = 1;
} catch (err) {
  if (!(err instanceof Done)) throw err;
} finally {
  for (const c of clients) c.close();
  await running.server?.stop();
  await db.drop();
}

/** Runs n operations with CLIENTS concurrent workers; returns operations per second. */
async function measure(n: number, op: (i: number) => Promise<void>): Promise<number> {
  return (await measureRun(n, CLIENTS, (i) => op(i))).rate;
}
