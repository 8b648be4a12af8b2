// The reachability prober against a loopback listener and addresses where nothing listens.
import assert from "node:assert/strict";
import { migrate } from "../server/db/migrate.ts";
import { type AppEvent, EventHub } from "../server/events.ts";
import { createLogger } from "../server/log.ts";
import { Prober } from "../server/ops/prober.ts";
import { createTestDb } from "./support/db.ts";
import { startTestServer } from "./support/server.ts";

Deno.test(
  "device_down is raised after K failed rounds and resolved after K good ones, once each",
  async () => {
    const t = await createTestDb();
    const hub = new EventHub();
    let listener: Deno.Listener | null = null;
    try {
      await migrate(t.db);
      await hub.start(t.db);
      const events: AppEvent[] = [];
      const waiters: [(e: AppEvent) => boolean, (e: AppEvent) => void][] = [];
      hub.subscribe((e) => {
        events.push(e);
        for (const [match, resolve] of waiters) if (match(e)) resolve(e);
      });
      const eventFor = (asset: string, change: string) =>
        new Promise<AppEvent>((resolve) => {
          const match = (e: AppEvent) =>
            e.type === "alert" && e.change === change &&
            (e.alert as { details: { asset_id: string } }).details.asset_id === asset;
          const seen = events.find(match);
          if (seen) resolve(seen);
          else waiters.push([match, resolve]);
        });

      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      await t.db.query(
        `INSERT INTO network_devices (asset_id, device_name, management_ip)
       VALUES ('A', 'sw-a', '127.0.0.1')`,
      );
      await t.db.query(
        `INSERT INTO network_devices (asset_id, device_name, management_ip, status) VALUES
         ('B', 'sw-b', '127.0.0.2', 'active'), ('C', 'sw-c', '127.0.0.3', 'offline'),
         ('D', 'sw-d', NULL, 'active')`,
      );
      const prober = new Prober(
        t.db,
        { ports: [port], intervalMs: 1000, timeoutMs: 500, threshold: 2 },
        createLogger("silent"),
      );
      const round = () => prober.runOnce();

      const r1 = await round();
      assert.equal(r1.probed, 2, "only active devices with a management address are probed");
      assert.equal(r1.reachable, 1);
      assert.deepEqual(r1.raised, []);
      assert.deepEqual((await round()).raised, ["B"]);

      // A goes quiet: it moves to an address where nothing listens. (Closing the listener would
      // free its port for any other test's server to take meanwhile, making A answer again.)
      const moveA = (ip: string) =>
        t.db.query("UPDATE network_devices SET management_ip = $2::inet WHERE asset_id = $1", [
          "A",
          ip,
        ]);
      await moveA("127.0.0.4");
      assert.deepEqual((await round()).raised, []);
      assert.deepEqual((await round()).raised, ["A"]);
      assert.deepEqual((await round()).raised, [], "raised once, not every round");
      const raised = await eventFor("A", "raised");
      assert.equal((raised.alert as { alert_type: string }).alert_type, "device_down");

      await moveA("127.0.0.1");
      assert.deepEqual((await round()).resolved, []);
      assert.deepEqual((await round()).resolved, ["A"]);
      assert.deepEqual((await round()).resolved, [], "resolved once");
      await eventFor("A", "resolved");

      const alerts = await t.db.query<
        { entity_type: string; entity_id: string; resolved: boolean; dedup_key: string }
      >(
        `SELECT entity_type, entity_id, resolved, dedup_key FROM alerts
          WHERE alert_type = 'device_down' ORDER BY id`,
      );
      assert.deepEqual(alerts.map((x) => [x.entity_type, x.entity_id, x.resolved, x.dedup_key]), [
        ["device", "B", false, "device_down:B"],
        ["device", "A", true, "device_down:A"],
      ]);
      const audits = await t.db.query<{ action: string; entity_id: string }>(
        `SELECT action, entity_id FROM audit_log
          WHERE entity_type = 'alert' AND user_name = 'system:prober' ORDER BY id`,
      );
      assert.deepEqual(audits.map((x) => x.action), ["create", "create", "update"]);

      // A restarted prober learns the open alert from the database and does not raise it again.
      const restarted = new Prober(
        t.db,
        { ports: [port], intervalMs: 1000, timeoutMs: 500, threshold: 2 },
        createLogger("silent"),
      );
      for (let i = 0; i < 3; i++) assert.deepEqual((await restarted.runOnce()).raised, []);
      const [open] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM alerts WHERE alert_type = 'device_down' AND NOT resolved",
      );
      assert.equal(open.n, 1);
    } finally {
      listener?.close();
      await hub.stop();
      await t.close();
    }
  },
);

Deno.test("with the prober enabled, subscribed editors see device_down live", async () => {
  // The listener holds its port for the whole test; the device is down while its address is
  // one where nothing listens, and up once it moves to the listener's.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const server = await startTestServer({
    ARCHIFLOW_PROBE_ENABLED: "true",
    ARCHIFLOW_PROBE_PORTS: String(port),
    ARCHIFLOW_PROBE_INTERVAL_SECONDS: "0.05",
    ARCHIFLOW_PROBE_THRESHOLD: "2",
    ARCHIFLOW_PROBE_TIMEOUT_MS: "500",
  });
  try {
    const c = await server.client();
    await c.call("subscribe", { topics: ["alerts"] });
    const device = { assetId: "LIVE-1", deviceName: "live-1" };
    await c.tool("save-device", { ...device, managementIp: "127.0.0.4" });
    const down = await c.waitForNotification((n) =>
      n.method === "notifications/alert" && (n.params as { change: string }).change === "raised"
    );
    const alert = (down.params as { alert: { alert_type: string; details: { asset_id: string } } })
      .alert;
    assert.equal(alert.alert_type, "device_down");
    assert.equal(alert.details.asset_id, "LIVE-1");
    await c.tool("save-device", { ...device, managementIp: "127.0.0.1" });
    await c.waitForNotification((n) =>
      n.method === "notifications/alert" && (n.params as { change: string }).change === "resolved"
    );
  } finally {
    listener.close();
    await server.close();
  }
});
