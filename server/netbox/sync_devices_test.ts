// What a NetBox sync makes of devices and ports: devices keyed by their NetBox id, ports with
// text speeds, admin-down and both ends of a cable. The sync's runs (full, incremental, failures,
// overlap) are in sync_test.ts.
import assert from "node:assert/strict";
import postgres from "postgres";
import { netboxDemoMissing } from "../../tests/netbox_double/demo_db.ts";
import { syncNetbox } from "./sync.ts";
import { slowFile } from "../../tests/support/timeouts.ts";
import { syncSetup as setup } from "../../tests/support/netbox_sync.ts";

// Each test loads NetBox's demo database and serves it through the double: the slow limit.
slowFile();

const skip = await netboxDemoMissing("NetBox sync tests");
const opts = { ignore: skip };
const ALL = { roles: ["*"], tags: [], isPool: true };

Deno.test(
  "synced devices are keyed by their NetBox id; ports get text speeds, admin-down and both cable ends",
  opts,
  async () => {
    const t = await setup();
    const nb = postgres(t.demo.url, { max: 1, onnotice: () => {} });
    try {
      // NetBox: device 2 carries an asset tag a local device has; two interfaces get speeds
      // (kbit/s) and one is disabled.
      await nb`UPDATE dcim_device SET asset_tag = 'LOCAL-TAG' WHERE id = 2`;
      const [gig, twoHalf] = await nb<{ id: number; device_id: number; name: string }[]>`
        SELECT id, device_id, name FROM dcim_interface ORDER BY id LIMIT 2`;
      await nb`UPDATE dcim_interface SET speed = 1000000, enabled = false WHERE id = ${gig.id}`;
      await nb`UPDATE dcim_interface SET speed = 2500000 WHERE id = ${twoHalf.id}`;
      // Here: a device under that asset tag, one whose asset id is NetBox device 3's id, and an
      // unrelated one whose asset id is NetBox device 4's id but which NetBox device 5 adopts
      // by its tag, so device 4 must be keyed otherwise.
      await t.db.query(
        `INSERT INTO network_devices (asset_id, device_name, created_by)
         VALUES ('LOCAL-TAG', 'tagged here', 'alice'), ('3', 'three here', 'alice'),
                ('4', 'four here', 'alice')`,
      );
      await nb`UPDATE dcim_device SET asset_tag = '4' WHERE id = 5`;

      const run = await syncNetbox({ db: t.db, client: t.client, selection: ALL }, {
        mode: "full",
      });
      assert.equal(run.status, "succeeded", JSON.stringify(run.errors));
      const devices = await t.db.query<
        { asset_id: string; netbox_id: number; device_name: string; created_by: string | null }
      >(
        "SELECT asset_id, netbox_id, device_name, created_by FROM network_devices ORDER BY netbox_id",
      );
      assert.equal(devices.length, 72, "the three local devices were adopted, none added");
      const byNetbox = new Map(devices.map((d) => [d.netbox_id, d]));
      assert.equal(byNetbox.get(1)!.asset_id, "1");
      assert.equal(byNetbox.get(1)!.created_by, "netbox-sync");
      assert.equal(byNetbox.get(2)!.asset_id, "LOCAL-TAG");
      assert.equal(byNetbox.get(2)!.device_name, "dmi01-albany-rtr01");
      assert.equal(byNetbox.get(3)!.asset_id, "3");
      assert.equal(byNetbox.get(3)!.created_by, "alice");
      assert.equal(byNetbox.get(5)!.asset_id, "4");
      assert.equal(byNetbox.get(4)!.asset_id, "netbox:4");
      const others = devices.filter((d) => ![2, 4, 5].includes(d.netbox_id));
      assert.ok(others.every((d) => d.asset_id === String(d.netbox_id)));

      const ports = await t.db.query<
        { netbox_id: number; device_id: string; speed: string; status: string }
      >(
        "SELECT netbox_id, device_id, speed, status FROM device_ports WHERE netbox_id = ANY($1::int4[]) ORDER BY netbox_id",
        [[Number(gig.id), Number(twoHalf.id)]],
      );
      assert.deepEqual(ports.map((p) => [p.speed, p.status]), [["1G", "admin-down"], [
        "2.5G",
        "up",
      ]]);
      assert.equal(ports[0].device_id, byNetbox.get(Number(gig.device_id))!.asset_id);
      const [statuses] = await t.db.query<{ up: number; other: number }>(
        `SELECT count(*) FILTER (WHERE status = 'up')::int AS up,
                count(*) FILTER (WHERE status NOT IN ('up', 'admin-down'))::int AS other
           FROM device_ports`,
      );
      assert.deepEqual(statuses, { up: 1585, other: 0 });

      // The document's view lists each cabled port once from each end.
      const [view] = await t.db.query<{ n: number; named: number }>(
        `SELECT count(*)::int AS n, count(target_name)::int AS named FROM device_connections`,
      );
      const mirror = run.counts.mirror as Record<string, number>;
      assert.equal(view.n, 2 * mirror.connections);
      assert.equal(view.named, view.n);

      // Addresses on no device are mirrored with no asset ('').
      const [assets] = await t.db.query<{ none: number; unknown: number }>(
        `SELECT count(*) FILTER (WHERE l.asset_id = '')::int AS none,
                count(*) FILTER (WHERE l.asset_id <> '' AND d.asset_id IS NULL)::int AS unknown
           FROM ip_allocations l LEFT JOIN network_devices d ON d.asset_id = l.asset_id
          WHERE l.netbox_id IS NOT NULL`,
      );
      const [onNoDevice] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ip_allocations l JOIN netbox_ip_addresses a
             ON a.netbox_id = l.netbox_id WHERE a.device_netbox_id IS NULL`,
      );
      assert.equal(assets.none, onNoDevice.n);
      assert.equal(assets.unknown, 0);

      // A device renamed in NetBox keeps its asset id, and its ports and cables stay on it.
      await nb`UPDATE dcim_device SET name = 'renamed', last_updated = now() WHERE id = 1`;
      const again = await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      assert.equal(again.status, "succeeded", JSON.stringify(again.errors));
      const [one] = await t.db.query<{ asset_id: string; device_name: string; ports: number }>(
        `SELECT asset_id, device_name,
                (SELECT count(*)::int FROM device_ports p WHERE p.device_id = d.asset_id) AS ports
           FROM network_devices d WHERE netbox_id = 1`,
      );
      assert.deepEqual([one.asset_id, one.device_name], ["1", "renamed"]);
      assert.ok(one.ports > 0);
      const audits = await t.db.query<{ entity_type: string; n: number }>(
        `SELECT entity_type, count(*)::int AS n FROM audit_log
          WHERE entity_type IN ('device', 'port') GROUP BY 1 ORDER BY 1`,
      );
      assert.deepEqual(audits.map((a) => a.entity_type), ["device", "port"]);
    } finally {
      await nb.end();
      await t.close();
    }
  },
);
