// Device, port and allocation writes over REST and WebSocket: ports connect both ways, a status
// change re-checks "all ports down", allocations edit only their descriptive fields, and a
// device with addresses is deleted only with force, all or nothing.
// Over 400 lines for one reason: the first test is one scenario over a single set of devices, its
// steps each relying on the links and alerts the one before made.
import assert from "node:assert/strict";
import { RpcCallError, ToolCallError } from "./support/rpc_client.ts";
import { getJson, jsonInit } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

type Row = Record<string, unknown>;

Deno.test(
  "device, port and allocation writes keep links, alerts and audit consistent",
  async (t) => {
    const s = await startTestServer();
    const db = s.testDb.db;
    const count = async (table: string, where = "true") =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0]
        .n;
    const port = async (id: number) =>
      (await db.query<Row>("SELECT * FROM device_ports WHERE id = $1", [id]))[0];
    // The port a port is connected to, as "device:port", or null.
    const peer = async (id: number) => {
      const p = await port(id);
      return p.connected_to_device === null
        ? null
        : `${p.connected_to_device}:${p.connected_to_port}`;
    };
    const rejects = async (p: Promise<unknown>, code: string) => {
      const err = await p.then(() => null, (e) => e);
      assert.ok(err instanceof ToolCallError, `expected ${code}, got ${err}`);
      assert.equal(err.code, code, err.message);
      return err;
    };
    try {
      const c = await s.client();
      await c.call("subscribe", { topics: ["devices"] });
      const d1 = await c.tool("save-device", { assetId: "DW-1", deviceName: "sw1" });
      const d2 = await c.tool("save-device", { assetId: "DW-2", deviceName: "sw2" });
      const pool = await c.tool("create-ip-pool", { name: "dw", network: "10.9.0.0/29" });
      const a1 = await c.tool("allocate-ip", { poolId: pool.id, assetId: "DW-1" });
      await c.tool("allocate-ip", { poolId: pool.id, assetId: "DW-1" });
      let p1 = 0, p2 = 0, p3 = 0;

      await t.step(
        "ports are created over WebSocket and REST; a bad one writes nothing",
        async () => {
          const audits = await count("audit_log");
          await rejects(
            c.tool("save-device-port", {
              deviceId: d1.asset_id,
              portName: "eth0",
              macAddress: "zz",
            }),
            "invalid",
          );
          await rejects(
            c.tool("save-device-port", { deviceId: "NO-SUCH", portName: "eth0" }),
            "not_found",
          );
          assert.equal(await count("device_ports"), 0);
          assert.equal(await count("audit_log"), audits, "no audit rows for refused calls");

          const slow = await c.tool("save-device-port", {
            deviceId: d1.asset_id,
            portName: "eth0",
            speed: "fast",
          }).then(() => null, (e) => e);
          assert.ok(slow instanceof RpcCallError, String(slow));
          assert.match(slow.message, /speed: must be a speed/);
          const created = await c.tool("save-device-port", {
            deviceId: d1.asset_id,
            portName: "eth0",
            status: "up",
            macAddress: "AA-BB-CC-00-11-22",
            speedMbps: 1000,
          });
          p1 = created.id as number;
          assert.equal(created.device_id, "DW-1");
          assert.equal(created.mac_address, "aa:bb:cc:00:11:22");
          assert.equal(created.status, "up");
          assert.equal(created.speed, "1G", "Mbit/s become the document's text");
          const rest = await getJson(
            s,
            "/api/device-ports/",
            jsonInit("POST", [
              { device_id: d2.asset_id, port_name: "ge-0/0/1", status: "up", speed: "10G" },
              { device_id: d2.asset_id, port_name: "ge-0/0/2", status: "up", vlan_id: 10 },
            ]),
          );
          assert.equal(rest.status, 201, JSON.stringify(rest.body));
          [p2, p3] = (rest.body as unknown as Row[]).map((r) => r.id as number);
          assert.equal((await port(p2)).speed, "10G");
          const dup = await getJson(
            s,
            "/api/device-ports/",
            jsonInit("POST", { device_id: d2.asset_id, port_name: "ge-0/0/1" }),
          );
          assert.equal(dup.status, 409, "port names are unique per device");
          assert.equal(await count("device_ports"), 3);
          assert.equal(await count("audit_log", "entity_type = 'port'"), 3);
        },
      );

      await t.step("connecting a port links both ends and drops previous peers", async () => {
        const linked = await c.tool("save-device-port", { id: p1, connectedPortId: p2 });
        assert.deepEqual([linked.connected_to_device, linked.connected_to_port], [
          "DW-2",
          "ge-0/0/1",
        ]);
        assert.equal(await peer(p2), "DW-1:eth0");
        // Reconnect from the other side over REST, naming the peer by device and port: p1 now
        // goes to p3, p2 is left alone.
        const res = await getJson(
          s,
          `/api/device-ports/${p3}/`,
          jsonInit("PATCH", { connected_to_device: "DW-1", connected_to_port: "eth0" }),
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.connected_to_device, "DW-1");
        assert.equal(res.body.connected_to_port, "eth0");
        assert.equal(await peer(p1), "DW-2:ge-0/0/2");
        assert.equal(await peer(p2), null, "the previous peer is cleared");
        // One cable, DW-1:eth0 - DW-2:ge-0/0/2, listed from either end.
        const conns = await getJson(s, "/api/connections/");
        const ends = (conns.body.results as Row[]).map((r) =>
          `${r.source_device}:${r.source_port} > ${r.target_device}:${r.target_port}`
        );
        assert.ok(ends.length >= 1, JSON.stringify(conns.body));
        for (const end of ends) {
          assert.ok(
            ["DW-1:eth0 > DW-2:ge-0/0/2", "DW-2:ge-0/0/2 > DW-1:eth0"].includes(end),
            end,
          );
        }
        const peerAudit = await db.query<Row>(
          `SELECT old_value, new_value FROM audit_log
          WHERE entity_type = 'port' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
          [String(p2)],
        );
        assert.deepEqual(peerAudit[0].old_value, {
          connected_to_device: "DW-1",
          connected_to_port: "eth0",
        });
        assert.deepEqual(peerAudit[0].new_value, {
          connected_to_device: null,
          connected_to_port: null,
        });
        // Renaming a port carries the new name to its peer's end of the cable.
        await c.tool("save-device-port", { id: p1, portName: "eth0-renamed" });
        assert.equal(await peer(p3), "DW-1:eth0-renamed");
        await c.tool("save-device-port", { id: p1, portName: "eth0" });
        assert.equal(await peer(p3), "DW-1:eth0");
      });

      await t.step("refused connections change nothing", async () => {
        const audits = await count("audit_log");
        const self = await getJson(
          s,
          `/api/device-ports/${p1}/`,
          jsonInit("PATCH", { connected_to_device: "DW-1", connected_to_port: "eth0" }),
        );
        assert.equal(self.status, 400);
        await rejects(c.tool("save-device-port", { id: p1, connectedPortId: 999999 }), "not_found");
        await rejects(
          c.tool("save-device-port", {
            id: p1,
            connectedToDevice: "DW-2",
            connectedToPort: "nope",
          }),
          "not_found",
        );
        // A bulk PATCH whose second item fails rolls back the first item's reconnect.
        const bulk = await getJson(
          s,
          "/api/device-ports/",
          jsonInit("PATCH", [
            { id: p2, connected_to_device: "DW-1", connected_to_port: "eth0" },
            { id: p3, mac_address: "not-a-mac" },
          ]),
        );
        assert.equal(bulk.status, 400);
        assert.equal(await peer(p1), "DW-2:ge-0/0/2");
        assert.equal(await peer(p3), "DW-1:eth0");
        assert.equal(await peer(p2), null);
        assert.equal(await count("audit_log"), audits);
      });

      await t.step("a status change re-checks whether every port is down", async () => {
        const down = await getJson(
          s,
          `/api/device-ports/${p1}/`,
          jsonInit("PATCH", { status: "down" }),
        );
        assert.equal(down.status, 200, JSON.stringify(down.body));
        const open = "dedup_key = 'device_down:device:DW-1' AND NOT resolved";
        assert.equal(await count("alerts", open), 1, "sw1's only port is down");
        await c.tool("save-device-port", { id: p1, status: "up" });
        assert.equal(await count("alerts", open), 0, "a port up again resolves it");
        // sw2 has two ports: one down is not all down.
        await c.tool("save-device-port", { id: p2, status: "down" });
        assert.equal(await count("alerts", "dedup_key = 'device_down:device:DW-2'"), 0);
      });

      await t.step("deleting a port clears its peer", async () => {
        const spare = await c.tool("save-device-port", {
          deviceId: d2.asset_id,
          portName: "spare",
        });
        const del = await s.fetch(`/api/device-ports/${p3}/`, { method: "DELETE" });
        assert.equal(del.status, 204);
        assert.equal(await port(p3), undefined);
        assert.equal(await peer(p1), null);
        const gone = await c.tool("delete-device-port", { id: spare.id });
        assert.equal(gone.deleted, true);
        await rejects(c.tool("delete-device-port", { id: spare.id }), "not_found");
        // sw2 now has only p2, which is down.
        assert.equal(
          await count("alerts", "dedup_key = 'device_down:device:DW-2' AND NOT resolved"),
          1,
        );
      });

      await t.step("allocations change descriptive fields only", async () => {
        const path = `/api/ip-allocations/${a1.id}/`;
        const res = await getJson(
          s,
          path,
          jsonInit("PATCH", {
            hostname: "sw1.lab",
            mac_address: "0011.2233.4455",
            notes: "mgmt",
          }),
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.hostname, "sw1.lab");
        assert.equal(res.body.mac_address, "00:11:22:33:44:55");
        assert.equal(res.body.ip_address, a1.ip_address);
        // GET then PUT of the same object is accepted; moving the address is not.
        const put = await getJson(s, path, jsonInit("PUT", { ...res.body, device_name: "sw1" }));
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.device_name, "sw1");
        const audits = await count("audit_log");
        const moved = await getJson(s, path, jsonInit("PATCH", { ip_address: "10.9.0.6" }));
        assert.equal(moved.status, 400);
        const badMac = await getJson(
          s,
          path,
          jsonInit("PATCH", { mac_address: "nope", hostname: "x" }),
        );
        assert.equal(badMac.status, 400);
        // The pool is no argument of the tool at all: invalid params before any write.
        const noPool = await c.tool("update-ip-allocation", { id: a1.id, poolId: 2 }).then(
          () => null,
          (e) => e,
        );
        assert.ok(noPool instanceof RpcCallError, String(noPool));
        assert.match(noPool.message, /poolId/);
        assert.equal(await count("audit_log"), audits);
        assert.equal((await getJson(s, path)).body.hostname, "sw1.lab");
        const ws = await c.tool("update-ip-allocation", { id: a1.id, hostname: null });
        assert.equal(ws.hostname, null);
        assert.equal(ws.notes, "mgmt");
      });

      await t.step(
        "a device with addresses is deleted only with force, all or nothing",
        async () => {
          const audits = await count("audit_log");
          const err = await rejects(c.tool("delete-device", { assetId: "DW-1" }), "conflict");
          assert.match(err.message, /2 active IP allocations/);
          const rest = await getJson(s, `/api/devices/${d1.asset_id}/`, { method: "DELETE" });
          assert.equal(rest.status, 409);
          // Forced, but the second item of the bulk delete fails: the release is undone too.
          const bulk = await getJson(
            s,
            "/api/devices/?force=true",
            jsonInit("DELETE", [{ asset_id: d1.asset_id }, { asset_id: "NO-SUCH" }]),
          );
          assert.equal(bulk.status, 404, JSON.stringify(bulk.body));
          assert.equal(await count("ip_allocations", "asset_id = 'DW-1' AND is_active"), 2);
          assert.equal(await count("network_devices"), 2);
          assert.equal(await count("audit_log"), audits);
          assert.equal((await c.tool("get-ip-pool", { poolId: pool.id })).allocated_count, 2);

          // Over WebSocket the tool owns its transaction: a failure after the release (here a
          // trigger refusing the delete) must undo the release as well.
          await db.exec(`
        CREATE FUNCTION test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused by test'; END $$;
        CREATE TRIGGER test_refuse_delete BEFORE DELETE ON network_devices
          FOR EACH ROW EXECUTE FUNCTION test_refuse_delete();`);
          const failed = await c.tool("delete-device", { assetId: d1.asset_id, force: true }).then(
            () => null,
            (e) => e,
          );
          await db.exec(`DROP TRIGGER test_refuse_delete ON network_devices;
        DROP FUNCTION test_refuse_delete();`);
          assert.ok(failed instanceof ToolCallError, String(failed));
          assert.equal(await count("ip_allocations", "asset_id = 'DW-1' AND is_active"), 2);
          assert.equal((await c.tool("get-ip-pool", { poolId: pool.id })).allocated_count, 2);
          assert.equal(await count("audit_log"), audits);

          // sw1's port connects to sw2's before the forced delete.
          await c.tool("save-device-port", { id: p1, connectedPortId: p2 });
          const del = await s.fetch(`/api/devices/${d1.asset_id}/?force=true`, {
            method: "DELETE",
          });
          assert.equal(del.status, 204, await del.text());
          assert.equal(await count("network_devices", `asset_id = 'DW-1'`), 0);
          assert.equal(await port(p1), undefined, "ports go with the device");
          assert.equal(await peer(p2), null, "the peer is disconnected");
          assert.equal(await count("ip_allocations", "asset_id = 'DW-1' AND is_active"), 0);
          assert.equal(await count("ip_allocations", "asset_id = 'DW-1'"), 2, "history stays");
          const after = await c.tool("get-ip-pool", { poolId: pool.id });
          assert.equal(after.allocated_count, 0);
          // The released addresses are free again: the lowest is handed out next.
          const again = await c.tool("allocate-ip", { poolId: pool.id });
          assert.equal(again.ip_address, a1.ip_address);
          assert.equal(
            await count("audit_log", `entity_type = 'device' AND action = 'delete'`),
            1,
          );
          const note = await c.waitForNotification((n) =>
            n.method === "notifications/device-changed" &&
            (n.params as Row)?.change === "deleted"
          );
          assert.equal((note.params as Row).assetId, "DW-1");

          // Without addresses no force is needed; an unknown device is not found.
          const plain = await c.tool("delete-device", { id: d2.asset_id });
          assert.equal(plain.released_count, 0);
          assert.equal(await count("device_ports"), 0);
          await rejects(c.tool("delete-device", { assetId: "DW-2" }), "not_found");
        },
      );
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "get-devices returns every device with their count, pages on request, and takes the document's statuses",
  async () => {
    const s = await startTestServer();
    const db = s.testDb.db;
    try {
      const c = await s.client();
      // More devices than any page size the listing ever had.
      await db.query(
        `INSERT INTO network_devices (asset_id, device_name, device_type)
         SELECT 'BULK-' || lpad(g::text, 3, '0'), 'bulk-' || lpad(g::text, 3, '0'), 'switch'
           FROM generate_series(1, 117) AS g`,
      );
      const saved = [];
      for (const [i, status] of ["inactive", "maintenance", "decommissioned"].entries()) {
        saved.push(
          await c.tool("save-device", {
            assetId: `doc-${i}`,
            deviceName: `doc-switch-${i}`,
            deviceType: "switch",
            vendor: "Cisco",
            model: "Catalyst 9300",
            status,
            location: "Hall 2",
            rackPosition: `R1-U${i + 10}`,
          }),
        );
      }
      assert.deepEqual(saved.map((d) => d.status), ["inactive", "maintenance", "decommissioned"]);
      assert.equal(saved[1].rack_position, "R1-U11");
      assert.equal(saved[1].location, "Hall 2");
      assert.equal(typeof saved[1].created_by, "string");
      assert.ok((saved[1].created_by as string).length > 0, "the creator is recorded");
      assert.equal(
        (await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'device' AND entity_id = 'doc-1'",
        ))[0].n,
        1,
      );

      const all = await c.tool("get-devices", {});
      const names = (all.devices as Row[]).map((d) => d.asset_id);
      assert.equal(names.length, 120, "no silent limit");
      assert.equal(all.count, 120);
      assert.equal(new Set(names).size, 120);
      assert.equal((all.devices as Row[])[0].device_name, "bulk-001");

      const page = await c.tool("get-devices", { limit: 50, offset: 100 });
      assert.equal(page.count, 120);
      assert.deepEqual((page.devices as Row[]).map((d) => d.asset_id), names.slice(100));
      const middle = await c.tool("get-devices", { limit: 50, offset: 50 });
      assert.deepEqual((middle.devices as Row[]).map((d) => d.asset_id), names.slice(50, 100));
      const past = await c.tool("get-devices", { limit: 10, offset: 500 });
      assert.deepEqual([(past.devices as Row[]).length, past.count], [0, 120]);

      const filtered = await c.tool("get-devices", { status: "maintenance" });
      assert.deepEqual((filtered.devices as Row[]).map((d) => d.asset_id), ["doc-1"]);
      assert.equal(filtered.count, 1);
      const text = await c.tool("get-devices", { q: "doc-switch", limit: 2 });
      assert.deepEqual([(text.devices as Row[]).length, text.count], [2, 3]);

      const bad = await c.tool("save-device", {
        assetId: "doc-9",
        deviceName: "x",
        status: "broken",
      }).then(() => null, (e) => e);
      assert.ok(bad instanceof RpcCallError, String(bad));
      assert.equal((await c.tool("get-devices", {})).count, 120);

      // A port of a document-style device takes the document's speed text and statuses.
      const p = await c.tool("save-device-port", {
        deviceId: "doc-0",
        portName: "Gi1/0/1",
        speed: "1G",
        status: "admin-down",
      });
      assert.deepEqual([p.speed, p.status], ["1G", "admin-down"]);
      const q = await c.tool("save-device-port", {
        id: p.id,
        speed: "2500M",
        status: "disabled",
      });
      assert.deepEqual([q.speed, q.status], ["2.5G", "admin-down"]);
      const r = await c.tool("save-device-port", { deviceId: "doc-0", portName: "Gi1/0/2" });
      assert.deepEqual([r.speed, r.status], [null, "down"]);
    } finally {
      await s.close();
    }
  },
);
