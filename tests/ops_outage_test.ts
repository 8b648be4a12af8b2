// Database outages: a PostgreSQL of our own is restarted while many clients allocate addresses
// and save devices (and diagrams when that tool exists). Calls in flight fail with
// `unavailable`, nothing is half-written or duplicated, and the server recovers by itself.
import assert from "node:assert/strict";
import { generateKey } from "../server/auth/tokens.ts";
import { wsProtocols } from "./support/server.ts";
import { loadConfig } from "../server/config.ts";
import { driverGuard, openPostgres } from "../server/db/postgres.ts";
import { createLogger } from "../server/log.ts";
import { startServer } from "../server/server.ts";
import { createRegistry } from "../server/tools/index.ts";
import { clusterUnavailable, startTempCluster } from "./ops_cluster.ts";
import { RpcClient, ToolCallError } from "./support/rpc_client.ts";
import { Counter, waitFor } from "./support/wait.ts";

/** Every server here is provisioned with this admin key (ARCHIFLOW_ADMIN_TOKEN). */
const ADMIN_KEY = generateKey();

const unavailable = clusterUnavailable();
if (unavailable) console.warn(`Skipping the outage tests: ${unavailable}`);

const CLIENTS = 8;
const SIMPLE_DIAGRAM = (label: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<mxCell id="v1" value="${label}" vertex="1" parent="1">` +
  `<mxGeometry x="0" y="0" width="10" height="10" as="geometry"/></mxCell></root></mxGraphModel>`;

interface Outcome {
  ok: number;
  failed: number;
  failuresByCode: Record<string, number>;
  allocations: { id: number; ip_address: string }[];
  firstFailureAt: number | null;
  lastFailureAt: number | null;
  firstSuccessAfterFailure: number | null;
}

Deno.test({
  name: "a PostgreSQL restart under load fails calls cleanly and the server recovers by itself",
  ignore: unavailable !== null,
  fn: async () => {
    const cluster = await startTempCluster();
    const db = openPostgres(cluster.url, { max: 10 });
    const server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        ARCHIFLOW_ADMIN_TOKEN: ADMIN_KEY,
        DATABASE_URL: cluster.url,
        // Calls refused at once while the database is down come back fast enough to pass the
        // per-token rate limit, which every call counts against; this test is about outages.
        ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "0",
        ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "0",
      }),
      db,
      createLogger("silent"),
    );
    const clients: RpcClient[] = [];
    try {
      const hasDiagrams = createRegistry().get("save-diagram") !== undefined;
      const wsUrl = server.url.replace(/^http/, "ws") + "/ws";
      for (let i = 0; i < CLIENTS + 1; i++) {
        clients.push(await RpcClient.connect(wsUrl, wsProtocols(ADMIN_KEY)));
      }
      const watcher = clients[CLIENTS];
      await watcher.call("subscribe", { topics: ["pools"] });
      const pool = await clients[0].tool<{ id: string }>("create-ip-pool", {
        name: "outage",
        network: "10.40.0.0/16",
      });

      const outcome: Outcome = {
        ok: 0,
        failed: 0,
        failuresByCode: {},
        allocations: [],
        firstFailureAt: null,
        lastFailureAt: null,
        firstSuccessAfterFailure: null,
      };
      let stop = false;
      let restarted = false;
      let slowest = 0;
      let restartAt = Infinity;
      let failedInFlight = 0;
      const okCalls = new Counter();
      const record = async (call: () => Promise<unknown>) => {
        const began = performance.now();
        try {
          const result = await call();
          const took = performance.now() - began;
          slowest = Math.max(slowest, took);

          outcome.ok++;
          okCalls.add();
          if (outcome.lastFailureAt !== null && outcome.firstSuccessAfterFailure === null) {
            outcome.firstSuccessAfterFailure = performance.now();
          }
          return result;
        } catch (err) {
          if (!(err instanceof ToolCallError)) throw err;
          outcome.failed++;
          if (began < restartAt) failedInFlight++;
          outcome.failuresByCode[err.code] = (outcome.failuresByCode[err.code] ?? 0) + 1;
          const now = performance.now();
          outcome.firstFailureAt ??= now;
          outcome.lastFailureAt = now;
          // Successes that raced the failures do not count as recovery.
          outcome.firstSuccessAfterFailure = null;
          return null;
        }
      };
      // Each client keeps calling until the outage is over and it has done 5 more rounds.
      const worker = async (c: RpcClient, n: number) => {
        let after = 0;
        for (let i = 0; !stop && after < 5; i++) {
          const a = await record(() =>
            c.tool<{ id: number; ip_address: string }>("allocate-ip", {
              poolId: pool.id,
              assetId: `A-${n}-${i}`,
            })
          ) as { id: number; ip_address: string } | null;
          if (a) outcome.allocations.push(a);
          await record(() =>
            c.tool("save-device", { assetId: `D-${n}-${i}`, deviceName: `dev-${n}-${i}` })
          );
          if (hasDiagrams) {
            await record(() =>
              c.tool("save-diagram", { name: `d-${n}-${i}`, xml: SIMPLE_DIAGRAM(`v${i}`) })
            );
          }
          if (restarted && outcome.firstSuccessAfterFailure !== null) after++;
        }
      };
      const workers = clients.slice(0, CLIENTS).map((c, n) => worker(c, n));

      // Let traffic build up, then restart PostgreSQL under it.
      await Promise.race([
        okCalls.reaches(80),
        Promise.all(workers).then(() => assert.fail("the workers stopped before traffic built up")),
      ]);
      const restartStarted = performance.now();
      restartAt = restartStarted;
      await cluster.restart("fast");
      const restartTook = performance.now() - restartStarted;
      restarted = true;
      const guard = setTimeout(() => stop = true, 30_000);
      await Promise.all(workers);
      clearTimeout(guard);

      // The server serves again without a restart, and LISTEN resumed: a new allocation
      // reaches the subscribed watcher as a notification.
      const seen = watcher.notifications.length;
      const fresh = await clients[0].tool<{ id: number; ip_address: string }>("allocate-ip", {
        poolId: pool.id,
        assetId: "after",
      });
      outcome.allocations.push(fresh);
      await watcher.waitForNotification((n) =>
        n.method === "notifications/pool-changed" && watcher.notifications.indexOf(n) >= seen
      );
      const health = await fetch(server.url + "/health");
      assert.equal(health.status, 200);
      await health.body?.cancel();

      // Every failure is `unavailable`: no internal errors, no conflicts from half-states.
      assert.ok(outcome.failed > 0, "the restart should have failed at least one call in flight");
      assert.deepEqual(Object.keys(outcome.failuresByCode), ["unavailable"]);

      // Nothing duplicated, nothing half-written, nothing acknowledged then lost.
      const [dups] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT ip_address FROM ip_allocations WHERE pool_id = $1
          GROUP BY ip_address HAVING count(*) > 1) d`,
        [pool.id],
      );
      assert.equal(dups.n, 0, "an address was allocated twice");
      // An allocation is audited as the document has it: action allocate_ip on the pool, the
      // allocation row (or rows) as new_value.
      const [orphans] = await db.query<{ missing_audit: number; audit_without_row: number }>(
        `WITH audited AS (
           SELECT l.entity_id AS pool_id, (e->>'id')::int AS id
             FROM audit_log l,
                  jsonb_array_elements(CASE jsonb_typeof(l.new_value) WHEN 'array'
                                            THEN l.new_value
                                            ELSE jsonb_build_array(l.new_value) END) e
            WHERE l.action = 'allocate_ip' AND l.entity_type = 'ip_pool')
         SELECT (SELECT count(*)::int FROM ip_allocations a WHERE NOT EXISTS (
                   SELECT 1 FROM audited x WHERE x.id = a.id AND x.pool_id = a.pool_id))
                   AS missing_audit,
                (SELECT count(*)::int FROM audited x WHERE NOT EXISTS (
                   SELECT 1 FROM ip_allocations a WHERE a.id = x.id AND a.pool_id = x.pool_id))
                   AS audit_without_row`,
      );
      assert.deepEqual(orphans, { missing_audit: 0, audit_without_row: 0 });
      const [devices] = await db.query<{ missing_audit: number }>(
        `SELECT count(*)::int AS missing_audit FROM network_devices d WHERE NOT EXISTS (
           SELECT 1 FROM audit_log l WHERE l.entity_type = 'device'
              AND l.entity_id = d.asset_id)`,
      );
      assert.equal(devices.missing_audit, 0);
      const [versions] = await db.query<{ bad: number }>(
        `SELECT count(*)::int AS bad FROM diagrams d WHERE NOT EXISTS (
           SELECT 1 FROM diagram_versions v
            WHERE v.diagram_id = d.id AND v.version_number = d.version)
           OR EXISTS (SELECT 1 FROM diagram_versions v WHERE v.diagram_id = d.id
                        AND v.version_number > d.version)`,
      );
      assert.equal(versions.bad, 0, "a diagram and its versions disagree");
      const stored = await db.query<{ id: number; ip_address: string }>(
        "SELECT id, host(ip_address) AS ip_address FROM ip_allocations WHERE pool_id = $1",
        [pool.id],
      );
      const byId = new Map(stored.map((r) => [r.id, r.ip_address]));
      for (const a of outcome.allocations) {
        assert.equal(byId.get(a.id), a.ip_address, `acknowledged allocation ${a.id} was lost`);
      }
      // Calls that failed may or may not have committed (the reply was lost with the
      // connection); either way they are whole, which the checks above prove.
      const ambiguous = stored.length - outcome.allocations.length;

      const recovery = outcome.firstSuccessAfterFailure! - outcome.firstFailureAt!;
      console.log(
        `outage: pg restart ${restartTook.toFixed(0)} ms; clients saw failures for ` +
          `${recovery.toFixed(0)} ms; ${outcome.failed} of ${outcome.ok + outcome.failed} ` +
          `calls failed (${
            JSON.stringify(outcome.failuresByCode)
          }; ${failedInFlight} were in flight ` +
          `when the restart began, the rest were refused at once while it was down); ` +
          `${outcome.allocations.length} allocations acknowledged, ${ambiguous} committed ` +
          `without an answer; slowest successful call ${slowest.toFixed(0)} ms; ` +
          `${db.stats().recycles} pool replacement(s), ${driverGuard.swallowed} stray driver ` +
          `error(s) contained; ` +
          `0 duplicated, 0 without audit, 0 lost`,
      );
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.shutdown().catch(() => {});
      await db.close().catch(() => {});
      await cluster.stop();
    }
  },
});

