// Alerts raised by the system: pool exhaustion, address conflicts, devices going down; and the
// alert tools. Runs on PGlite, or PostgreSQL when DATABASE_URL is set.
import assert from "node:assert/strict";
import { checkDevicePorts } from "../server/ipam/alerts.ts";
import { allocate, lockAddresses } from "../server/ipam/allocator.ts";
import { openPostgres } from "../server/db/postgres.ts";
import { type IpamHarness, testActor, withIpam } from "./support/ipam.ts";
import { startTestServer } from "./support/server.ts";
import { track, waitForLockWaiters } from "./support/wait.ts";

// deno-lint-ignore no-explicit-any
type Alert = Record<string, any>;

async function alerts(h: IpamHarness, args: Record<string, unknown> = {}): Promise<Alert[]> {
  return (await h.call("get-alerts", args)).alerts;
}

Deno.test(
  "crossing the threshold raises pool_exhausted once and falling below resolves it",
  async () => {
    await withIpam(async (h) => {
      // /28: 14 usable addresses; 50% threshold = 7.
      const pool = await h.call("create-ip-pool", {
        name: "edge",
        network: "10.20.0.0/28",
        alertThreshold: 50,
      });
      await h.call("allocate-ip", { poolId: pool.id, count: 6 });
      assert.equal((await alerts(h, { type: "pool_exhausted" })).length, 0, "below the threshold");
      await h.call("allocate-ip", { poolId: pool.id });
      let raised = await alerts(h, { type: "pool_exhausted" });
      assert.equal(raised.length, 1);
      assert.equal(raised[0].entity_type, "ip_pool");
      assert.equal(raised[0].entity_id, pool.id);
      assert.equal(raised[0].resolved, false);
      // Staying above, even up to exhaustion and a refused call, raises nothing new.
      await h.call("allocate-ip", { poolId: pool.id, count: 7 });
      await h.fail("allocate-ip", { poolId: pool.id });
      raised = await alerts(h, { type: "pool_exhausted" });
      assert.equal(raised.length, 1);
      // Falling below resolves it, exactly once.
      for (let i = 1; i <= 8; i++) {
        await h.call("release-ip", { poolId: pool.id, ip: `10.20.0.${i}` });
      }
      raised = await alerts(h, { type: "pool_exhausted" });
      assert.equal(raised.length, 1);
      assert.equal(raised[0].resolved, true);
      assert.equal(raised[0].resolved_by, "system");
      // Crossing again is a new condition: a second alert.
      await h.call("allocate-ip", { poolId: pool.id, count: 2 });
      raised = await alerts(h, { type: "pool_exhausted" });
      assert.equal(raised.length, 2);
      assert.equal(
        raised.filter((a) => !a.resolved).length,
        1,
      );
      const audits = await h.t.db.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE entity_type = 'alert' ORDER BY id",
      );
      // Raising creates an alert; resolving it updates it.
      assert.deepEqual(audits.map((a) => a.action), ["create", "update", "create"]);
    });
  },
);

Deno.test(
  "lowering the threshold below current usage raises the alert at once",
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "t", network: "10.21.0.0/29" });
      await h.call("allocate-ip", { poolId: pool.id, count: 3 });
      assert.equal((await alerts(h)).length, 0);
      await h.call("update-ip-pool", { poolId: pool.id, alertThreshold: 50 });
      assert.equal((await alerts(h, { resolved: false })).length, 1);
      await h.call("update-ip-pool", { poolId: pool.id, alertThreshold: 60 });
      assert.equal((await alerts(h, { resolved: false })).length, 0);
    });
  },
);

