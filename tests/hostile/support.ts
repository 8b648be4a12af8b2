// The server every hostile test attacks: main.ts in a child process (so an attack that kills or
// bloats it cannot take the test runner with it) over a fresh database, watched while it runs.
// The watch asks /health every 200 ms and records the slowest answer (a check with no answer
// within HEALTH_DEADLINE_MS counts as failed), and reads the process's peak resident memory from
// /proc, so each test can require that the server kept serving everyone else.
import { createToken } from "../../server/auth/tokens.ts";
import { migrate } from "../../server/db/migrate.ts";
import { openPglite } from "../../server/db/pglite.ts";
import type { Db } from "../../server/db/db.ts";
import type { Scope } from "../../server/auth/actor.ts";
import { createTestDb, type TestDb } from "../support/db.ts";
import { type ServerProcess, spawnServer } from "../support/process.ts";
import { RpcClient } from "../support/rpc_client.ts";
import { wsProtocols } from "../support/server.ts";

/**
 * How long a /health check may go unanswered before the server counts as no longer serving.
 * It tells a server that stopped from one that is slow: how slow it got is printed, not
 * asserted (tests assert no timings), and on a 2-core machine shared with a browser test a
 * collection of the heap an attack of 8 MB answers builds takes seconds.
 */
const HEALTH_DEADLINE_MS = 15_000;
import { slowFile } from "../support/timeouts.ts";

// Every hostile test runs a server process and pushes it to a limit: they get the slow limit.
slowFile();

/** Options of every hostile test: none beyond the defaults (sanitizers on). */
export const hostileOpts = {};

export interface HostileServer extends ServerProcess {
  /** The child's process id (for /proc). */
  pid: number;
  /** Keys created before the server started, in the order asked for. */
  keys: string[];
  /** fetch() with the admin key unless init carries its own Authorization. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A WebSocket JSON-RPC client with `key` (default: the admin key). */
  client(key?: string): Promise<RpcClient>;
  /** The slowest /health answer so far in ms (Infinity once one failed or went unanswered). */
  slowestHealthMs(): number;
  /** Failed /health checks so far (with what went wrong). */
  healthFailures(): string[];
  /** Peak resident memory of the server process so far, in bytes (VmHWM). */
  peakRssBytes(): Promise<number>;
  /** True while the child process has not exited. */
  alive(): boolean;
  /** Stops the watch and the server, and drops the database. */
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Extra environment for the server (limits under test). */
  env?: Record<string, string>;
  /** API keys to create before the server starts. */
  tokens?: { scope: Scope; user?: string; expiresAt?: Date }[];
  /** Prepares the database before the server starts (rows the attack needs). */
  seed?: (db: Db) => Promise<void>;
}

/** Starts main.ts on a fresh database (PostgreSQL when DATABASE_URL is set, else PGlite). */
export async function startHostileServer(options: HostileOptions = {}): Promise<HostileServer> {
  let testDb: TestDb | null = null;
  let dataDir: string | null = null;
  let db: Db;
  if (Deno.env.get("DATABASE_URL")) {
    testDb = await createTestDb({ poolSize: 2 });
    db = testDb.db;
  } else {
    // PGlite keeps one process per data folder: prepare it here, close it, then start the server.
    dataDir = await Deno.makeTempDir({ prefix: "archiflow-hostile-" });
    db = await openPglite(dataDir);
  }
  await migrate(db);
  const keys: string[] = [];
  for (const t of options.tokens ?? []) {
    keys.push(
      (await createToken(db, {
        user: t.user ?? `hostile-${t.scope}`,
        scope: t.scope,
        expiresAt: t.expiresAt,
      }))
        .key,
    );
  }
  await options.seed?.(db);
  if (dataDir) await db.close();

  const env: Record<string, string> = {
    ARCHIFLOW_LOG_LEVEL: "info",
    ...(testDb?.url ? { DATABASE_URL: testDb.url } : { ARCHIFLOW_DATA_DIR: dataDir! }),
    ...options.env,
  };
  const server = await spawnServer(env);
  const pid = server.child.pid;
  let exited = false;
  server.child.status.then(() => exited = true);

  let slowest = 0;
  const failures: string[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching && !exited) {
      const started = performance.now();
      try {
        const res = await fetch(`${server.url}/health`, {
          signal: AbortSignal.timeout(HEALTH_DEADLINE_MS),
        });
        await res.body?.cancel();
        if (!res.ok) failures.push(`/health answered ${res.status}`);
      } catch (err) {
        if (!watching) break;
        failures.push(`/health failed: ${err instanceof Error ? err.message : String(err)}`);
        slowest = Infinity;
      }
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  return {
    ...server,
    pid,
    keys,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Token ${server.adminKey}`);
      return fetch(server.url + path, { ...init, headers });
    },
    client(key = server.adminKey) {
      return RpcClient.connect(server.wsUrl, wsProtocols(key));
    },
    slowestHealthMs: () => slowest,
    healthFailures: () => [...failures],
    async peakRssBytes() {
      const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    },
    alive: () => !exited,
    async close() {
      watching = false;
      await watch;
      await server.stop("SIGTERM");
      await server.child.stdout.cancel().catch(() => {});
      if (testDb) await testDb.close();
      if (dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * What every hostile test ends with: the server is still running, every /health check during the
 * attack answered (within HEALTH_DEADLINE_MS), and its peak memory stayed under
 * `maxRssBytes` (default 1 GB). Prints the slowest /health answer and the peak memory, the
 * figures the limits are judged by.
 */
export async function assertStillServing(
  server: HostileServer,
  what: string,
  maxRssBytes = 1024 ** 3,
): Promise<void> {
  const res = await fetch(`${server.url}/health`, {
    signal: AbortSignal.timeout(HEALTH_DEADLINE_MS),
  });
  const body = await res.json();
  if (!server.alive()) throw new Error("the server process exited");
  if (body.status !== "ok") throw new Error(`/health says ${JSON.stringify(body)}`);
  const failures = server.healthFailures();
  if (failures.length) throw new Error(`/health failed during the attack: ${failures.join("; ")}`);
  const peak = await server.peakRssBytes();
  console.log(
    `hostile: ${what}: slowest /health ${Math.round(server.slowestHealthMs())} ms, ` +
      `peak memory ${Math.round(peak / 2 ** 20)} MB`,
  );
  if (peak >= maxRssBytes) {
    throw new Error(`the server's memory peaked at ${Math.round(peak / 2 ** 20)} MB`);
  }
}

/** Fails with `what` unless `promise` settles within `ms` (a guard, so a regression cannot hang). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}
