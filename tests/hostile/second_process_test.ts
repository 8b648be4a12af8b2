// A second process on the embedded database's data folder. PGlite is PostgreSQL in one process:
// a task run beside the server on the same folder used to write into its own copy and lose it
// (a key printed, never stored). Now it is refused, in one line, before it writes anything, and a
// lock left by a killed process does not block the next start. PostgreSQL (DATABASE_URL) is
// multi-process, so there is nothing to test there.
import assert from "node:assert/strict";
import { type ServerProcess, spawnServer } from "../support/process.ts";
import { hostileOpts } from "./support.ts";

const onPostgres = Boolean(Deno.env.get("DATABASE_URL"));
if (onPostgres) {
  console.log("second_process_test: skipped, DATABASE_URL is set (PostgreSQL is multi-process)");
}

const MAIN = new URL("../../server/main.ts", import.meta.url).pathname;
const TOKEN_TASK = new URL("../../server/tasks/token.ts", import.meta.url).pathname;
const KEY = /\baf_[A-Za-z0-9_-]{20,}/;

/** Runs a Deno entry point to completion on `dataDir` with PGlite. */
async function run(module: string, args: string[], dataDir: string, env = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", module, ...args],
    env: { ARCHIFLOW_DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function statusWith(server: ServerProcess, key: string): Promise<number> {
  const res = await fetch(`${server.url}/api/status`, {
    headers: { authorization: `Token ${key}` },
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name: "a second process on the embedded database's folder is refused and writes nothing",
  ignore: onPostgres,
  ...hostileOpts,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "archiflow-second-" });
    const env = { ARCHIFLOW_DATA_DIR: dataDir };
    let server: ServerProcess | null = null;
    try {
      server = await spawnServer(env);
      const pid = server.child.pid;

      const create = ["create", "--user", "second-process", "--scope", "read"];
      const refused = await run(TOKEN_TASK, create, dataDir);
      console.log(
        `second process: token create beside the server exited ${refused.code}: ` +
          JSON.stringify((refused.stdout + refused.stderr).trim()),
      );
      assert.doesNotMatch(refused.stdout + refused.stderr, KEY, "no key is printed");
      assert.equal(refused.code, 2, "token create is refused with status 2");
      const message = refused.stderr.trim();
      assert.match(message, new RegExp(`in use by process ${pid}\\b`));
      assert.match(message, /Stop it first/);
      assert.equal(message.split("\n").length, 1, "one line, no stack trace");

      // A second server on the same folder is refused the same way.
      const second = await run(MAIN, [], dataDir);
      assert.equal(second.code, 2, "a second server is refused with status 2");
      assert.match(second.stdout + second.stderr, new RegExp(`in use by process ${pid}\\b`));

      // The first server is untouched.
      assert.equal(await statusWith(server, server.adminKey), 200);
      assert.equal((await server.stop("SIGTERM")).code, 0);
      server = null;

      // The refused command stored nothing.
      const listed = await run(TOKEN_TASK, ["list"], dataDir);
      assert.equal(listed.code, 0, listed.stderr);
      assert.doesNotMatch(
        listed.stdout,
        /second-process/,
        "no token was stored by the refused run",
      );

      // Once the server has stopped, the same command works and its key is stored.
      const created = await run(TOKEN_TASK, create, dataDir);
      assert.equal(created.code, 0, created.stderr);
      const key = KEY.exec(created.stdout)?.[0];
      assert.ok(key, `a key is printed: ${created.stdout}`);

      server = await spawnServer(env);
      assert.equal(await statusWith(server, key), 200, "the key authenticates");

      // A killed server cannot release anything: its lock must not block the next start.
      server.child.kill("SIGKILL");
      await server.child.status;
      await server.child.stdout.cancel().catch(() => {});
      server = await spawnServer(env);
      assert.equal(await statusWith(server, key), 200, "restarted after SIGKILL, key still works");
    } finally {
      if (server) {
        await server.stop("SIGTERM");
        await server.child.stdout.cancel().catch(() => {});
      }
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
