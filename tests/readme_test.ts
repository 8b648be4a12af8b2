// Runs README.md's walkthrough as a reader would paste it: every command block of its
// "Walkthrough" section (the rules are in tests/support/readme.ts), in the order written, against
// a fresh server and database. The server block runs as its own process (`deno task start`, so
// its first-start key is printed as a reader sees it); command blocks run in bash with
// `set -euo pipefail`, sharing exported variables and the working folder as one terminal does;
// the outputs the README shows are checked, and the values they name (`<key>`) are what later
// blocks use. A failing command or output names its README line.
//
// What differs from a reader's machine, so that the run is isolated: the server listens on a
// free port of 127.0.0.1 (the README's port 3333 is rewritten to it), the database is a fresh
// PostgreSQL database (DATABASE_URL set) or a new PGlite folder, and HOME is a temporary folder
// (the backup the README writes to ~ lands there).
import assert from "node:assert/strict";
import { configSchema } from "../server/config.ts";
import { createTestDb, type TestDb } from "./support/db.ts";
import { TextLineStream } from "./support/lines.ts";
import {
  matchOutput,
  type ReadmeBlock,
  readmeBlocks,
  readReadme,
  sectionTables,
} from "./support/readme.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);
// A block that hangs (a server that never answers) fails the test instead of hanging the suite.
const BLOCK_LIMIT_MS = 120_000;

Deno.test("the walkthrough's blocks are read strictly, and outputs are matched line by line", () => {
  const walk = (body: string) => readmeBlocks(`## Walkthrough\n\n${body}`);
  const roles = walk(
    "<!-- readme-test: server -->\n\n```sh\ndeno task start\n```\n\n```text\nready\n```\n\n" +
      "```sh\necho hi\n```\n\n<!-- readme-test: after stopping the server -->\n```sh\nls\n```\n" +
      "<!-- readme-test: not run: installs software -->\n```sh\nnpm i -g deno\n```\n",
  ).map((b) => [b.line, b.role]);
  assert.deepEqual(roles, [
    [5, { kind: "server" }],
    [9, { kind: "output" }],
    [13, { kind: "run", stopServer: false }],
    [18, { kind: "run", stopServer: true }],
    [22, { kind: "not-run", reason: "installs software" }],
  ]);
  assert.throws(() => walk("```text\nx\n```\n"), /README.md:3: an output block must follow/);
  assert.throws(() => walk("```json\n{}\n```\n"), /holds command .* and output/);
  assert.throws(() => walk("<!-- readme-test: maybe -->\n```sh\nls\n```\n"), /unknown/);
  assert.throws(
    () => walk("<!-- readme-test: server -->\n\nprose\n"),
    /README.md:3: marker is not followed by a code block/,
  );
  assert.throws(() => readmeBlocks("## Other\n```sh\nls\n```\n"), /outside the walkthrough/);
  assert.equal(readmeBlocks("## Other\n```json\n{}\n```\n")[0].role, null);

  const values = matchOutput(
    "Key: <key>\n…\n  again <key> and <key>",
    "log\nKey: af_1\nnoise\n  again af_1 and af_1\n",
  );
  assert.deepEqual(values, { key: "af_1" });
  assert.throws(() => matchOutput("again <v> and <v>", "again a and b"), /expected a line/);
  assert.throws(() => matchOutput("b\na", "a\nb"), /expected a line matching\n {2}a/);
  assert.throws(() => matchOutput("Key: <key>", "Key: af_2", { key: "af_1" }), /expected/);
  assert.deepEqual(
    sectionTables(
      "## Configuration\n\n| A | B |\n| - | - |\n| `X\\|Y` | `1` |\n## Next\n| z |\n",
      "Configuration",
    ),
    [{ header: ["a", "b"], rows: [{ line: 5, cells: ["`X|Y`", "`1`"] }] }],
  );
});

interface ServerRun {
  child: Deno.ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  stdout: string[];
  stderr: string[];
  port: number;
  /** Resolves when both output streams have ended. */
  drained: Promise<void>;
}

