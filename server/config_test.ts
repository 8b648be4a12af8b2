import assert from "node:assert/strict";
import { ConfigError, databaseTarget, loadConfig } from "./config.ts";
import { DatabaseUnreachableError, openDatabase } from "./db/open.ts";

const target = (env: Record<string, string>) => databaseTarget(loadConfig(env));

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(!err.message.includes("\n"), "one line");
    return err.message;
  }
  return "accepted";
}

const DB = { DB_HOST: "db.example", DB_PORT: "6543", DB_NAME: "archiflow", DB_USER: "af" };
const PG = { PGHOST: "pg.example", PGPORT: "5433", PGDATABASE: "pgdb", PGUSER: "pguser" };

Deno.test("no database setting: the embedded database in the data folder", () => {
  assert.deepEqual(target({ ARCHIFLOW_DATA_DIR: "/tmp/x" }), { kind: "pglite", dataDir: "/tmp/x" });
  // Other settings given empty count as unset.
  const c = loadConfig({ ARCHIFLOW_LOG_LEVEL: "", PORT: "", NETBOX_URL: "" });
  assert.deepEqual([c.ARCHIFLOW_LOG_LEVEL, c.PORT, c.NETBOX_URL], ["info", 3333, undefined]);
});

Deno.test("a database setting given empty is refused, never taken for unset", () => {
  // A compose file's `DB_HOST: ${DB_HOST}` with the variable unset gives DB_HOST="".
  const host = refusal({ DB_HOST: "" });
  assert.match(host, /DB_HOST is set but empty/);
  assert.match(host, /refusing to start/);
  assert.match(refusal({ ...DB, DB_PASSWORD: "" }), /DB_PASSWORD is set but empty/);
  assert.match(refusal({ DATABASE_URL: "" }), /DATABASE_URL is set but empty/);
  assert.match(refusal({ DATABASE_URL: "  " }), /DATABASE_URL is set but empty/);
  assert.match(
    refusal({ ...PG, PGHOST: "", PGUSER: "", DB_NAME: "" }),
    /DB_NAME, PGHOST, PGUSER are set but empty/,
  );
  // Even beside a complete setting of higher precedence: the empty one is a mistake to fix.
  assert.match(
    refusal({ DATABASE_URL: "postgres://h/d", PGHOST: "" }),
    /PGHOST is set but empty/,
  );
});

