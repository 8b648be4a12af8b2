// A throwaway PostgreSQL cluster for outage tests: initdb into a temporary folder, a free port,
// the unix socket inside that folder. Runs the server binaries as the postgres user when the
// tests run as root (initdb refuses root). Always removed by stop(), even after a failure.
import { slowFile } from "./support/timeouts.ts";

// A test with its own PostgreSQL cluster starts, stops and restarts it: the slow limit.
slowFile();

const BIN_DIR = Deno.env.get("ARCHIFLOW_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

export interface TempCluster {
  url: string;
  port: number;
  dir: string;
  restart(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops the server but keeps its data (an outage). */
  halt(): Promise<void>;
  /** Starts it again after halt(). */
  resume(): Promise<void>;
  /** Stops the server and removes the folder. */
  stop(): Promise<void>;
}

/** Why a temporary cluster cannot be made here, or null when it can. */
export function clusterUnavailable(): string | null {
  for (const bin of ["initdb", "pg_ctl", "postgres"]) {
    try {
      Deno.statSync(`${BIN_DIR}/${bin}`);
    } catch {
      return `PostgreSQL server binaries not found in ${BIN_DIR} (set ARCHIFLOW_PG_BIN)`;
    }
  }
  if (Deno.uid() === 0) {
    try {
      Deno.statSync("/usr/sbin/runuser");
    } catch {
      return "running as root and runuser is missing, so initdb cannot run";
    }
  }
  return null;
}

/**
 * Runs a command. pg_ctl start leaves the postmaster holding inherited descriptors, so commands
 * that start a server write to a file instead of a pipe (a pipe would never reach EOF).
 */
async function run(args: string[], asPostgres: boolean, outFile?: string): Promise<string> {
  const [cmd, ...rest] = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", ...args] : args;
  if (outFile) {
    const status = await new Deno.Command(cmd, { args: rest, stdout: "null", stderr: "null" })
      .spawn().status;
    if (!status.success) {
      const log = await Deno.readTextFile(outFile).catch(() => "");
      throw new Error(`${args.join(" ")} failed: ${log.slice(-2000)}`);
    }
    return "";
  }
  const out = await new Deno.Command(cmd, { args: rest, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${args.join(" ")} failed: ${text}`);
  return text;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startTempCluster(): Promise<TempCluster> {
  const asPostgres = Deno.uid() === 0;
  const dir = await Deno.makeTempDir({ prefix: "archiflow_pg_" });
  if (asPostgres) await run(["chown", "postgres:postgres", dir], false);
  await Deno.chmod(dir, 0o700);
  const data = `${dir}/data`;
  const port = freePort();
  const log = `${dir}/log`;
  const pgCtl = (...a: string[]) =>
    run([`${BIN_DIR}/pg_ctl`, "-D", data, "-l", log, ...a], asPostgres, log);
  let started = false;
  try {
    await run([
      `${BIN_DIR}/initdb`,
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "-E",
      "UTF8",
    ], asPostgres);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
      `-c max_connections=60 -c shared_buffers=16MB`;
    await pgCtl("-o", opts, "-w", "-t", "30", "start");
    started = true;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dir,
      async restart(mode = "fast") {
        await pgCtl("-m", mode, "-w", "-t", "30", "restart", "-o", opts);
      },
      async halt() {
        await pgCtl("-m", "fast", "-w", "-t", "30", "stop");
      },
      async resume() {
        await pgCtl("-o", opts, "-w", "-t", "30", "start");
      },
      async stop() {
        if (started) {
          started = false;
          await pgCtl("-m", "immediate", "-w", "stop").catch(() => {});
        }
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (err) {
    if (started) await pgCtl("-m", "immediate", "-w", "stop").catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}
