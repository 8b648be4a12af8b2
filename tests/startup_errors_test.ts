// What `deno task start` says when it cannot start: wrong settings, a taken address, a database
// that does not answer. Each is plain lines on stderr naming what to change, with no stack
// trace, and the process ends before it creates anything.
import assert from "node:assert/strict";
import { SETTINGS } from "../server/config.ts";

const MAIN = new URL("../server/main.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  /** stderr, one entry per line. */
  lines: string[];
}

/** Runs main.ts with `env` as its only settings (none inherited from this process). */
async function start(env: Record<string, string>): Promise<Run> {
  const inherited = Deno.env.toObject();
  for (const { name } of SETTINGS) delete inherited[name];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    clearEnv: true,
    env: { ...inherited, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A server that starts after all runs until stopped; its output then shows how it started.
  const stop = setTimeout(() => child.kill("SIGTERM"), 30_000);
  const out = await child.output().finally(() => clearTimeout(stop));
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const stderr = text(out.stderr);
  assert.doesNotMatch(stderr, /^\s+at |Uncaught|Stack backtrace/m, "no stack trace");
  return { code: out.code, stdout: text(out.stdout), lines: stderr.split("\n").filter(Boolean) };
}

async function missingDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "archiflow-start-" });
  await Deno.remove(dir);
  return dir;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("PORT=abc is one line naming the setting and what it may be, status 2", async () => {
  const dataDir = await missingDir();
  const run = await start({ PORT: "abc", ARCHIFLOW_DATA_DIR: dataDir });
  assert.deepEqual(run.lines, [
    'Configuration error: PORT must be an integer from 0 to 65535 (got "abc")',
  ]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.equal(await exists(dataDir), false, "no database was created");
});

Deno.test("several wrong settings are one line each, and a password is never shown", async () => {
  const run = await start({
    PORT: "99999",
    HOST: "0.0.0.0:3333",
    DATABASE_URL: "mysql://admin:hunter2-secret@db.example/archiflow",
    ARCHIFLOW_LOG_LEVEL: "loud",
  });
  assert.deepEqual(run.lines, [
    'Configuration error: PORT must be an integer from 0 to 65535 (got "99999")',
    "Configuration error: HOST must be an IP address or host name of this machine, without " +
    'port or http:// (got "0.0.0.0:3333")',
    "Configuration error: DATABASE_URL must be a postgres:// or postgresql:// URL",
    "Configuration error: ARCHIFLOW_LOG_LEVEL must be one of debug, info, warn, error, silent " +
    '(got "loud")',
  ]);
  assert.equal(run.code, 2);
});

Deno.test("incomplete or empty database settings are refused before any database is made", async () => {
  const dataDir = await missingDir();
  const incomplete = await start({
    DB_HOST: "127.0.0.1",
    DB_USER: "postgres",
    DB_PASSWORD: "pw-never-logged",
    ARCHIFLOW_DATA_DIR: dataDir,
  });
  assert.deepEqual(incomplete.lines, [
    "Configuration error: DB_HOST, DB_USER, DB_PASSWORD are set but DB_NAME is missing; set " +
    "it (or DATABASE_URL), or unset DB_HOST, DB_USER, DB_PASSWORD to use the embedded database",
  ]);
  assert.equal(incomplete.code, 2);
  const empty = await start({ DB_HOST: "", ARCHIFLOW_DATA_DIR: dataDir });
  assert.deepEqual(empty.lines, [
    "Configuration error: DB_HOST is set but empty; give it a value, or unset it",
  ]);
  assert.equal(empty.code, 2);
  assert.equal(await exists(dataDir), false, "no embedded database instead");
});

Deno.test("a taken address is named with the settings that move it, status 1", async () => {
  const dataDir = await missingDir();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = taken.addr;
  const run = await start({ HOST: "127.0.0.1", PORT: String(port), ARCHIFLOW_DATA_DIR: dataDir });
  assert.deepEqual(run.lines, [
    `Cannot listen on 127.0.0.1:${port}: address already in use by another process (is ` +
    "ArchiFlow already running?); stop it, or set PORT (or HOST) to a free one",
  ]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(await exists(dataDir), false, "refused before the database was opened");
});

Deno.test("an address this machine does not have is refused, naming HOST", async () => {
  // 203.0.113.0/24 is reserved for documentation: no machine has it.
  const run = await start({ HOST: "203.0.113.7", PORT: "3333", ARCHIFLOW_DATA_DIR: "unused" });
  assert.deepEqual(run.lines, [
    "Cannot listen on 203.0.113.7:3333: this machine has no such address; set HOST to one of " +
    "its addresses, or 0.0.0.0 for every interface",
  ]);
  assert.equal(run.code, 1);
});

Deno.test("a PostgreSQL that does not answer is named with its settings, never the password", async () => {
  const run = await start({
    HOST: "127.0.0.1",
    PORT: "0",
    DB_HOST: "127.0.0.1",
    DB_PORT: "1",
    DB_NAME: "archiflow",
    DB_USER: "archiflow_user",
    DB_PASSWORD: "pw-never-logged",
  });
  assert.equal(run.lines.length, 1, run.lines.join("\n"));
  assert.match(
    run.lines[0],
    /^Cannot reach PostgreSQL at 127\.0\.0\.1:1\/archiflow \(from DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD\): /,
  );
  assert.ok(!run.lines[0].includes("pw-never-logged"));
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
});
