// A backup written by the previous release (schema version 150, fixture backup_0150.jsonl.gz)
// restores into the current schema converted, on the configured backend. Round trips of the
// current release's backups are in ops_backup_test.ts.
import assert from "node:assert/strict";
import { restoreBackup } from "../server/ops/backup.ts";
import { backupToBytes, freshDb, snapshot, streamOf } from "./support/backup.ts";

Deno.test(
  "a backup written by the previous release (schema version 150) restores converted",
  async () => {
    // tests/fixtures/backup_0150.jsonl.gz is the file `deno task backup` of that release wrote
    // for a database its own tools filled (pools, allocations, a cabled diagram in two
    // versions, a share, ports, a template, an acknowledged alert, NetBox mirror rows).
    const fixture = new URL("./fixtures/backup_0150.jsonl.gz", import.meta.url);
    const target = await freshDb();
    const again = await freshDb();
    try {
      const result = await restoreBackup(target.db, (await Deno.open(fixture)).readable);
      assert.equal(result.schemaVersion, 150);
      assert.equal(result.converted, true);
      const db = target.db;
      const [n] = await db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM ip_pools) AS pools,
                (SELECT count(*)::int FROM ip_allocations) AS allocations,
                (SELECT count(*)::int FROM audit_log) AS audit,
                (SELECT count(*)::int FROM device_ports) AS ports,
                (SELECT count(*)::int FROM diagram_versions) AS versions,
                (SELECT count(*)::int FROM templates) AS templates,
                (SELECT count(*)::int FROM sites) + (SELECT count(*)::int FROM vlans)
                  + (SELECT count(*)::int FROM netbox_prefixes)
                  + (SELECT count(*)::int FROM netbox_ip_addresses)
                  + (SELECT count(*)::int FROM netbox_cables)
                  + (SELECT count(*)::int FROM netbox_outbox) AS netbox,
                (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'archiflow_0150')
                  AS scratch`,
      );
      assert.deepEqual(n, {
        pools: 3,
        allocations: 7,
        audit: 23,
        ports: 5,
        versions: 2,
        templates: 4,
        netbox: 6,
        scratch: 0,
      });
      assert.equal(result.tables.audit_log, 23);
      assert.deepEqual(
        await db.query("SELECT id, name, dns_servers FROM ip_pools ORDER BY id"),
        [
          { id: "1", name: "core", dns_servers: ["10.1.0.2", "10.1.0.3"] },
          { id: "2", name: "v6", dns_servers: [] },
          { id: "3", name: "tiny", dns_servers: [] },
        ],
      );
      assert.deepEqual(
        await db.query(
          `SELECT device_id, port_name, speed, status, connected_to_device AS peer,
                  connected_to_port AS peer_port
             FROM device_ports ORDER BY id`,
        ),
        [
          {
            device_id: "SW-1",
            port_name: "Gi1/0/1",
            speed: null,
            status: "unknown",
            peer: "RTR-1",
            peer_port: "Gi0/0/0",
          },
          {
            device_id: "RTR-1",
            port_name: "Gi0/0/0",
            speed: null,
            status: "unknown",
            peer: "SW-1",
            peer_port: "Gi1/0/1",
          },
          {
            device_id: "SRV-9",
            port_name: "eth0",
            speed: "1G",
            status: "up",
            peer: null,
            peer_port: null,
          },
          {
            device_id: "SRV-9",
            port_name: "eth1",
            speed: "2.5G",
            status: "admin-down",
            peer: null,
            peer_port: null,
          },
          {
            device_id: "SRV-9",
            port_name: "mgmt",
            speed: "100M",
            status: "unknown",
            peer: null,
            peer_port: null,
          },
        ],
      );
      // The diagram holds the content of its current version (2, the cabled one).
      const [d] = await db.query<Record<string, unknown>>(
        `SELECT d.id, d.version, d.diagram_xml = v.diagram_xml AS same_xml,
                d.diagram_json = v.diagram_json AS same_json, d.diagram_xml LIKE '%source_port%'
                AS cabled, jsonb_typeof(d.diagram_json) AS json_type,
                (SELECT array_agg(version_number ORDER BY version_number) FROM diagram_versions
                  WHERE diagram_id = d.id AND is_current) AS current,
                (SELECT array_agg(version_number) FROM diagram_versions
                  WHERE diagram_id = d.id AND is_published) AS published,
                (SELECT array_agg(DISTINCT name) FROM diagram_versions
                  WHERE diagram_id = d.id) AS names,
                (SELECT count(*)::int FROM diagram_links WHERE diagram_id = d.id) AS links,
                (SELECT user_name FROM diagram_shares WHERE diagram_id = d.id) AS shared
           FROM diagrams d JOIN diagram_versions v
             ON v.diagram_id = d.id AND v.version_number = d.version`,
      );
      assert.deepEqual(d, {
        id: "1",
        version: 2,
        same_xml: true,
        same_json: true,
        cabled: true,
        json_type: "object",
        current: [2],
        published: [1],
        names: ["Campus"],
        links: 1,
        shared: "bob",
      });
      assert.deepEqual(
        await db.query("SELECT id, name FROM templates ORDER BY id"),
        [
          { id: "4", name: "My template" },
          { id: "small-branch-office", name: "Small branch office" },
          { id: "spine-leaf-pod", name: "Spine-leaf pod" },
          { id: "two-tier-campus", name: "Two-tier campus" },
        ],
      );
      assert.deepEqual(
        await db.query(
          `SELECT is_acknowledged, acknowledged_by,
                  (SELECT count(*)::int FROM audit_log WHERE host(ip_address) = '127.0.0.1'
                      AND user_id = 'alice') AS audited
             FROM alerts`,
        ),
        [{ is_acknowledged: true, acknowledged_by: "alice", audited: 23 }],
      );
      // The pool's counters and free ranges came along: the next address is the released one.
      const [next] = await db.query<{ ip: string }>(
        `SELECT host(first_ip) AS ip FROM ip_pool_free_ranges WHERE pool_id = '1'
          ORDER BY first_ip LIMIT 1`,
      );
      assert.equal(next.ip, "10.1.0.5");
      assert.deepEqual(
        await db.query(
          "SELECT pool_id, active_count::int AS n FROM ip_pool_state ORDER BY pool_id",
        ),
        [{ pool_id: "1", n: 4 }, { pool_id: "2", n: 0 }, { pool_id: "3", n: 2 }],
      );

      // The converted database backs up and restores in the current format, row for row.
      const bytes = await backupToBytes(db);
      await restoreBackup(again.db, streamOf(bytes));
      assert.deepEqual(await snapshot(again.db), await snapshot(db));

      // Like any restore, it does not overwrite data unless forced.
      await assert.rejects(
        restoreBackup(db, (await Deno.open(fixture)).readable),
        /not empty/,
      );
      const forced = await restoreBackup(db, (await Deno.open(fixture)).readable, { force: true });
      assert.deepEqual([forced.replaced, forced.converted], [true, true]);
      assert.deepEqual(await snapshot(db), await snapshot(again.db));
    } finally {
      await target.close();
      await again.close();
    }
  },
);
