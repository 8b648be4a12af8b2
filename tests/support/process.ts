// Runs `server/main.ts` as a separate process, as `deno task start` does, and waits until it
// logs that it is listening.
import { generateKey } from "../../server/auth/tokens.ts";
import { TextLineStream } from "./lines.ts";

export interface ServerProcess {
  url: string;
  /** The admin key the process was provisioned with (ARCHIFLOW_ADMIN_TOKEN). */
  adminKey: string;
  wsUrl: string;
  child: Deno.ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** Sends a signal and resolves with the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

const MAIN = new URL("../../server/main.ts", import.meta.url).pathname;

export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const adminKey = env.ARCHIFLOW_ADMIN_TOKEN ?? generateKey();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { PORT: "0", HOST: "127.0.0.1", ARCHIFLOW_ADMIN_TOKEN: adminKey, ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TextLineStream(),
  );
  const { promise: ready, resolve, reject } = Promise.withResolvers<string>();
  (async () => {
    for await (const line of reader) {
      lines.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === "listening") resolve(entry.url);
      } catch { /* not a log line */ }
    }
    reject(new Error(`server exited before listening:\n${lines.join("\n")}`));
  })();
  const url = await ready;
  return {
    url,
    adminKey,
    wsUrl: url.replace(/^http/, "ws") + "/ws",
    child,
    lines,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return await child.status;
    },
  };
}