Deno.test({
  name: "/health reports degraded while PostgreSQL is down and ok once it is back",
  ignore: unavailable !== null,
  fn: async () => {
    const cluster = await startTempCluster();
    const db = openPostgres(cluster.url, { max: 4 });
    const server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        ARCHIFLOW_ADMIN_TOKEN: ADMIN_KEY,
        DATABASE_URL: cluster.url,
      }),
      db,
      createLogger("silent"),
    );
    const client = await RpcClient.connect(
      server.url.replace(/^http/, "ws") + "/ws",
      wsProtocols(ADMIN_KEY),
    );
    try {
      const health = async () => {
        const r = await fetch(server.url + "/health");
        return { status: r.status, body: await r.json() };
      };
      assert.equal((await health()).status, 200);
      await cluster.halt();
      const down = await health();
      assert.equal(down.status, 503);
      assert.equal(down.body.status, "degraded");
      assert.equal(down.body.database.reachable, false);
      await assert.rejects(
        client.tool("save-device", { assetId: "X", deviceName: "x" }),
        (err: ToolCallError) => err.code === "unavailable",
      );
      await cluster.resume();
      // The server notices by itself (its probe reconnects); wait for that, with a deadline.
      const up = await waitFor("/health to answer 200 after PostgreSQL resumed", async () => {
        const answer = await health();
        return answer.status === 200 ? answer : null;
      });
      assert.equal(up.status, 200);
      assert.equal(up.body.status, "ok");
      const device = await client.tool<{ asset_id: string }>("save-device", {
        assetId: "X",
        deviceName: "x",
      });
      assert.equal(device.asset_id, "X");
    } finally {
      await client.close().catch(() => {});
      await server.shutdown().catch(() => {});
      await db.close().catch(() => {});
      await cluster.stop();
    }
  },
});
