// `deno task bench:rest [--concurrency 8] [--seconds 5]`: GET /api/devices/?limit=50 over 10,000
// devices against the same SQL run directly through postgres.js, at the same concurrency, in the
// same run. Needs a real PostgreSQL (DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres); creates and drops its own database.
import postgres from "postgres";
import { createToken } from "../auth/tokens.ts";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openPostgres } from "../db/postgres.ts";
import { sqlText } from "../db/queries.ts";
import { createLogger } from "../log.ts";
import { buildListQuery } from "../routes/list_query.ts";
import { RESOURCES } from "../routes/resources.ts";
import { startServer } from "../server.ts";
import { type CommandSpec, parseCommand, runTask, UsageError } from "./cli.ts";

const BENCH_REST = {
  name: "bench:rest",
  summary: "Compares GET /api/devices/?limit=50 with its SQL run directly, in the same run.",
  options: {
    concurrency: {
      type: "integer",
      min: 1,
      value: "n",
      description: "requests in flight at once",
      defaultText: "BENCH_CONCURRENCY or 8",
    },
    seconds: {
      type: "integer",
      min: 1,
      value: "n",
      description: "how long each side runs",
      defaultText: "BENCH_SECONDS or 5",
    },
  },
  example:
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task bench:rest --seconds 10",
  notes: [
    "Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a",
    "server where it may create and drop a database of its own.",
  ],
} as const satisfies CommandSpec;

const DEVICES = 10_000;
const POOL = 8;

/** A positive whole number from the environment, or `fallback` when unset. */
function fromEnv(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${name} must be a whole number of at least 1, not "${text}"`);
  }
  return n;
}

/** Runs `one` in `concurrency` loops for `seconds`; returns completed operations per second. */
async function rate(
  one: () => Promise<void>,
  concurrency: number,
  seconds: number,
): Promise<{ perSecond: number; ops: number }> {
  // Warm-up: prepared statements, connections, JIT.
  for (let i = 0; i < 50; i++) await one();
  let ops = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      await one();
      ops++;
    }
  }));
  return { perSecond: ops / ((performance.now() - started) / 1000), ops };
}

Deno.exitCode = await runTask(
  parseCommand(BENCH_REST, Deno.args),
  "bench:rest failed",
  async (args) => {
    const concurrency = args.concurrency ?? fromEnv("BENCH_CONCURRENCY", 8);
    const seconds = args.seconds ?? fromEnv("BENCH_SECONDS", 5);
    const base = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
    const name = `archiflow_bench_${Date.now().toString(36)}`;
    const url = new URL(base);
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
    } catch (err) {
      await admin.end();
      throw new Error(`cannot create a database on ${url.host}`, { cause: err });
    }
    url.pathname = `/${name}`;
    const db = openPostgres(url.toString(), { max: POOL });
    const direct = openPostgres(url.toString(), { max: POOL, applicationName: "bench-direct" });
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      await migrate(db);
      await db.query(
        `INSERT INTO network_devices (asset_id, device_name, device_type, vendor, status, site, primary_ip)
       SELECT 'B-' || i, 'dev-' || lpad((i * 7919 % 100000)::text, 6, '0'),
              (ARRAY['switch', 'router', 'firewall'])[1 + i % 3], 'Vendor ' || (i % 17),
              'active', 'site-' || (i % 40), ('10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256))::inet
         FROM generate_series(1, $1::int) i`,
        [DEVICES],
      );
      await db.query("ANALYZE network_devices");
      const { key } = await createToken(db, { user: "bench", scope: "read" });
      const config = loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: url.toString(),
        DATABASE_POOL_SIZE: String(POOL),
        ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "0",
        ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "0",
      });
      server = await startServer(config, db, createLogger("warn"));

      const devices = RESOURCES.find((r) => r.path === "devices")!;
      const q = buildListQuery(
        {
          base: sqlText(devices.list.query),
          fields: devices.list.fields,
          search: devices.list.search,
          ordering: devices.list.ordering,
          key: devices.key!.column,
        },
        new URLSearchParams("limit=50"),
      );
      const target = `${server.url}/api/devices/?limit=50`;
      const headers = { authorization: `Token ${key}` };
      const check = await (await fetch(target, { headers })).json();
      if (check.count !== DEVICES || check.results.length !== 50) {
        throw new Error(`unexpected response: count ${check.count}`);
      }
      const rows = await direct.query(q.text, q.values);
      if (rows.length !== 50) throw new Error("the direct query returned the wrong page");

      const sqlRate = await rate(
        async () => {
          await direct.query(q.text, q.values);
        },
        concurrency,
        seconds,
      );
      const restRate = await rate(
        async () => {
          const res = await fetch(target, { headers });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`status ${res.status}`);
        },
        concurrency,
        seconds,
      );
      console.log(
        `devices: ${DEVICES}, page: 50, concurrency: ${concurrency}, pool: ${POOL}, ${seconds}s each`,
      );
      console.log(`direct SQL (postgres.js): ${sqlRate.perSecond.toFixed(0)} pages/s`);
      console.log(`REST /api/devices/:       ${restRate.perSecond.toFixed(0)} pages/s`);
      console.log(
        `ratio REST / SQL:         ${(restRate.perSecond / sqlRate.perSecond).toFixed(2)}`,
      );
    } finally {
      await server?.shutdown();
      await db.close();
      await direct.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
);
