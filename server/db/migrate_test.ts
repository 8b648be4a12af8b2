import assert from "node:assert/strict";
import { migrate, MigrationError, readMigrations, schemaVersion } from "./migrate.ts";
import { createTestDb } from "../../tests/support/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "migrate() builds the schema from empty and a second run applies nothing",
  opts,
  async () => {
    const t = await createTestDb();
    try {
      const files = await readMigrations();
      const first = await migrate(t.db);
      assert.deepEqual(first.applied, files.map((f) => f.file));
      assert.equal(first.schemaVersion, files.at(-1)!.version);
      const tables = await t.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
        AND table_type = 'BASE TABLE' ORDER BY 1`,
      );
      const names = tables.map((r) => r.table_name);
      for (
        const table of [
          "alerts",
          "audit_log",
          "device_ports",
          "diagram_versions",
          "diagrams",
          "ip_allocations",
          "ip_pools",
          "network_devices",
          "templates",
        ]
      ) assert.ok(names.includes(table), `table ${table} exists`);
      const views = await t.db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1",
      );
      assert.deepEqual(
        views.map((v) => v.table_name).filter((v) =>
          ["device_connections", "ip_pool_usage"].includes(v)
        ),
        ["device_connections", "ip_pool_usage"],
      );

      const second = await migrate(t.db);
      assert.deepEqual(second.applied, []);
      assert.equal(second.schemaVersion, first.schemaVersion);
      assert.equal(await schemaVersion(t.db), first.schemaVersion);
    } finally {
      await t.close();
    }
  },
);

Deno.test("migrate() refuses an applied migration whose file changed", opts, async () => {
  const t = await createTestDb();
  const dir = await Deno.makeTempDir();
  try {
    const migrationDir = new URL(`file://${dir}/`);
    const viewDir = new URL(`file://${dir}/no-views/`);
    await Deno.writeTextFile(`${dir}/0001_first.sql`, "CREATE TABLE t1 (id int);");
    assert.deepEqual((await migrate(t.db, { migrationDir, viewDir })).applied, ["0001_first.sql"]);
    await Deno.writeTextFile(`${dir}/0001_first.sql`, "CREATE TABLE t1 (id bigint);");
    await assert.rejects(
      () => migrate(t.db, { migrationDir, viewDir }),
      (err: Error) =>
        err instanceof MigrationError && /0001_first\.sql was changed/.test(err.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await t.close();
  }
});

Deno.test(
  "migrate() rolls back a failing migration entirely and records nothing",
  opts,
  async () => {
    const t = await createTestDb();
    const dir = await Deno.makeTempDir();
    try {
      const migrationDir = new URL(`file://${dir}/`);
      const viewDir = new URL(`file://${dir}/no-views/`);
      await Deno.writeTextFile(
        `${dir}/0001_bad.sql`,
        "CREATE TABLE half (id int); SELECT no_such_function();",
      );
      await assert.rejects(() => migrate(t.db, { migrationDir, viewDir }));
      const [row] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half'",
      );
      assert.equal(row.n, 0);
      assert.equal(await schemaVersion(t.db), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await t.close();
    }
  },
);

Deno.test("migration file names must be numbered", opts, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/first.sql`, "SELECT 1;");
    await assert.rejects(
      () => readMigrations(new URL(`file://${dir}/`)),
      /must look like 0001_name\.sql/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
