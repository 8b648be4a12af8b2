// A read-scope token may call only the tools that read. Every other tool of the registry is tried
// with a read token on every transport (WebSocket JSON-RPC, MCP over HTTP, and the REST
// operations that write), and must be refused with `forbidden` while the database, audit log
// included, stays exactly as it was. The tools come from the registry, so a new tool is covered
// without touching this file; which tools may read with a read token is written out here, apart
// from the scopes the tools declare, so a writing tool declared with the read scope fails.
import assert from "node:assert/strict";
import { createRegistry } from "../server/tools/index.ts";
import { RESOURCES } from "../server/routes/resources.ts";
import { resourceOperations } from "../server/routes/operations.ts";
import type { Db } from "../server/db/db.ts";
import { type TestServer, withServer } from "./support/server.ts";
import { ToolCallError } from "./support/rpc_client.ts";
import { oneShapeDiagram } from "./support/diagrams.ts";

/** The tools the contract lets a read token call: they only read. */
const READ_TOOLS = new Set([
  "get-ip-pool",
  "get-ip-pools",
  "get-devices",
  "load-diagram",
  "list-diagrams",
  "list-diagram-versions",
  "diff-diagram-versions",
  "list-templates",
  "get-template",
  "list-sync-runs",
  "diagram-drift",
  "get-alerts",
]);

/** Tables whose rows a read request may touch: a token's last use. */
const NOT_COMPARED = new Set(["api_tokens"]);

/** Every ArchiFlow table's row count and a digest of its rows. */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'archiflow' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (NOT_COMPARED.has(name)) continue;
    const [row] = await db.query<{ n: number; digest: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))
              AS digest
         FROM archiflow."${name}" t`,
    );
    out[name] = `${row.n} ${row.digest}`;
  }
  return out;
}

interface Seeded {
  /** Arguments per tool that would succeed for an admin. */
  args: Record<string, Record<string, unknown>>;
  /** The id of an existing row per REST resource path, so detail routes find their row. */
  ids: Record<string, string>;
}

/** Data for the writing tools to act on, made with the admin key. */
async function seed(s: TestServer): Promise<Seeded> {
  const admin = await s.client();
  const pool = await admin.tool<{ id: string }>("create-ip-pool", {
    name: "scope-pool",
    network: "10.77.0.0/29",
  });
  await admin.tool("save-device", { assetId: "scope-dev", deviceName: "scope-dev" });
  const alloc = await admin.tool<{ ip_address: string }>("allocate-ip", {
    poolId: pool.id,
    assetId: "scope-dev",
  });
  const diagram = await admin.tool<{ id: string }>("save-diagram", {
    name: "scope net",
    xml: oneShapeDiagram("a"),
  });
  const template = await admin.tool<{ id: string }>("create-template", {
    name: "scope template",
    xml: oneShapeDiagram("t"),
  });
  const [alert] = await s.testDb.db.query<{ id: number }>(
    `INSERT INTO alerts (alert_type, message) VALUES ('pool_exhausted', 'seeded') RETURNING id`,
  );
  // A refused call must be refused for its scope, not for its arguments.
  return {
    args: {
      "create-ip-pool": { name: "other", network: "10.78.0.0/29" },
      "update-ip-pool": { id: pool.id, name: "renamed" },
      "delete-ip-pool": { id: pool.id },
      "allocate-ip": { poolId: pool.id },
      "release-ip": { poolId: pool.id, ip: alloc.ip_address },
      "save-device": { assetId: "another", deviceName: "another" },
      "delete-device": { assetId: "scope-dev" },
      "delete-diagram": { id: diagram.id },
      "delete-template": { id: template.id },
      "acknowledge-alert": { id: alert.id },
      "resolve-alert": { id: alert.id },
    },
    ids: {
      "ip-pools": pool.id,
      diagrams: diagram.id,
      templates: template.id,
      alerts: String(alert.id),
    },
  };
}

function isForbidden(err: unknown): boolean {
  return err instanceof ToolCallError && err.code === "forbidden";
}

Deno.test("the tools a read token may call are the contract's reading tools", () => {
  const declaredRead = createRegistry().list().filter((t) => t.scope === "read").map((t) => t.name);
  // A tool declared read that is not listed above would let read tokens change data.
  assert.deepEqual(declaredRead.filter((n) => !READ_TOOLS.has(n)), []);
});

Deno.test(
  "every writing tool is refused for a read token on WebSocket, MCP and REST, nothing written",
  async () => {
    await withServer(async (s) => {
      const { args, ids } = await seed(s);
      const before = await snapshot(s.testDb.db);
      const readKey = await s.token("read", { user: "reader" });
      const writing = createRegistry().list().map((t) => t.name).filter((n) => !READ_TOOLS.has(n));
      assert.ok(writing.includes("release-ip") && writing.length > 20, writing.join(","));

      const ws = await s.client(readKey);
      const allowed: string[] = [];
      for (const name of writing) {
        const err = await ws.tool(name, args[name] ?? {}).then(() => null, (e) => e);
        if (!isForbidden(err)) allowed.push(`websocket ${name}: ${err ?? "answered"}`);
      }

      let id = 0;
      for (const name of writing) {
        const res = await s.fetch("/mcp", {
          method: "POST",
          headers: { authorization: `Token ${readKey}`, "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: ++id,
            method: "tools/call",
            params: { name, arguments: args[name] ?? {} },
          }),
        });
        const body = await res.json();
        const code = body.result?.isError ? body.result.structuredContent?.error?.code : undefined;
        if (res.status !== 200 || code !== "forbidden") {
          allowed.push(`mcp ${name}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
      }

      // Every REST operation that is not a GET runs a tool that writes.
      let restOps = 0;
      for (const decl of RESOURCES) {
        for (const op of resourceOperations(decl)) {
          if (op.method === "GET") continue;
          restOps++;
          const path = op.path.replace("{id}", ids[decl.path] ?? "1").replace(/\{[^}]+\}/g, "1");
          const bulk = op.kind.startsWith("bulk_") || (op.kind === "action" && op.action.bulk);
          const res = await s.fetch(path, {
            method: op.method,
            headers: { authorization: `Token ${readKey}`, "content-type": "application/json" },
            body: JSON.stringify(bulk ? [{ id: 1 }] : {}),
          });
          const text = await res.text();
          if (res.status !== 403) allowed.push(`rest ${op.method} ${path}: ${res.status} ${text}`);
        }
      }
      assert.ok(restOps > 10, `only ${restOps} REST operations that write`);

      assert.deepEqual(allowed, []);
      assert.deepEqual(await snapshot(s.testDb.db), before);
    });
  },
);
