// The `deno task` entry points as a user meets them: --help prints the usage and exits 0, bad
// arguments are one line on stderr with exit status 2, a failure is one line with status 1, never
// a stack trace. None of these open a database: each run points ARCHIFLOW_DATA_DIR at a folder
// that must still not exist afterwards, with every PostgreSQL setting removed.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const path = (p: string) => new URL(p, ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables a Deno process needs to find its caches; nothing names a database. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const scratch = await Deno.makeTempDir({ prefix: "archiflow-tasks-cli-" });
  const dataDir = `${scratch}/data`;
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", path(file), ...args],
      cwd: scratch,
      clearEnv: true,
      env: { ...baseEnv(), NO_COLOR: "1", ARCHIFLOW_DATA_DIR: dataDir, ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const untouched = await Deno.stat(dataDir).then(() => false, () => true);
    assert.ok(untouched, `${file} ${args.join(" ")} opened the embedded database`);
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

function assertOneLine(r: Run, code: number, pattern: RegExp, what: string): void {
  assert.equal(r.code, code, `${what}: exit status (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+|Uncaught|TypeError/, `${what}: no stack trace`);
  assert.match(lines[0], pattern, what);
}

const TASKS: [file: string, command: string][] = [
  ["server/tasks/backup.ts", "backup"],
  ["server/tasks/restore.ts", "restore"],
  ["server/tasks/sync.ts", "sync"],
  ["server/tasks/maintain.ts", "maintain"],
  ["server/tasks/migrate.ts", "migrate"],
  ["server/tasks/token.ts", "token"],
  ["server/tasks/readonly_role.ts", "db:readonly-role"],
  ["server/tasks/bench_rest.ts", "bench:rest"],
  ["server/tasks/bench_sync.ts", "bench:sync"],
  ["tests/netbox_double/main.ts", "netbox-double"],
];

Deno.test("every task prints its usage, options and an example for --help", async () => {
  for (const [file, command] of TASKS) {
    const r = await run(file, ["--help"]);
    assert.equal(r.code, 0, `${command} --help: ${r.stderr}`);
    assert.equal(r.stderr, "", `${command} --help writes nothing to stderr`);
    assert.match(r.stdout, new RegExp(`^Usage: deno task ${command}\\b`), command);
    assert.match(r.stdout, /-h, --help {2,}show this help|Commands:/, command);
    assert.match(r.stdout, new RegExp(`Example:\\n {2}.*deno task ${command}\\b`), command);
  }
  const create = await run("server/tasks/token.ts", ["create", "-h"]);
  assert.equal(create.code, 0);
  assert.match(create.stdout, /^Usage: deno task token create <user> \[options\]/);
  assert.match(create.stdout, /--scope <scope> +.*default read/);
});

Deno.test("bad arguments are one line naming the problem, with exit status 2", async () => {
  const cases: [string, string[], RegExp][] = [
    ["server/tasks/backup.ts", ["--bogus"], /^deno task backup: unknown option --bogus \(see/],
    ["server/tasks/backup.ts", ["a.gz", "b.gz"], /too many arguments: "a.gz" "b.gz"/],
    ["server/tasks/backup.ts", ["--out"], /option --out needs a value/],
    ["server/tasks/restore.ts", [], /missing the file: give it as an argument or as --in/],
    ["server/tasks/restore.ts", ["a.gz", "--in", "b.gz"], /the file is given twice/],
    ["server/tasks/sync.ts", ["sideways"], /--mode must be one of auto, full, incremental/],
    ["server/tasks/sync.ts", ["--full", "--incremental"], /exclude each other/],
    ["server/tasks/maintain.ts", ["--reindex=yes"], /option --reindex takes no value/],
    ["server/tasks/migrate.ts", ["now"], /^deno task migrate: unexpected argument "now"/],
    ["server/tasks/token.ts", [], /^deno task token: missing command \(create, list/],
    ["server/tasks/token.ts", ["mint"], /unknown command "mint"/],
    ["server/tasks/token.ts", ["create"], /^deno task token create: missing the user/],
    ["server/tasks/token.ts", ["create", "x", "--scope", "root"], /--scope must be one of/],
    ["server/tasks/token.ts", ["create", "x", "--expires", "soon"], /Cannot read expiry "soon"/],
    ["server/tasks/token.ts", ["revoke", "three"], /--id needs a whole number, not "three"/],
    ["server/tasks/token.ts", ["revoke-editor", "jdoe", "alice"], /too many arguments/],
    ["server/tasks/bench_sync.ts", ["--devices", "many"], /--devices needs a whole number/],
    ["server/tasks/bench_rest.ts", ["--seconds", "0"], /--seconds must be at least 1, not 0/],
    ["tests/netbox_double/main.ts", ["--port", "99999"], /--port must be at most 65535/],
  ];
  for (const [file, args, problem] of cases) {
    const what = `${file} ${args.join(" ")}`;
    const r = await run(file, args);
    assertOneLine(r, 2, problem, what);
    assert.match(r.stderr, /\(see deno task [\w:-]+( [\w-]+)? --help\)\n$/, what);
    assert.equal(r.stdout, "", `${what}: nothing on stdout`);
  }
});

Deno.test("a task that fails says why in one line, with exit status 1", async () => {
  const missing = await run("server/tasks/restore.ts", ["no-such-backup.jsonl.gz"]);
  assertOneLine(
    missing,
    1,
    /^Restore failed: cannot read no-such-backup\.jsonl\.gz: No such file or directory/,
    "restore of a missing file",
  );
  const unreachable = await run("server/tasks/migrate.ts", [], {
    DATABASE_URL: "postgres://archiflow@127.0.0.1:1/archiflow",
    DATABASE_CONNECT_TIMEOUT_MS: "2000",
  });
  assertOneLine(unreachable, 1, /^Cannot reach PostgreSQL at 127\.0\.0\.1:1\b/, "no server");
  const noNetbox = await run("server/tasks/sync.ts", ["full"]);
  assertOneLine(noNetbox, 1, /^Sync failed: .*set NETBOX_URL and NETBOX_TOKEN/, "no NetBox");
});

Deno.test("token generate needs no database", async () => {
  const r = await run("server/tasks/token.ts", ["generate"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^af_[A-Za-z0-9_-]{43}\n$/);
});
