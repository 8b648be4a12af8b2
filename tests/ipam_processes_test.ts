// Two server processes on one PostgreSQL database, allocating from one pool through many
// concurrent WebSocket clients: every address is handed out once, inside the pool, never reserved.
import assert from "node:assert/strict";
import { migrate } from "../server/db/migrate.ts";
import { parseCidr, parseIp } from "../server/ipam/addr_parse.ts";
import { planPool } from "../server/ipam/ranges.ts";
import { backendName, createTestDb } from "./support/db.ts";
import { type ServerProcess, spawnServer as spawnProcess } from "./support/process.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { wsProtocols } from "./support/server.ts";
import { generateKey } from "../server/auth/tokens.ts";
import { slowFile } from "./support/timeouts.ts";

// Two server processes hand out 10,000 addresses: the slow limit.
slowFile();

const TOTAL = 10_000;
const CLIENTS_PER_PROCESS = 32;
const onPglite = backendName() === "pglite";
if (onPglite) {
  console.log(
    "ipam_processes_test: skipped on PGlite (one process only); set DATABASE_URL to run it",
  );
}

Deno.test({
  name: "two server processes on one PostgreSQL hand out 10,000 distinct addresses of one pool",
  ignore: onPglite,
  fn: async () => {
    const t = await createTestDb();
    const servers: ServerProcess[] = [];
    const adminKey = generateKey();
    const spawnServer = (url: string) =>
      spawnProcess({
        DATABASE_URL: url,
        ARCHIFLOW_LOG_LEVEL: "info",
        ARCHIFLOW_RUN_MIGRATIONS: "false",
        ARCHIFLOW_ADMIN_TOKEN: adminKey,
        // Every call counts against the per-token limit; this test is about concurrency.
        ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "0",
        ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "0",
      });
    const clients: RpcClient[] = [];
    try {
      await migrate(t.db);
      servers.push(await spawnServer(t.url!), await spawnServer(t.url!));
      for (const s of servers) {
        for (let i = 0; i < CLIENTS_PER_PROCESS; i++) {
          clients.push(await RpcClient.connect(s.wsUrl, wsProtocols(adminKey)));
        }
      }
      const spec = {
        network: "10.64.0.0/18",
        gateway: "10.64.0.1",
        dnsServers: ["10.64.0.2", "10.64.0.3"],
        reservedRanges: ["10.64.0.4-10.64.0.99", "10.64.10.0-10.64.10.255", "10.64.20.7"],
      };
      const pool = await clients[0].tool<{ id: string }>("create-ip-pool", {
        name: "shared",
        ...spec,
      });
      let claimed = 0;
      let calls = 0;
      const got: string[] = [];
      await Promise.all(clients.map(async (c, k) => {
        while (claimed < TOTAL) {
          // A few calls take several addresses at once; most take one.
          const count = Math.min(calls++ % 50 === 0 ? 5 : 1, TOTAL - claimed);
          claimed += count;
          const r = await c.tool<{ allocations: { ip_address: string }[] }>("allocate-ip", {
            poolId: pool.id,
            assetId: `P${k % 2}-C${k}`,
            ...(count > 1 ? { count } : {}),
          });
          for (const a of r.allocations) got.push(a.ip_address);
        }
      }));
      const plan = planPool(spec);
      const cidr = parseCidr(spec.network);
      assert.equal(got.length, TOTAL);
      assert.equal(new Set(got).size, got.length, "no address was handed out twice");
      for (const ip of got) {
        const v = parseIp(ip).value;
        assert.ok(
          v >= plan.usable.first && v <= plan.usable.last,
          `${ip} is inside ${cidr.prefix}`,
        );
        assert.ok(
          !plan.exclusions.some((s) => v >= s.first && v <= s.last),
          `${ip} is not reserved`,
        );
      }
      const [db] = await t.db.query<{ rows: number; distinct: number; counter: number }>(
        `SELECT count(*)::int AS rows, count(DISTINCT ip_address)::int AS distinct,
                (SELECT active_count FROM ip_pool_state WHERE pool_id = $1)::int AS counter
           FROM ip_allocations WHERE pool_id = $1 AND is_active`,
        [pool.id],
      );
      assert.deepEqual(db, { rows: got.length, distinct: got.length, counter: got.length });
      const [byProcess] = await t.db.query<{ n: number }>(
        "SELECT count(DISTINCT substr(asset_id, 1, 2))::int AS n FROM ip_allocations",
      );
      assert.equal(byProcess.n, 2, "both processes allocated");
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      for (const s of servers) {
        s.child.kill("SIGTERM");
        await s.child.status;
      }
      await t.close();
    }
  },
});