interface Session {
  env: Record<string, string>;
  cwd: string;
  /** Values named in the outputs shown so far (`<key>`). */
  values: Record<string, string>;
  server: ServerRun | null;
  /** The port of the first start; later starts reuse it, as a reader's would. */
  port: number | null;
  state: string;
}

Deno.test("the README's walkthrough runs as written, in order, against a fresh server", async () => {
  const blocks = readmeBlocks(await readReadme());
  const runnable = blocks.filter((b) => b.role?.kind === "run" || b.role?.kind === "server");
  assert.ok(
    blocks.some((b) => b.role?.kind === "server"),
    "the README's walkthrough starts no server",
  );
  assert.ok(runnable.length >= 8, `only ${runnable.length} README blocks run`);
  for (const b of runnable) {
    if (b.lang === "python") continue;
    assert.doesNotMatch(
      b.text,
      /\bcurl\b(?! -fsS)/,
      `README.md:${b.line}: write curl as \`curl -fsS\`, so that an HTTP error fails the command`,
    );
  }

  const tmp = await Deno.makeTempDir({ prefix: "archiflow_readme_" });
  let testDb: TestDb | null = null;
  const session: Session = {
    env: {},
    cwd: REPO,
    values: {},
    server: null,
    port: null,
    state: `${tmp}/state`,
  };
  try {
    await Deno.mkdir(`${tmp}/home`);
    const database: Record<string, string> = {};
    if (Deno.env.get("DATABASE_URL")) {
      testDb = await createTestDb({ poolSize: 1 });
      database.DATABASE_URL = testDb.url!;
    } else database.ARCHIFLOW_DATA_DIR = `${tmp}/data`;
    session.env = { ...readerEnv(), HOME: `${tmp}/home`, DENO_DIR: await denoDir(), ...database };
    const python = await pythonWithRequests();

    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      const next = blocks[i + 1];
      const shown = next?.role?.kind === "output" ? next : null;
      const role = block.role;
      if (role?.kind === "server") {
        if (session.server) {
          throw new Error(`README.md:${block.line}: the server is running already`);
        }
        session.server = await startServerBlock(block, session);
        if (shown) check(shown, block, session.server.stdout.join("\n"), session);
      } else if (role?.kind === "run") {
        if (role.stopServer) await stopServer(block, session);
        if (block.lang === "python" && python !== null) {
          console.warn(`SKIPPED README.md:${block.line} (python): ${python}`);
          continue;
        }
        const stdout = await runBlock(block, session);
        if (shown) check(shown, block, stdout, session);
      }
    }
    if (session.server) await stopServer(null, session);
  } finally {
    if (session.server) {
      signalGroup(session.server.child, "SIGKILL");
      await session.server.child.status;
      await session.server.drained;
    }
    await testDb?.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

/** This process's environment without any setting the server reads, so only ours apply. */
function readerEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  return { ...env, NO_COLOR: "1" };
}

/** Deno's cache folder, kept when HOME moves, so nothing is downloaded again. */
async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** Why python blocks cannot run here, or null when they can. */
async function pythonWithRequests(): Promise<string | null> {
  try {
    const out = await new Deno.Command("python3", { args: ["-c", "import requests"] }).output();
    return out.success ? null : "python3 has no requests module (pip install requests)";
  } catch {
    return "python3 is not installed";
  }
}

/** The block's text as the reader's terminal would run it here. */
function localize(text: string, session: Session): string {
  let out = text;
  if (session.port !== null) {
    out = out.replace(/\blocalhost:3333\b/g, `127.0.0.1:${session.port}`)
      .replace(/:3333\b/g, `:${session.port}`);
  }
  for (const [name, value] of Object.entries(session.values)) {
    out = out.replaceAll(`<${name}>`, value);
  }
  return out;
}

function check(shown: ReadmeBlock, block: ReadmeBlock, stdout: string, session: Session): void {
  const expected = localize(shown.text, { ...session, values: {} });
  try {
    session.values = matchOutput(expected, stdout, session.values);
  } catch (err) {
    throw new Error(
      `README.md:${shown.line}: the output of the block at line ${block.line} is not what the ` +
        `README shows: ${(err as Error).message}\n--- printed ---\n${stdout}`,
    );
  }
}

async function startServerBlock(block: ReadmeBlock, session: Session): Promise<ServerRun> {
  const child = new Deno.Command("bash", {
    args: ["-c", block.text],
    // A process group of its own, as a terminal gives the command it runs: Ctrl+C signals the
    // whole group, `deno task` and the server it started.
    detached: true,
    cwd: REPO,
    clearEnv: true,
    env: { ...session.env, PORT: String(session.port ?? 0), HOST: "127.0.0.1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { promise: listening, resolve, reject } = Promise.withResolvers<number>();
  const collect = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    const lines = stream.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream());
    for await (const line of lines) {
      into.push(line);
      if (line.startsWith("{") && line.includes('"listening"')) {
        const entry = JSON.parse(line);
        if (entry.msg === "listening") resolve(entry.port);
      }
    }
  };
  const drained = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)])
    .then(() => reject(new Error("the server stopped before it listened")));
  const limit = setTimeout(
    () => reject(new Error("the server did not start listening")),
    BLOCK_LIMIT_MS,
  );
  try {
    const port = await listening;
    session.port ??= port;
    return { child, stdout, stderr, port, drained: drained.then(() => {}) };
  } catch (err) {
    signalGroup(child, "SIGKILL");
    await child.status;
    await drained.catch(() => {});
    throw new Error(
      `README.md:${block.line}: ${(err as Error).message}\n--- stdout ---\n${stdout.join("\n")}` +
        `\n--- stderr ---\n${stderr.join("\n")}`,
    );
  } finally {
    clearTimeout(limit);
  }
}

