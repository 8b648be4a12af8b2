// A real ArchiFlow server on a random port over a fresh test database. Every test server has a
// known admin API key: .client() and .fetch() send it, so tests need not care about auth.
import { createToken } from "../../server/auth/tokens.ts";
import { loadConfig } from "../../server/config.ts";
import { migrate } from "../../server/db/migrate.ts";
import { createLogger } from "../../server/log.ts";
import { type RunningServer, startServer } from "../../server/server.ts";
import type { Scope } from "../../server/auth/actor.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { RpcClient } from "./rpc_client.ts";

export interface TestServer extends RunningServer {
  testDb: TestDb;
  /** WebSocket URL without a credential. */
  wsUrl: string;
  /** The admin API key every helper below sends. */
  adminKey: string;
  /** A WebSocket JSON-RPC client authenticated with `key` (default: the admin key). */
  client(key?: string): Promise<RpcClient>;
  /** fetch() against the server with the admin key (or init's own Authorization). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Creates another API key. */
  token(
    scope: Scope,
    options?: { user?: string; expiresAt?: Date; allowedNetworks?: string[] },
  ): Promise<string>;
  close(): Promise<void>;
}

/** The subprotocols a browser offers to authenticate a WebSocket with `key`. */
export const wsProtocols = (key: string) => ["archiflow", `archiflow.token.${key}`];

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testDb = await createTestDb();
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", ...env });
  // Migrate and create the admin key first, so the server finds a token and prints nothing.
  await migrate(testDb.db);
  const { key: adminKey } = await createToken(testDb.db, { user: "test-admin", scope: "admin" });
  const server = await startServer(config, testDb.db, createLogger("silent"));
  const wsUrl = server.url.replace(/^http/, "ws") + "/ws";
  const clients: RpcClient[] = [];
  return {
    ...server,
    testDb,
    wsUrl,
    adminKey,
    async client(key = adminKey) {
      const c = await RpcClient.connect(wsUrl, wsProtocols(key));
      clients.push(c);
      return c;
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Token ${adminKey}`);
      return fetch(server.url + path, { ...init, headers });
    },
    async token(scope, options = {}) {
      const { key } = await createToken(testDb.db, {
        user: options.user ?? `test-${scope}`,
        scope,
        expiresAt: options.expiresAt,
        allowedNetworks: options.allowedNetworks,
      });
      return key;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.shutdown();
      await testDb.close();
    },
  };
}

/** Runs fn with a fresh test server and an admin client, and closes both however fn ends. */
export async function withServer(
  fn: (s: TestServer, c: RpcClient) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const s = await startTestServer(env);
  try {
    await fn(s, await s.client());
  } finally {
    await s.close();
  }
}
