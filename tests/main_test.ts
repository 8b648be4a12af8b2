// The product as a user starts it: server/main.ts in its own process, on the configured backend.
import assert from "node:assert/strict";
import { createTestDb } from "./support/db.ts";
import { spawnServer } from "./support/process.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { wsProtocols } from "./support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "main.ts starts, serves health and JSON-RPC, and exits cleanly on SIGTERM",
  opts,
  async () => {
    const testDb = await createTestDb();
    const dataDir = await Deno.makeTempDir();
    // PGlite keeps its files in a folder; an in-memory test database cannot be shared with a
    // child process, so the child gets its own data folder.
    const env: Record<string, string> = testDb.url
      ? { DATABASE_URL: testDb.url }
      : { ARCHIFLOW_DATA_DIR: dataDir };
    try {
      const server = await spawnServer(env);
      const health = await (await fetch(`${server.url}/health`)).json();
      const unauthenticated = await RpcClient.connect(server.wsUrl);
      assert.equal((await unauthenticated.closed).code, 1008, "no token: closed with 1008");
      assert.equal(health.status, "ok");
      assert.equal(health.database.backend, testDb.url ? "postgres" : "pglite");
      assert.ok(health.database.schema_version >= 1);

      const client = await RpcClient.connect(server.wsUrl, wsProtocols(server.adminKey));
      const pool = await client.tool("create-ip-pool", {
        id: "pool-1",
        name: "lan",
        network: "10.9.0.0/24",
      });
      assert.equal(pool.id, "pool-1");
      assert.equal((await client.tool("allocate-ip", { poolId: "pool-1" })).ip_address, "10.9.0.1");

      const status = await server.stop("SIGTERM");
      assert.equal(status.code, 0, "exits with status 0");
      const closed = await client.closed;
      assert.ok(closed.code !== undefined, "the open WebSocket is closed by the server");
      assert.ok(server.lines.some((l) => l.includes('"shutting down"')));

      if (!testDb.url) {
        // The embedded database kept the data across a restart.
        const again = await spawnServer({ ...env, ARCHIFLOW_ADMIN_TOKEN: server.adminKey });
        const c2 = await RpcClient.connect(again.wsUrl, wsProtocols(again.adminKey));
        const { pools } = await c2.tool<{ pools: { id: string; allocated_count: number }[] }>(
          "get-ip-pools",
        );
        assert.deepEqual([pools[0].id, pools[0].allocated_count], ["pool-1", 1]);
        await c2.close();
        assert.equal((await again.stop("SIGINT")).code, 0);
      }
    } finally {
      await testDb.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);