Deno.test("one address active in two overlapping pools raises ip_conflict", async () => {
  await withIpam(async (h) => {
    const wide = await h.call("create-ip-pool", { name: "wide", network: "10.30.0.0/16" });
    const narrow = await h.call("create-ip-pool", { name: "narrow", network: "10.30.5.0/24" });
    await h.call("allocate-ip", { poolId: wide.id, ip: "10.30.5.10", assetId: "A" });
    await h.call("allocate-ip", { poolId: narrow.id, ip: "10.30.5.11" });
    assert.equal((await alerts(h, { type: "ip_conflict" })).length, 0, "different addresses");
    await h.call("allocate-ip", { poolId: narrow.id, ip: "10.30.5.10", assetId: "B" });
    const [alert] = await alerts(h, { type: "ip_conflict" });
    assert.equal(alert.severity, "critical");
    assert.equal(alert.entity_id, "10.30.5.10");
    assert.match(alert.message, /"narrow".*"wide"/);
    await h.call("release-ip", { poolId: narrow.id, ip: "10.30.5.10" });
    const [after] = await alerts(h, { type: "ip_conflict" });
    assert.equal(after.resolved, true, "resolved once the address is active in one pool only");
  });
});

Deno.test(
  "an address allocated in an overlapping pool while another process is mid-allocation still raises ip_conflict",
  async () => {
    await withIpam(async (h) => {
      if (!h.t.url) {
        console.log("skipped on PGlite (one connection): needs two concurrent transactions");
        return;
      }
      const wide = await h.call("create-ip-pool", { name: "wide", network: "10.31.0.0/16" });
      const narrow = await h.call("create-ip-pool", { name: "narrow", network: "10.31.7.0/24" });
      // Another process, half-way through allocating 10.31.7.10 in "narrow": it holds that
      // pool's lock and the address lock, and has written the row, but has not committed.
      const other = openPostgres(h.t.url, { max: 1 });
      let holding!: () => void;
      const held = new Promise<void>((r) => holding = r);
      let finish!: () => void;
      const finished = new Promise<void>((r) => finish = r);
      const mid = other.transaction(async (tx) => {
        await tx.query("SELECT id FROM ip_pools WHERE id = $1 FOR NO KEY UPDATE", [narrow.id]);
        await tx.query(
          "INSERT INTO ip_allocations (pool_id, ip_address, allocated_by) VALUES ($1, $2, 'other')",
          [narrow.id, "10.31.7.10"],
        );
        await lockAddresses(tx, ["10.31.7.10"]);
        holding();
        await finished;
      });
      try {
        await held;
        const mine = track(allocate(h.t.db, {
          poolId: wide.id,
          ip: "10.31.7.10",
          actor: testActor(),
        }));
        await waitForLockWaiters(h.t.db, "the allocation waits for the address lock", [mine]);
        finish();
        await mid;
        await mine.promise;
      } finally {
        finish();
        await mid.catch(() => {});
        await other.close();
      }
      const [conflict] = await alerts(h, { type: "ip_conflict" });
      assert.equal(conflict?.entity_id, "10.31.7.10");
      assert.equal(conflict.resolved, false);
    });
  },
);

Deno.test(
  "devices sharing an address raise ip_conflict; leaving active raises device_down",
  async () => {
    await withIpam(async (h) => {
      await h.call("save-device", { assetId: "R1", deviceName: "r1", primaryIp: "192.0.2.1" });
      await h.call("save-device", { assetId: "R2", deviceName: "r2", managementIp: "192.0.2.2" });
      assert.equal((await alerts(h)).length, 0);
      await h.call("save-device", { assetId: "R3", deviceName: "r3", managementIp: "192.0.2.1" });
      const [conflict] = await alerts(h, { type: "ip_conflict" });
      assert.deepEqual(conflict.details.devices, ["R3", "R1"]);
      await h.call("save-device", { assetId: "R3", deviceName: "r3", managementIp: "192.0.2.1" });
      assert.equal((await alerts(h, { type: "ip_conflict" })).length, 1, "raised once");

      await h.call("save-device", { assetId: "R2", deviceName: "r2", status: "planned" });
      await h.call("save-device", { assetId: "R2", deviceName: "r2", status: "offline" });
      assert.equal((await alerts(h, { type: "device_down" })).length, 0, "planned was not active");
      await h.call("save-device", { assetId: "R1", deviceName: "r1", status: "failed" });
      const [down] = await alerts(h, { type: "device_down" });
      assert.equal(down.entity_type, "device");
      assert.equal(down.entity_id, "R1");
      assert.match(down.message, /active to failed/);
      await h.call("save-device", { assetId: "R1", deviceName: "r1", status: "active" });
      assert.equal((await alerts(h, { type: "device_down" }))[0].resolved, true);
    });
  },
);

