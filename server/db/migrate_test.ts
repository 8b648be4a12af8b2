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

Deno.test(
  "0080 keeps every diagram's current content when content moves into version rows",
  opts,
  async () => {
    const t = await createTestDb();
    const dir = await Deno.makeTempDir();
    try {
      // The schema as it stood before 0080, with a diagram saved normally (content in both
      // tables) and one written by hand without the row of its current version.
      for (const m of await readMigrations()) {
        if (m.version >= 80) continue;
        await Deno.copyFile(
          new URL(`../../sql/migrations/${m.file}`, import.meta.url),
          `${dir}/${m.file}`,
        );
      }
      await migrate(t.db, { migrationDir: new URL(`file://${dir}/`) });
      await t.db.query(
        `INSERT INTO diagrams (id, name, xml_content, diagram_json, version)
         VALUES (1, 'saved', '<a v="2"/>', '{"v": 2}', 2), (2, 'by hand', '<b/>', '{"v": 1}', 1)`,
      );
      await t.db.query(
        `INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json)
         VALUES (1, 1, '<a v="1"/>', '{"v": 1}'), (1, 2, '<a v="2"/>', '{"v": 2}')`,
      );
      assert.equal((await migrate(t.db)).applied[0], "0080_diagram_content_once.sql");
      const rows = await t.db.query<{ id: number; version: number; xml: string; json: string }>(
        `SELECT d.id, d.version, v.xml_content AS xml, v.diagram_json::text AS json
           FROM diagrams d
           JOIN diagram_versions v ON v.diagram_id = d.id AND v.version = d.version
          ORDER BY d.id`,
      );
      assert.deepEqual(rows, [
        { id: 1, version: 2, xml: '<a v="2"/>', json: '{"v": 2}' },
        { id: 2, version: 1, xml: "<b/>", json: '{"v": 1}' },
      ]);
      const [{ n }] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM diagram_versions",
      );
      assert.equal(n, 3);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await t.close();
    }
  },
);

Deno.test("NetBox ids stay unique where set; rows without one are not indexed", opts, async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await t.db.query(
      `INSERT INTO network_devices (asset_id, device_name, netbox_id)
       VALUES ('a', 'a', NULL), ('b', 'b', NULL), ('c', 'c', 7)`,
    );
    await assert.rejects(
      () =>
        t.db.query(
          "INSERT INTO network_devices (asset_id, device_name, netbox_id) VALUES ('d', 'd', 7)",
        ),
      /duplicate key|unique/i,
    );
    // The NetBox upserts find the partial index by its predicate.
    const [row] = await t.db.query<{ asset_id: string }>(
      `INSERT INTO network_devices (asset_id, device_name, netbox_id) VALUES ('e', 'e', 7)
       ON CONFLICT (netbox_id) WHERE netbox_id IS NOT NULL DO UPDATE SET device_name = 'seen'
       RETURNING asset_id`,
    );
    assert.equal(row.asset_id, "c");
    const indexes = await t.db.query<{ tablename: string; indexdef: string }>(
      `SELECT tablename, indexdef FROM pg_indexes
        WHERE tablename IN ('network_devices', 'device_ports', 'ip_allocations')
          AND indexdef LIKE '%(netbox_id)%' ORDER BY tablename`,
    );
    assert.deepEqual(indexes.map((i) => i.tablename), [
      "device_ports",
      "ip_allocations",
      "network_devices",
    ]);
    for (const i of indexes) assert.match(i.indexdef, /UNIQUE.*WHERE \(netbox_id IS NOT NULL\)/);
  } finally {
    await t.close();
  }
});