/** Ctrl+C in the server's terminal: SIGINT, and a clean exit. */
async function stopServer(block: ReadmeBlock | null, session: Session): Promise<void> {
  const server = session.server;
  if (!server) throw new Error(`README.md:${block?.line}: there is no server to stop`);
  signalGroup(server.child, "SIGINT");
  const status = await server.child.status;
  await server.drained;
  session.server = null;
  assert.ok(
    status.success,
    `the server did not stop cleanly on Ctrl+C (status ${status.code})\n${
      server.stderr.join("\n")
    }`,
  );
}

function signalGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch { /* the group has ended */ }
}

/** Runs one block in the reader's terminal; returns what it printed on stdout. */
async function runBlock(block: ReadmeBlock, session: Session): Promise<string> {
  const text = localize(block.text, session);
  const python = block.lang === "python";
  // After the block, the shell writes its folder and exported variables for the next block.
  const script = `set -euo pipefail\n${text}\nprintf '%s\\0' "$PWD" > "$README_TEST_STATE"; ` +
    `env -0 >> "$README_TEST_STATE"\n`;
  const child = new Deno.Command(python ? "python3" : "bash", {
    args: ["-c", python ? text : script],
    cwd: session.cwd,
    clearEnv: true,
    env: { ...session.env, README_TEST_STATE: session.state },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own process group, so that a hung block is ended with everything it started.
    detached: true,
  }).spawn();
  const limit = setTimeout(() => signalGroup(child, "SIGKILL"), BLOCK_LIMIT_MS);
  let out: Deno.CommandOutput;
  try {
    out = await child.output();
  } finally {
    clearTimeout(limit);
  }
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `README.md:${block.line}: the block ${
        out.signal ? `was stopped (${out.signal})` : `exited with status ${out.code}`
      }\n${text}\n--- stdout ---\n${stdout}\n--- stderr ---\n${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  if (!python) await readState(session);
  return stdout;
}

async function readState(session: Session): Promise<void> {
  const [cwd, ...vars] = (await Deno.readTextFile(session.state)).split("\0");
  const env: Record<string, string> = {};
  for (const entry of vars) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  // Set by bash for each shell, not by the reader.
  for (const name of ["_", "SHLVL", "PWD", "OLDPWD", "README_TEST_STATE"]) delete env[name];
  session.env = env;
  session.cwd = cwd;
}
