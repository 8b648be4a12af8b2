// Backup and restore on the configured backend (PGlite, or PostgreSQL with DATABASE_URL):
// row-for-row equality after a round trip, refusal to overwrite, and consistency of a backup
// taken while clients write.
import assert from "node:assert/strict";
import type { Db } from "../server/db/db.ts";
import { migrate } from "../server/db/migrate.ts";
import { backupTables, restoreBackup, tableRows, writeBackup } from "../server/ops/backup.ts";
import { createTestDb } from "./support/db.ts";
import { startTestServer } from "./support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function backupToBytes(db: Db): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeBackup(db, new WritableStream({ write: (c) => void chunks.push(c) }));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const streamOf = (bytes: Uint8Array) => new Blob([bytes as BlobPart]).stream();

async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await db.transaction(async (tx) => {
    for (const t of await backupTables(tx)) {
      const rows: string[] = [];
      for await (const r of tableRows(tx, t)) rows.push(r);
      out[t] = rows.sort();
    }
  });
  return out;
}

async function freshDb() {
  const t = await createTestDb();
  await migrate(t.db);
  return t;
}

Deno.test(
  "a backup restored into a fresh database gives every table back row for row",
  opts,
  async () => {
    const source = await startTestServer();
    const target = await freshDb();
    try {
      const c = await source.client();
      const pool = await c.tool<{ id: number }>("create-ip-pool", {
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
      const sw = await c.tool<{ id: number }>("save-device", {
        assetId: "SW-1",
        deviceName: "core-sw-01",
        managementIp: "192.0.2.10",
        metadata: { rack: "R1", 'quote"d': [1, 2.5, null] },
      });
      const db = source.testDb.db;
      // Ports that refer to each other, unicode, arrays, jsonb, numeric-looking text, nulls.
      const [p1] = await db.query<{ id: number }>(
        "INSERT INTO device_ports (device_id, port_name, mac_address) VALUES ($1, 'Gi1/0/1', '00:11:22:33:44:55') RETURNING id",
        [sw.id],
      );
      const [p2] = await db.query<{ id: number }>(
        "INSERT INTO device_ports (device_id, port_name, connected_port_id, description) VALUES ($1, 'Gi1/0/2', $2, 'naïve → ünïcode ✓') RETURNING id",
        [sw.id, p1.id],
      );
      await db.query("UPDATE device_ports SET connected_port_id = $1 WHERE id = $2", [
        p2.id,
        p1.id,
      ]);
      await db.query(
        `INSERT INTO diagrams (name, tags, metadata) VALUES ('d1', '{a,"b c"}', '{"k": "v"}')`,
      );
      await db.query(
        `INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, is_published)
       SELECT id, 1, '<mxGraphModel/>', '{"pages": [], "n": 1.50}', true FROM diagrams`,
      );
      await db.query(
        "INSERT INTO alerts (alert_type, title, dedup_key, details) VALUES ('ip_conflict', 'x', 'k1', '{\"a\": 1}')",
      );
      await db.query("INSERT INTO templates (name, xml_content) VALUES ('t', '<x/>')");

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
      assert.ok(result.tables.audit_log > 0);

      // Identity sequences moved on: new rows do not collide with restored ids.
      const [maxId] = await target.db.query<{ m: number }>(
        "SELECT max(id)::int AS m FROM ip_pools",
      );
      const [fresh] = await target.db.query<{ id: number }>(
        "INSERT INTO ip_pools (name, network) VALUES ('new', '10.2.0.0/24') RETURNING id",
      );
      assert.ok(fresh.id > maxId.m);

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

Deno.test("restore refuses a truncated file and a file that is not a backup", opts, async () => {
  const source = await freshDb();
  const target = await freshDb();
  try {
    await source.db.query("INSERT INTO templates (name, xml_content) VALUES ('t', '<x/>')");
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

Deno.test("restore refuses version content that is not JSON, writing nothing", opts, async () => {
  // diagram_json is stored as text and passed on unparsed: a backup file edited to hold
  // something else there must not get in.
  const source = await freshDb();
  const target = await freshDb();
  try {
    const [d] = await source.db.query<{ id: number }>(
      "INSERT INTO diagrams (name) VALUES ('edited') RETURNING id",
    );
    await source.db.query(
      `INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json)
       VALUES ($1, 1, '<mxGraphModel/>', '{"pages": [')`,
      [d.id],
    );
    const bytes = await backupToBytes(source.db);
    await assert.rejects(
      restoreBackup(target.db, streamOf(bytes)),
      new RegExp(`version 1 of diagram ${d.id} has a diagram_json that is not JSON`),
    );
    const [{ n }] = await target.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM diagrams",
    );
    assert.equal(n, 0, "a refused restore writes nothing");

    // The same backup with valid content restores.
    await source.db.query("UPDATE diagram_versions SET diagram_json = '{\"pages\": []}'");
    await restoreBackup(target.db, streamOf(await backupToBytes(source.db)));
    const [v] = await target.db.query<{ diagram_json: string }>(
      "SELECT diagram_json FROM diagram_versions",
    );
    assert.equal(v.diagram_json, '{"pages": []}', "restored as it was stored");
  } finally {
    await source.close();
    await target.close();
  }
});

Deno.test(
  "a backup taken during concurrent writes restores to a consistent state",
  opts,
  async () => {
    const source = await startTestServer();
    const target = await freshDb();
    try {
      const admin = await source.client();
      const pool = await admin.tool<{ id: number }>("create-ip-pool", {
        name: "busy",
        network: "10.50.0.0/20",
      });
      const clients = await Promise.all([1, 2, 3, 4].map(() => source.client()));
      let stop = false;
      let done = 0;
      const writers = clients.map(async (c, n) => {
        for (let i = 0; !stop; i++) {
          await c.tool("allocate-ip", { poolId: pool.id, assetId: `W${n}-${i}` });
          await c.tool("save-device", { assetId: `D${n}-${i}`, deviceName: `d${n}-${i}` });
          done++;
        }
      });
      while (done < 20) await new Promise((r) => setTimeout(r, 5));
      const bytes = await backupToBytes(source.testDb.db);
      const doneAtBackup = done;
      stop = true;
      await Promise.all(writers);
      await restoreBackup(target.db, streamOf(bytes));

      const [check] = await target.db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM ip_allocations) AS allocations,
              (SELECT count(*)::int FROM audit_log WHERE entity_type = 'ip_allocation'
                  AND action = 'allocate') AS allocation_audits,
              (SELECT count(*)::int FROM ip_allocations a WHERE NOT EXISTS (
                  SELECT 1 FROM audit_log l WHERE l.entity_type = 'ip_allocation'
                     AND l.entity_id = a.id::text)) AS allocations_without_audit,
              (SELECT count(*)::int FROM network_devices) AS devices,
              (SELECT count(*)::int FROM network_devices d WHERE NOT EXISTS (
                  SELECT 1 FROM audit_log l WHERE l.entity_type = 'network_device'
                     AND l.entity_id = d.id::text)) AS devices_without_audit`,
      );
      assert.equal(check.allocations_without_audit, 0);
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
