// A real ArchiFlow server on a random port over a fresh test database.
import { loadConfig } from "../../server/config.ts";
import { createLogger } from "../../server/log.ts";
import { type RunningServer, startServer } from "../../server/server.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { RpcClient } from "./rpc_client.ts";

export interface TestServer extends RunningServer {
  testDb: TestDb;
  wsUrl: string;
  client(): Promise<RpcClient>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testDb = await createTestDb();
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", ...env });
  const server = await startServer(config, testDb.db, createLogger("silent"));
  const wsUrl = server.url.replace(/^http/, "ws") + "/ws";
  const clients: RpcClient[] = [];
  return {
    ...server,
    testDb,
    wsUrl,
    async client() {
      const c = await RpcClient.connect(wsUrl);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.shutdown();
      await testDb.close();
    },
  };
}
