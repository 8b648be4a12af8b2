import assert from "node:assert/strict";
import { migrate, MigrationError, readMigrations, schemaVersion } from "./migrate.ts";
import { createTestDb } from "../../tests/support/db.ts";

Deno.test(
  "migrate() builds the schema from empty and a second run applies nothing",
  async () => {
    const t = await createTestDb();
    try {
      const files = await readMigrations();
      const first = await migrate(t.db);
      assert.deepEqual(first.applied, files.map((f) => f.file));
      assert.equal(first.schemaVersion, files.at(-1)!.version);
      assert.equal(first.convertedFrom, null);
      const tables = await t.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'archiflow'
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
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'archiflow' ORDER BY 1",
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

Deno.test("migrate() refuses an applied migration whose file changed", async () => {
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

Deno.test("migration file names must be numbered", async () => {
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
  "another application's schema_migrations in public is left alone, not converted",
  async () => {
    const t = await createTestDb();
    try {
      await t.db.exec(
        `CREATE TABLE public.schema_migrations (version varchar(20) PRIMARY KEY);
         INSERT INTO public.schema_migrations VALUES ('20240101000000')`,
      );
      const result = await migrate(t.db);
      assert.equal(result.convertedFrom, null);
      assert.equal(result.schemaVersion, 1);
      const [row] = await t.db.query<{ v: string }>(
        "SELECT version AS v FROM public.schema_migrations",
      );
      assert.equal(row.v, "20240101000000");
    } finally {
      await t.close();
    }
  },
);

Deno.test("NetBox ids stay unique where set; rows without one are not indexed", async () => {
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

Deno.test(
  "views are re-created only when their file changed, and keep what was granted on them",
  async () => {
    const t = await createTestDb();
    const role = `view_reader_${crypto.randomUUID().slice(0, 8)}`;
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/views`);
      const shipped = new URL("../../sql/views/", import.meta.url);
      for (const e of Deno.readDirSync(shipped)) {
        await Deno.copyFile(new URL(e.name, shipped), `${dir}/views/${e.name}`);
      }
      const viewDir = new URL(`file://${dir}/views/`);
      await migrate(t.db, { viewDir });
      await t.db.exec(`CREATE ROLE ${role} NOLOGIN`);
      await t.db.exec(`GRANT SELECT ON archiflow.ip_pool_usage TO ${role}`);
      const canRead = async () =>
        (await t.db.query<{ ok: boolean }>(
          "SELECT has_table_privilege($1, 'archiflow.ip_pool_usage', 'SELECT') AS ok",
          [role],
        ))[0].ok;
      const oid = async () =>
        (await t.db.query<{ oid: number }>(
          "SELECT 'archiflow.ip_pool_usage'::regclass::oid::int AS oid",
        ))[0].oid;
      const before = await oid();

      await migrate(t.db, { viewDir });
      assert.equal(await oid(), before, "an unchanged view is left as it is");
      assert.equal(await canRead(), true);

      const file = `${dir}/views/10_ip_pool_usage.sql`;
      await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n-- changed\n");
      await migrate(t.db, { viewDir });
      assert.notEqual(await oid(), before, "a changed view is re-created");
      assert.equal(await canRead(), true, "the grant comes back with the re-created view");
    } finally {
      await t.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
      await t.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "schemaVersion() is 0 before the first migration and reports any other failure",
  async () => {
    const t = await createTestDb();
    try {
      assert.equal(await schemaVersion(t.db), 0);
      await migrate(t.db);
      assert.ok(await schemaVersion(t.db) > 0);
      // A database that cannot answer has no known version (it was reported as 0).
      const unreachable = {
        query: () =>
          Promise.reject(Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" })),
        exec: () => Promise.resolve(),
      };
      await assert.rejects(schemaVersion(unreachable), /connect refused/);
    } finally {
      await t.close();
    }
  },
);