Deno.test("the document's DB_* settings name PostgreSQL, with the password kept apart", () => {
  const t = target({ ...DB, DB_PASSWORD: "pw" });
  assert.equal(t.kind, "postgres");
  if (t.kind !== "postgres") return;
  assert.deepEqual(t.connection, {
    host: "db.example",
    port: 6543,
    database: "archiflow",
    user: "af",
    password: "pw",
  });
  assert.deepEqual(t.settings, ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"]);
  assert.equal(t.where, "db.example:6543/archiflow");
  // The port defaults to 5432; no password is allowed (trust or peer authentication).
  const bare = target({ DB_HOST: "h", DB_NAME: "d", DB_USER: "u" });
  assert.deepEqual(bare.kind === "postgres" && bare.connection, {
    host: "h",
    port: 5432,
    database: "d",
    user: "u",
  });
});

Deno.test("precedence: DATABASE_URL, else DB_*, else PG*", () => {
  const url = "postgres://u:secret@url.example:5999/urldb";
  const all = target({ DATABASE_URL: url, ...DB, ...PG });
  assert.ok(all.kind === "postgres");
  assert.equal(all.connection, url);
  assert.deepEqual(all.settings, ["DATABASE_URL"]);
  assert.deepEqual(all.ignored, [...Object.keys(DB), ...Object.keys(PG)]);
  assert.equal(all.where, "url.example:5999/urldb");
  assert.ok(!all.where.includes("secret"));

  const db = target({ ...DB, ...PG });
  assert.ok(db.kind === "postgres" && typeof db.connection !== "string");
  assert.equal(db.connection.host, "db.example");
  assert.deepEqual(db.ignored, Object.keys(PG));

  const pg = target({ ...PG, PGPASSWORD: "pgpw" });
  assert.ok(pg.kind === "postgres" && typeof pg.connection !== "string");
  assert.deepEqual(pg.connection, {
    host: "pg.example",
    port: 5433,
    database: "pgdb",
    user: "pguser",
    password: "pgpw",
  });
  assert.deepEqual(pg.settings, ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"]);
  assert.deepEqual(pg.ignored, []);
});

Deno.test("incomplete or wrong database settings are refused in one line naming them", () => {
  const noName = refusal({ DB_HOST: "h", DB_USER: "u", DB_PASSWORD: "hunter2-secret" });
  assert.match(noName, /DB_NAME is missing/);
  assert.match(noName, /DB_HOST/);
  assert.ok(!noName.includes("hunter2-secret"), "the password is never shown");

  assert.match(refusal({ DB_PASSWORD: "x" }), /DB_HOST, DB_NAME, DB_USER are missing/);
  assert.match(refusal({ PGHOST: "h", PGUSER: "u" }), /PGDATABASE is missing/);
  assert.match(refusal({ ...DB, DB_PORT: "54x" }), /DB_PORT must be a TCP port/);
  assert.match(refusal({ ...DB, DB_PORT: "70000" }), /DB_PORT must be a TCP port/);
  // A half-given DB_* group is a mistake even when PG* is complete: never another database.
  assert.match(refusal({ DB_HOST: "h", ...PG }), /DB_NAME, DB_USER are missing/);
  assert.match(refusal({ DATABASE_URL: "mysql://h/d" }), /DATABASE_URL must be a postgres/);
  const badUrl = refusal({ DATABASE_URL: "not a url with secret" });
  assert.match(badUrl, /DATABASE_URL/);
  assert.ok(!badUrl.includes("secret"));
});

Deno.test("the pool takes the document's defaults, and settings change them", () => {
  const c = loadConfig({});
  assert.equal(c.DATABASE_POOL_SIZE, 20);
  assert.equal(c.DATABASE_IDLE_TIMEOUT_MS, 30_000);
  assert.equal(c.DATABASE_CONNECT_TIMEOUT_MS, 2000);
  const d = loadConfig({
    DATABASE_POOL_SIZE: "5",
    DATABASE_IDLE_TIMEOUT_MS: "1000",
    DATABASE_CONNECT_TIMEOUT_MS: "500",
  });
  assert.deepEqual(
    [d.DATABASE_POOL_SIZE, d.DATABASE_IDLE_TIMEOUT_MS, d.DATABASE_CONNECT_TIMEOUT_MS],
    [5, 1000, 500],
  );
});

Deno.test("an unreachable PostgreSQL refuses the open, naming settings and server, not the password", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.remove(dataDir);
  const config = loadConfig({
    DB_HOST: "127.0.0.1",
    DB_PORT: "1",
    DB_NAME: "nowhere",
    DB_USER: "nobody",
    DB_PASSWORD: "pw-never-shown",
    ARCHIFLOW_DATA_DIR: dataDir,
  });
  const err = await openDatabase(config).then(() => null, (e) => e);
  assert.ok(err instanceof DatabaseUnreachableError, String(err));
  assert.match(err.message, /127\.0\.0\.1:1\/nowhere/);
  assert.match(err.message, /DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD/);
  assert.ok(!err.message.includes("pw-never-shown"));
  assert.ok(!err.message.includes("\n"));
  // Nothing fell back to the embedded database.
  assert.equal(await Deno.stat(dataDir).then(() => true, () => false), false);
});

const base = Deno.env.get("DATABASE_URL");

Deno.test({
  name: "DB_* and PG* settings reach the same PostgreSQL a URL does",
  ignore: !base,
  async fn() {
    const url = new URL(base!);
    const parts = {
      host: url.hostname,
      port: url.port || "5432",
      database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
      user: decodeURIComponent(url.username) || "postgres",
      password: decodeURIComponent(url.password),
    };
    for (
      const env of [
        {
          DB_HOST: parts.host,
          DB_PORT: parts.port,
          DB_NAME: parts.database,
          DB_USER: parts.user,
          // No password in the URL (trust authentication): none given, as an empty one is refused.
          ...(parts.password ? { DB_PASSWORD: parts.password } : {}),
        },
        {
          PGHOST: parts.host,
          PGPORT: parts.port,
          PGDATABASE: parts.database,
          PGUSER: parts.user,
          ...(parts.password ? { PGPASSWORD: parts.password } : {}),
        },
      ]
    ) {
      const db = await openDatabase(loadConfig(env));
      try {
        assert.equal(db.kind, "postgres");
        assert.equal(db.stats().maxConnections, 20);
        const [row] = await db.query<{ db: string; who: string }>(
          "SELECT current_database() AS db, current_user AS who",
        );
        assert.deepEqual(row, { db: parts.database, who: parts.user });
      } finally {
        await db.close();
      }
    }
  },
});

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** Runs main.ts with `env` instead of the database settings of this process (left out). */
async function runMain(env: Record<string, string>) {
  const inherited = Deno.env.toObject();
  for (
    const k of [
      "DATABASE_URL",
      ...["HOST", "PORT", "NAME", "USER", "PASSWORD"].map((k) => `DB_${k}`),
      ...["HOST", "PORT", "DATABASE", "USER", "PASSWORD"].map((k) => `PG${k}`),
    ]
  ) delete inherited[k];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    clearEnv: true,
    env: { ...inherited, PORT: "0", HOST: "127.0.0.1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A server that starts after all runs until stopped; its output then shows how it started.
  const stop = setTimeout(() => child.kill("SIGTERM"), 30_000);
  const out = await child.output().finally(() => clearTimeout(stop));
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, lines: text.split("\n").filter(Boolean) };
}

Deno.test("main.ts refuses to start with DB_HOST but no DB_NAME, in one line", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.remove(dataDir);
  const { code, lines } = await runMain({
    DB_HOST: "127.0.0.1",
    DB_USER: "postgres",
    DB_PASSWORD: "pw-never-logged",
    ARCHIFLOW_DATA_DIR: dataDir,
  });
  assert.notEqual(code, 0);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /could not start/);
  assert.match(lines[0], /DB_NAME is missing/);
  assert.ok(!lines[0].includes("pw-never-logged"));
  assert.ok(!lines.some((l) => l.includes('"listening"')));
  assert.equal(await Deno.stat(dataDir).then(() => true, () => false), false, "no PGlite");
});

Deno.test("main.ts refuses to start with DB_HOST set but empty, in one line", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.remove(dataDir);
  const { code, lines } = await runMain({ DB_HOST: "", ARCHIFLOW_DATA_DIR: dataDir });
  assert.notEqual(code, 0);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /could not start/);
  assert.match(lines[0], /DB_HOST is set but empty/);
  assert.ok(!lines.some((l) => l.includes('"listening"')));
  assert.equal(await Deno.stat(dataDir).then(() => true, () => false), false, "no PGlite");
});

Deno.test("main.ts refuses to start when the configured PostgreSQL does not answer", async () => {
  const { code, lines } = await runMain({
    DB_HOST: "127.0.0.1",
    DB_PORT: "1",
    DB_NAME: "archiflow",
    DB_USER: "archiflow_user",
    DB_PASSWORD: "pw-never-logged",
  });
  assert.notEqual(code, 0);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/archiflow/);
  assert.ok(!lines[0].includes("pw-never-logged"));
});
