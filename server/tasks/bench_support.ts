// What the PostgreSQL benches share: a database of their own, the server as a separate process
// (as in production), a JSON-RPC client over WebSocket, concurrent runs with latency
// percentiles, and CPU time read from /proc for the server and for the PostgreSQL backends it
// used. Loaded only by `deno task bench:*`, never by the server.
import postgres from "postgres";
import { generateKey } from "../auth/tokens.ts";
import { type CommandSpec, parseCommand } from "./cli.ts";
import { RpcClient } from "./rpc_client.ts";

export type Sql = ReturnType<typeof postgres>;

/** A database created for one bench run and dropped afterwards. */
export async function benchDatabase(
  baseUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `archiflow_bench_${Date.now().toString(36)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Answers `--help` (exit 0) or refuses any argument (one line, exit 2): a bench's settings
 * are environment variables, which its help lists.
 */
export function benchHelp(spec: CommandSpec): void {
  const parsed = parseCommand(spec, Deno.args);
  if (parsed.kind === "help") {
    console.log(parsed.text);
    Deno.exit(0);
  }
  if (parsed.kind === "usage") {
    console.error(parsed.message);
    Deno.exit(2);
  }
}

/** The DATABASE_URL a PostgreSQL bench needs, or exit 2 with one line saying so. */
export function requireDatabaseUrl(task: string): string {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) {
    console.error(`${task} needs DATABASE_URL (a PostgreSQL server it may create databases on)`);
    Deno.exit(2);
  }
  return url;
}

// ---------------------------------------------------------------------------------------
// The server as a separate process

export interface ServerProcess {
  url: string;
  pid: number;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startServerProcess(
  databaseUrl: string,
  opts: { clients: number; env?: Record<string, string> },
): Promise<ServerProcess> {
  const adminKey = generateKey();
  const main = new URL("../main.ts", import.meta.url).pathname;
  const prof = Deno.env.get("BENCH_CPU_PROF");
  const child = new Deno.Command(Deno.execPath(), {
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server there.
    args: prof ? ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${prof}`, main] : ["run", "-A", main],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      ARCHIFLOW_LOG_LEVEL: "info",
      ARCHIFLOW_ADMIN_TOKEN: adminKey,
      // Every call counts against the per-token limit; a bench measures the calls.
      ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "0",
      ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "0",
      // All clients share one key and one address.
      ARCHIFLOW_MAX_SOCKETS_PER_TOKEN: String(Math.max(opts.clients, 32)),
      ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS: String(Math.max(opts.clients, 64)),
      ...opts.env,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
      await child.status;
    } catch { /* already gone */ }
  };
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before listening");
    buf += value;
    for (const line of buf.split("\n").slice(0, -1)) {
      let msg: { msg?: string; url?: string } | undefined;
      try {
        msg = JSON.parse(line);
      } catch { /* not a log line */ }
      if (msg?.msg === "listening") {
        // Keep draining stdout so the server never blocks on a full pipe.
        (async () => {
          while (!(await reader.read()).done) { /* discard */ }
        })();
        return { url: String(msg.url).replace(/^http/, "ws"), pid: child.pid, adminKey, stop };
      }
    }
    buf = buf.slice(buf.lastIndexOf("\n") + 1);
  }
}

// ---------------------------------------------------------------------------------------
// Clients: the one JSON-RPC client the tests use as well (rpc_client.ts)

/** A WebSocket JSON-RPC client on the bench's server, with the admin key. */
export function connectClient(server: ServerProcess): Promise<RpcClient> {
  return RpcClient.connect(`${server.url}/ws`, ["archiflow", `archiflow.token.${server.adminKey}`]);
}

// ---------------------------------------------------------------------------------------
// Measuring

export interface Run {
  n: number;
  ms: number;
  rate: number;
  p50: number;
  p95: number;
}

/** Runs n operations with `workers` concurrent workers; rate and latency percentiles. */
export async function measure(
  n: number,
  workers: number,
  op: (i: number, worker: number) => Promise<void>,
): Promise<Run> {
  let next = 0;
  const took: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      await op(i, w);
      took.push(performance.now() - s);
    }
  }));
  const ms = performance.now() - t0;
  took.sort((a, b) => a - b);
  const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))];
  return { n, ms, rate: Math.round(n / (ms / 1000)), p50: at(0.5), p95: at(0.95) };
}

/** The fastest of k runs, in milliseconds. */
export async function best(k: number, fn: () => Promise<void>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < k; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc). */
export function cpuMs(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/**
 * CPU used by the PostgreSQL backends of one database whose application_name is `app`: call
 * `start()` before a run and `perCallMs(n)` after it. Backends that appear during the run count
 * from zero; one that closes during the run is missed (the server's pool keeps idle connections
 * far longer than a run).
 */
export function backendCpu(sql: Sql, database: string, app: string) {
  const read = async () => {
    const rows = await sql.unsafe(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
      [database, app],
    );
    return new Map(rows.map((r) => [Number(r.pid), cpuMs(Number(r.pid))]));
  };
  let before = new Map<number, number>();
  return {
    async start() {
      before = await read();
    },
    async perCallMs(calls: number): Promise<number> {
      const after = await read();
      let total = 0;
      for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
      return total / calls;
    },
  };
}

/** CPU a process used per call over a run: `const done = cpuPerCall(pid); ...; done(n)`. */
export function cpuPerCall(pid: number | "self"): (calls: number) => number {
  const before = cpuMs(pid);
  return (calls) => (cpuMs(pid) - before) / calls;
}

export const fmt = (ms: number, digits = 2) => ms.toFixed(digits);
