import assert from "node:assert/strict";
import {
  ConfigError,
  configSchema,
  databaseTarget,
  loadConfig,
  misspelledSettings,
  SETTINGS,
} from "./config.ts";
import { DatabaseUnreachableError, openDatabase } from "./db/open.ts";

const target = (env: Record<string, string>) => databaseTarget(loadConfig(env));

/** The problems loadConfig() finds, one line each. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    for (const p of err.problems) assert.ok(!p.includes("\n"), "one line each");
    assert.equal(err.message, err.problems.map((p) => `Configuration error: ${p}`).join("\n"));
    return err.problems;
  }
  return [];
}

/** The one problem loadConfig() finds. */
function refusal(env: Record<string, string>): string {
  const found = problems(env);
  assert.equal(found.length, 1, found.join("\n"));
  return found[0];
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
  assert.equal(refusal({ DB_HOST: "" }), "DB_HOST is set but empty; give it a value, or unset it");
  assert.match(refusal({ ...DB, DB_PASSWORD: "" }), /DB_PASSWORD is set but empty/);
  assert.match(refusal({ DATABASE_URL: "" }), /DATABASE_URL is set but empty/);
  assert.match(refusal({ DATABASE_URL: "  " }), /DATABASE_URL is set but empty/);
  assert.deepEqual(
    problems({ ...PG, PGHOST: "", PGUSER: "", DB_NAME: "" }).map((p) => p.split(" ")[0]),
    ["DB_NAME", "PGHOST", "PGUSER"],
    "one line per empty setting",
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
  assert.equal(
    refusal({ ...DB, DB_PORT: "54x" }),
    'DB_PORT must be a TCP port from 1 to 65535 (got "54x")',
  );
  assert.match(refusal({ ...DB, DB_PORT: "70000" }), /DB_PORT must be a TCP port/);
  assert.match(refusal({ ...PG, PGPORT: "0" }), /PGPORT must be a TCP port/);
  // A half-given DB_* group is a mistake even when PG* is complete: never another database.
  assert.match(refusal({ DB_HOST: "h", ...PG }), /DB_NAME, DB_USER are missing/);
  // The URL may hold a password: it is never quoted back.
  assert.equal(
    refusal({ DATABASE_URL: "mysql://u:hunter2@h/d" }),
    "DATABASE_URL must be a postgres:// or postgresql:// URL",
  );
  assert.equal(
    refusal({ DATABASE_URL: "not a url with secret" }),
    "DATABASE_URL must be a postgres:// or postgresql:// URL",
  );
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

Deno.test("a wrong setting is one line naming it, what is allowed and what was given", () => {
  assert.deepEqual(problems({ PORT: "abc" }), [
    'PORT must be an integer from 0 to 65535 (got "abc")',
  ]);
  assert.deepEqual(problems({ PORT: "70000" }), [
    'PORT must be an integer from 0 to 65535 (got "70000")',
  ]);
  assert.deepEqual(problems({ HOST: "0.0.0.0:3333" }), [
    "HOST must be an IP address or host name of this machine, without port or http:// " +
    '(got "0.0.0.0:3333")',
  ]);
  assert.deepEqual(problems({ ARCHIFLOW_LOG_LEVEL: "verbose" }), [
    'ARCHIFLOW_LOG_LEVEL must be one of debug, info, warn, error, silent (got "verbose")',
  ]);
  assert.deepEqual(problems({ NETBOX_PUSH: "maybe" }), [
    'NETBOX_PUSH must be one of true, false, yes, no, on, off, 1, 0 (got "maybe")',
  ]);
  assert.deepEqual(problems({ ARCHIFLOW_PROBE_PORTS: "22,ssh" }), [
    "ARCHIFLOW_PROBE_PORTS must be a comma-separated list of TCP ports from 1 to 65535 " +
    '(got "22,ssh")',
  ]);
  assert.deepEqual(problems({ ARCHIFLOW_TRUSTED_PROXIES: "10.0.0.0/8,proxy" }), [
    "ARCHIFLOW_TRUSTED_PROXIES must be comma-separated addresses or CIDRs, e.g. " +
    '10.0.0.0/8,192.0.2.7 (got "10.0.0.0/8,proxy")',
  ]);
  // A long value is cut, and credentials in a URL are left out.
  const [url] = problems({ NETBOX_URL: "ftp://admin:hunter2@netbox.example/" + "x".repeat(200) });
  assert.match(url, /^NETBOX_URL must be an http:\/\/ or https:\/\/ URL \(got "ftp:\/\/…@netbox/);
  assert.ok(!url.includes("hunter2") && url.length < 200, url);
});

Deno.test("several wrong settings give one line each", () => {
  const found = problems({
    ARCHIFLOW_LOG_LEVEL: "loud",
    PORT: "abc",
    HOST: "http://0.0.0.0",
    NETBOX_PAGE_SIZE: "5000",
    DB_PASSWORD: "pw",
  });
  assert.deepEqual(found.map((p) => p.split(" ")[0]), [
    "PORT",
    "HOST",
    "ARCHIFLOW_LOG_LEVEL",
    "NETBOX_PAGE_SIZE",
    "DB_PASSWORD",
  ]);
  assert.match(found[4], /^DB_PASSWORD is set but DB_HOST, DB_NAME, DB_USER are missing/);
  assert.ok(!found.some((p) => p.includes('"pw"')));
});

Deno.test("secrets are never quoted back, however wrong they are", () => {
  const found = problems({
    ARCHIFLOW_ADMIN_TOKEN: "af_tooshort-hunter2",
    ARCHIFLOW_EDITOR_SECRET: "hunter2",
    ARCHIFLOW_METRICS_TOKEN: "hunter2",
  });
  assert.deepEqual(found, [
    "ARCHIFLOW_ADMIN_TOKEN must be an API key made by deno task token generate (af_ and 43 " +
    "letters, digits, - or _)",
    "ARCHIFLOW_EDITOR_SECRET must be a secret of at least 16 characters",
    "ARCHIFLOW_METRICS_TOKEN must be a secret of at least 16 characters",
  ]);
});

Deno.test("booleans take the usual spellings in any case", () => {
  for (const yes of ["true", "TRUE", "Yes", "on", "1"]) {
    assert.equal(loadConfig({ NETBOX_PUSH: yes }).NETBOX_PUSH, true, yes);
  }
  for (const no of ["false", "False", "NO", "off", "0"]) {
    assert.equal(loadConfig({ NETBOX_POOL_IS_POOL: no }).NETBOX_POOL_IS_POOL, false, no);
  }
  assert.equal(loadConfig({ HOST: "::" }).HOST, "::");
  assert.equal(loadConfig({ HOST: "fd00::2" }).HOST, "fd00::2");
  assert.equal(loadConfig({ HOST: "archiflow-01.example.net" }).HOST, "archiflow-01.example.net");
});

Deno.test("SETTINGS lists every setting with a meaning and a default that holds", () => {
  assert.deepEqual(SETTINGS.map((s) => s.name), Object.keys(configSchema.shape));
  const unset = loadConfig({}) as Record<string, unknown>;
  for (const s of SETTINGS) {
    assert.ok(s.description.length > 10 && s.allowed.length > 3, s.name);
    if (s.default === null) {
      assert.equal(unset[s.name], undefined, `${s.name} is unset by default`);
    } else if (s.name === "DB_PORT" || s.name === "PGPORT") {
      // Unset, so that giving it is what selects the group; the connection then uses 5432.
      assert.equal(s.default, "5432");
      const host = s.name === "DB_PORT" ? DB : PG;
      const { [s.name]: _, ...rest } = host as Record<string, string>;
      const t = target(rest);
      assert.ok(t.kind === "postgres" && typeof t.connection !== "string");
      assert.equal(t.connection.port, 5432);
    } else {
      // Giving the documented default changes nothing.
      const given = loadConfig({ [s.name]: s.default }) as Record<string, unknown>;
      assert.deepEqual(given[s.name], unset[s.name], s.name);
    }
  }
  const secrets = SETTINGS.filter((s) => s.secret).map((s) => s.name);
  for (const name of ["DATABASE_URL", "DB_PASSWORD", "PGPASSWORD", "NETBOX_TOKEN"]) {
    assert.ok(secrets.includes(name), name);
  }
});

Deno.test("the server reads the environment only through the settings", async () => {
  // Tasks and benchmarks have options of their own; everything the server reads is declared.
  const root = new URL("./", import.meta.url);
  const known = new Set(SETTINGS.map((s) => s.name));
  const readers: string[] = [];
  const walk = async (dir: URL, rel: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = rel + entry.name;
      if (entry.isDirectory && entry.name !== "tasks") {
        await walk(new URL(entry.name + "/", dir), path + "/");
      } else if (entry.isFile && path.endsWith(".ts") && !path.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(new URL(entry.name, dir));
        for (const m of text.matchAll(/Deno\.env\.get\(\s*["'`]([^"'`]+)/g)) {
          assert.ok(known.has(m[1]), `${path} reads ${m[1]}, which is not a setting`);
        }
        if (/Deno\.env\.(toObject|get)\b/.test(text)) readers.push(path);
      }
    }
  };
  await walk(root, "");
  assert.deepEqual(readers.sort(), ["db/open.ts", "main.ts"]);
});

Deno.test("a mistyped setting is found, with the one meant", () => {
  assert.deepEqual(
    misspelledSettings({
      ARCHIFLOW_LOGLEVEL: "debug",
      port: "3000",
      NETBOX_TOKN: "x",
      DB_HOTS: "db",
      // Other programs' variables, and ArchiFlow's own of other purposes, are left alone.
      HOME: "/root",
      HOSTNAME: "vm",
      ARCHIFLOW_TOKEN: "af_x",
      PGSSLMODE: "require",
      PORT: "3333",
    }),
    [
      { name: "ARCHIFLOW_LOGLEVEL", meant: "ARCHIFLOW_LOG_LEVEL" },
      { name: "port", meant: "PORT" },
      { name: "NETBOX_TOKN", meant: "NETBOX_TOKEN" },
      { name: "DB_HOTS", meant: "DB_HOST" },
    ],
  );
});