Deno.test("a device whose ports all go down raises device_down", async () => {
  await withIpam(async (h) => {
    // Ports name their device by its asset id.
    await h.call("save-device", { assetId: "SW9", deviceName: "sw9" });
    await h.t.db.exec(
      `INSERT INTO device_ports (device_id, port_name, status) VALUES
       ('SW9', 'Gi1', 'up'), ('SW9', 'Gi2', 'down'), ('SW9', 'Gi3', 'admin-down')`,
    );
    const actor = testActor("poller");
    await h.t.db.transaction((tx) => checkDevicePorts(tx, actor, "SW9"));
    assert.equal((await alerts(h)).length, 0);
    await h.t.db.exec(`UPDATE device_ports SET status = 'down' WHERE device_id = 'SW9'`);
    await h.t.db.transaction((tx) => checkDevicePorts(tx, actor, "SW9"));
    await h.t.db.transaction((tx) => checkDevicePorts(tx, actor, "SW9"));
    const raised = await alerts(h, { type: "device_down" });
    assert.equal(raised.length, 1);
    assert.equal(raised[0].entity_id, "SW9");
    assert.match(raised[0].message, /all 3 ports are down/);
    await h.t.db.exec(`UPDATE device_ports SET status = 'up' WHERE port_name = 'Gi1'`);
    await h.t.db.transaction((tx) => checkDevicePorts(tx, actor, "SW9"));
    assert.equal((await alerts(h, { type: "device_down" }))[0].resolved, true);
  });
});

Deno.test(
  "get-alerts filters and pages; acknowledge and resolve are recorded once",
  async () => {
    await withIpam(async (h) => {
      for (let i = 0; i < 3; i++) {
        await h.call("save-device", { assetId: `D${i}`, deviceName: `d${i}` });
        await h.call("save-device", { assetId: `D${i}`, deviceName: `d${i}`, status: "offline" });
      }
      const page = await h.call("get-alerts", { limit: 2 });
      assert.equal(page.count, 3);
      assert.equal(page.alerts.length, 2);
      const id = page.alerts[0].id;
      const ack = await h.call("acknowledge-alert", { id }, "alice");
      assert.equal(ack.is_acknowledged, true);
      assert.equal(ack.acknowledged_by, "alice");
      const again = await h.call("acknowledge-alert", { id }, "bob");
      assert.equal(again.acknowledged_by, "alice", "the first acknowledgement stays");
      const res = await h.call("resolve-alert", { id }, "carol");
      assert.equal(res.resolved_by, "carol");
      assert.equal((await h.call("get-alerts", { acknowledged: true })).count, 1);
      assert.equal(
        (await h.call("get-alerts", { resolved: false, severity: "critical" })).count,
        2,
      );
      assert.equal((await h.call("get-alerts", { source: "netbox" })).count, 0);
      assert.equal((await h.fail("resolve-alert", { id: 999 })).kind, "not_found");
      assert.equal((await h.fail("resolve-alert", { id: 2 ** 40 })).kind, "not_found");
      const audits = await h.t.db.query<{ action: string; user_name: string }>(
        `SELECT action, user_name FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 ORDER BY id`,
        [String(id)],
      );
      assert.deepEqual(audits.map((a) => `${a.action}:${a.user_name}`), [
        "create:tester",
        "update:alice",
        "update:carol",
      ]);
    });
  },
);

Deno.test("clients subscribed to alerts receive notifications/alert", async () => {
  const s = await startTestServer();
  try {
    const c = await s.client();
    await c.call("subscribe", { topics: ["alerts"] });
    const pool = await c.tool("create-ip-pool", { name: "n", network: "10.40.0.0/30" });
    const got = c.waitForNotification((n) => n.method === "notifications/alert");
    await c.tool("allocate-ip", { poolId: pool.id, count: 2 });
    const note = (await got) as { params: { alert: Alert } };
    assert.equal(note.params.alert.alert_type, "pool_exhausted");
  } finally {
    await s.close();
  }
});
