// Backup and restore on the configured backend (PGlite, or PostgreSQL with DATABASE_URL):
// row-for-row equality after a round trip, refusal to overwrite, and consistency of a backup
// taken while clients write.
import assert from "node:assert/strict";
import { restoreBackup } from "../server/ops/backup.ts";
import { startTestServer } from "./support/server.ts";
import { Counter } from "./support/wait.ts";
import { backupToBytes, freshDb, snapshot, streamOf } from "./support/backup.ts";

Deno.test(
  "a backup restored into a fresh database gives every table back row for row",
  async () => {
    const source = await startTestServer();
    const target = await freshDb();
    try {
      const c = await source.client();
      const pool = await c.tool<{ id: string }>("create-ip-pool", {
        name: "core",
        network: "10.1.0.0/24",
        gateway: "10.1.0.1",
        dnsServers: ["10.1.0.2"],
      });
      await c.tool("create-ip-pool", { name: "v6", network: "2001:db8::/48" });
      for (let i = 0; i < 5; i++) {
        await c.tool("allocate-ip", {
          poolId: pool.id,
          assetId: `A${i}`,
        });
      }
      await c.tool("release-ip", { poolId: pool.id, ip: "10.1.0.4" });
      await c.tool("save-device", {
        assetId: "SW-1",
        deviceName: "core-sw-01",
        managementIp: "192.0.2.10",
        metadata: { rack: "R1", 'quote"d': [1, 2.5, null] },
      });
      const db = source.testDb.db;
      // Ports that refer to each other, unicode, arrays, jsonb, numeric-looking text, nulls.
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO device_ports (device_id, port_name, mac_address, connected_to_device,
                                     connected_to_port)
           VALUES ('SW-1', 'Gi1/0/1', '00:11:22:33:44:55', 'SW-1', 'Gi1/0/2')`,
        );
        await tx.query(
          `INSERT INTO device_ports (device_id, port_name, speed, connected_to_device,
                                     connected_to_port, description)
           VALUES ('SW-1', 'Gi1/0/2', '2.5G', 'SW-1', 'Gi1/0/1', 'naïve → ünïcode ✓')`,
        );
      });
      await db.query(
        `INSERT INTO diagrams (name, tags, metadata, diagram_xml, diagram_json)
         VALUES ('d1', '{a,"b c"}', '{"k": "v"}', '<mxGraphModel/>', '{"pages": [], "n": 1.50}')`,
      );
      await db.query(
        `INSERT INTO diagram_versions (diagram_id, version_number, name, diagram_xml, diagram_json,
                                       is_current, is_published)
         SELECT id, 1, name, diagram_xml, diagram_json, true, true FROM diagrams`,
      );
      await db.query(
        `INSERT INTO diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id)
         SELECT d.id, min(p.id), max(p.id), 'p1', 'e1' FROM diagrams d, device_ports p
          GROUP BY d.id`,
      );
      await db.query(
        "INSERT INTO alerts (alert_type, title, message, dedup_key, details) VALUES ('ip_conflict', 'x', 'm', 'k1', '{\"a\": 1}')",
      );
      await db.query("INSERT INTO templates (name, template_xml) VALUES ('t', '<x/>')");

      const bytes = await backupToBytes(db);
      const before = await snapshot(db);
      const result = await restoreBackup(target.db, streamOf(bytes));
      const after = await snapshot(target.db);
      assert.deepEqual(Object.keys(after), Object.keys(before));
      for (const table of Object.keys(before)) {
        assert.deepEqual(after[table], before[table], `table ${table} differs after restore`);
      }
      assert.equal(result.tables.ip_allocations, 5);
      assert.equal(result.tables.device_ports, 2);
      assert.equal(result.converted, false);
      assert.ok(result.tables.audit_log > 0);

      // Sequences moved on: new rows do not collide with restored ids, generated text ids
      // ("pool-3", "diagram-2", "template-2") included.
      const [fresh] = await target.db.query<Record<string, unknown>>(
        `WITH a AS (INSERT INTO alerts (alert_type, message) VALUES ('device_down', 'x')
                    RETURNING id),
              p AS (INSERT INTO ip_pools (name, network) VALUES ('new', '10.2.0.0/24')
                    RETURNING id),
              d AS (INSERT INTO diagrams (name) VALUES ('new') RETURNING id),
              t AS (INSERT INTO templates (name) VALUES ('new') RETURNING id)
         SELECT (SELECT id FROM a) AS alert, (SELECT id FROM p) AS pool,
                (SELECT id FROM d) AS diagram, (SELECT id FROM t) AS template,
                (SELECT max(id) FROM alerts WHERE message <> 'x') AS restored_alert`,
      );
      assert.deepEqual(fresh, {
        alert: (fresh.restored_alert as number) + 1,
        pool: "pool-3",
        diagram: "diagram-2",
        template: "template-2",
        restored_alert: fresh.restored_alert,
      });

      // The restored database is not empty any more: a second restore is refused unless forced.
      await assert.rejects(restoreBackup(target.db, streamOf(bytes)), /not empty/);
      const forced = await restoreBackup(target.db, streamOf(bytes), { force: true });
      assert.equal(forced.replaced, true);
      const again = await snapshot(target.db);
      assert.deepEqual(again, before);
    } finally {
      await source.close();
      await target.close();
    }
  },
);

Deno.test("restore refuses a truncated file and a file that is not a backup", async () => {
  const source = await freshDb();
  const target = await freshDb();
  try {
    await source.db.query("INSERT INTO templates (name, template_xml) VALUES ('t', '<x/>')");
    const bytes = await backupToBytes(source.db);
    const text = await new Response(
      streamOf(bytes).pipeThrough(new DecompressionStream("gzip")),
    ).text();
    const cut = text.slice(0, text.lastIndexOf('["end"'));
    const gz = await new Response(
      new Blob([cut]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    const count = async () =>
      (await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM templates"))[0].n;
    const shipped = await count();
    await assert.rejects(restoreBackup(target.db, streamOf(gz)), /truncated/);
    const junk = await new Response(
      new Blob(["hello\n"]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    await assert.rejects(restoreBackup(target.db, streamOf(junk)), /not an ArchiFlow backup/);
    assert.equal(await count(), shipped, "a refused restore leaves the database as it was");
  } finally {
    await source.close();
    await target.close();
  }
});

Deno.test(
  "restore refuses a file whose port names a peer it lacks, writing nothing",
  async () => {
    // Rows load in any order and the foreign keys are checked at commit: a backup edited to lose
    // one end of a cable fails as a whole.
    const source = await freshDb();
    const target = await freshDb();
    try {
      await source.db.transaction(async (tx) => {
        await tx.query("INSERT INTO network_devices (asset_id, device_name) VALUES ('A', 'a')");
        await tx.query(
          `INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
         VALUES ('A', 'p1', 'A', 'p2'), ('A', 'p2', 'A', 'p1')`,
        );
      });
      const text = await new Response(
        streamOf(await backupToBytes(source.db)).pipeThrough(new DecompressionStream("gzip")),
      ).text();
      const edited = text.split("\n").filter((l) => !l.includes('"port_name":"p2"'))
        .map((l) => l.startsWith('["end"') ? l.replace('"device_ports":2', '"device_ports":1') : l)
        .join("\n");
      assert.notEqual(edited, text);
      const gz = await new Response(
        new Blob([edited]).stream().pipeThrough(new CompressionStream("gzip")),
      ).bytes();
      await assert.rejects(
        restoreBackup(target.db, streamOf(gz)),
        /Cannot restore, nothing was written: .*foreign key/,
      );
      const [{ n }] = await target.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM network_devices",
      );
      assert.equal(n, 0, "a refused restore writes nothing");
    } finally {
      await source.close();
      await target.close();
    }
  },
);

Deno.test(
  "a backup taken during concurrent writes restores to a consistent state",
  async () => {
    const source = await startTestServer();
    const target = await freshDb();
    try {
      const admin = await source.client();
      const pool = await admin.tool<{ id: string }>("create-ip-pool", {
        name: "busy",
        network: "10.50.0.0/20",
      });
      const clients = await Promise.all([1, 2, 3, 4].map(() => source.client()));
      let stop = false;
      const done = new Counter();
      const writers = clients.map(async (c, n) => {
        for (let i = 0; !stop; i++) {
          await c.tool("allocate-ip", { poolId: pool.id, assetId: `W${n}-${i}` });
          await c.tool("save-device", { assetId: `D${n}-${i}`, deviceName: `d${n}-${i}` });
          done.add();
        }
      });
      await done.reaches(20);
      const bytes = await backupToBytes(source.testDb.db);
      const doneAtBackup = done.value;
      stop = true;
      await Promise.all(writers);
      await restoreBackup(target.db, streamOf(bytes));

      const [check] = await target.db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM ip_allocations) AS allocations,
              (SELECT count(*)::int FROM audit_log WHERE entity_type = 'ip_pool'
                  AND action = 'allocate_ip' AND entity_id = $1) AS allocation_audits,
              (SELECT count(*)::int FROM network_devices) AS devices,
              (SELECT count(*)::int FROM network_devices d WHERE NOT EXISTS (
                  SELECT 1 FROM audit_log l WHERE l.entity_type = 'device'
                     AND l.entity_id = d.asset_id)) AS devices_without_audit`,
        [pool.id],
      );
      assert.equal(check.devices_without_audit, 0);
      assert.equal(check.allocations, check.allocation_audits);
      assert.ok(check.allocations >= 20 && check.allocations <= doneAtBackup + 4);
      // Writers each allocate before saving a device: the snapshot is one instant, so devices
      // trail allocations by at most one per writer.
      assert.ok(check.allocations - check.devices >= 0 && check.allocations - check.devices <= 4);
    } finally {
      await source.close();
      await target.close();
    }
  },
);
