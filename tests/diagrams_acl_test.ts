// Per-user diagram access (ARCHIFLOW_DIAGRAM_ACL=owner): another user's diagram looks exactly like
// a missing one through the WebSocket, REST and MCP over HTTP until it is shared; admin sees all;
// and with the setting off everyone sees everything.
import assert from "node:assert/strict";
import postgres from "postgres";
import { migrate } from "../server/db/migrate.ts";
import { createTestDb } from "./support/db.ts";
import { type RpcClient, ToolCallError } from "./support/rpc_client.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import { oneShapeDiagram } from "./support/diagrams.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const xml = oneShapeDiagram;

async function toolError(p: Promise<unknown>): Promise<ToolCallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ToolCallError, `expected a tool error, got ${err}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

/** Every way bob could reach diagram `id` over the WebSocket; each must fail as `missing` does. */
async function wsAttempts(c: RpcClient, id: number): Promise<string[]> {
  const calls: [string, Record<string, unknown>][] = [
    ["load-diagram", { id }],
    ["load-diagram", { id, version: 1 }],
    ["list-diagram-versions", { id }],
    ["diff-diagram-versions", { diagramId: id, from: 1, to: 2 }],
    ["restore-diagram-version", { diagramId: id, version: 1 }],
    ["publish-diagram-version", { diagramId: id, version: 1 }],
    ["save-diagram", { id, xml: xml("bob was here") }],
    ["share-diagram", { diagramId: id, user: "bob", canWrite: true }],
    ["delete-diagram", { id }],
  ];
  const out: string[] = [];
  for (const [name, args] of calls) {
    const err = await toolError(c.tool(name, args));
    out.push(
      `${name}: ${err.code}: ${
        err.message.replace(new RegExp(`iagram ${id}\\b`, "g"), "iagram <id>")
      }`,
    );
  }
  return out;
}

async function rest(s: TestServer, key: string, path: string, init: RequestInit = {}) {
  const res = await s.fetch(path, {
    ...init,
    headers: { authorization: `Token ${key}`, "content-type": "application/json" },
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function mcp(s: TestServer, key: string, name: string, args: unknown) {
  const res = await fetch(`${s.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name, arguments: args },
    }),
  });
  return (await res.json()).result;
}

Deno.test(
  "with owner ACL a user cannot load another user's diagram through any interface",
  opts,
  async () => {
    const s = await startTestServer({ ARCHIFLOW_DIAGRAM_ACL: "owner" });
    try {
      const aliceKey = await s.token("write", { user: "alice" });
      const bobKey = await s.token("write", { user: "bob" });
      const alice = await s.client(aliceKey);
      const bob = await s.client(bobKey);
      const admin = await s.client();
      // bob's diagram first, so alice's id differs from the version numbers in messages.
      const own = await bob.tool("save-diagram", { name: "bob net", xml: xml("b") });
      const saved = await alice.tool("save-diagram", { name: "alice net", xml: xml("a") });
      const id = saved.id as number;
      await alice.tool("save-diagram", { id, xml: xml("a2") });
      const missing = (own.id as number) + 1000;

      // WebSocket: every call on alice's diagram fails exactly as on a missing diagram.
      const hidden = await wsAttempts(bob, id);
      assert.deepEqual(hidden, await wsAttempts(bob, missing));
      assert.ok(hidden.every((line) => line.includes(": not_found: ")), hidden.join("\n"));
      const bobList = await bob.tool("list-diagrams", {});
      assert.deepEqual((bobList.diagrams as { id: number }[]).map((d) => d.id), [own.id]);
      assert.equal(bobList.count, 1);
      const page2 = await bob.tool("list-diagrams", { offset: 5 });
      assert.equal(page2.count, 1);

      // REST: list, detail, versions, a version, export, diff, delete and update all say 404.
      const list = JSON.parse((await rest(s, bobKey, "/api/diagrams/")).text);
      assert.deepEqual(list.results.map((d: { id: number }) => d.id), [own.id]);
      const paths = [
        "/api/diagrams/ID/",
        "/api/diagrams/ID/versions/",
        "/api/diagrams/ID/versions/1/",
        "/api/diagrams/ID/export/",
        "/api/diagrams/ID/export/?format=json",
      ];
      for (const path of paths) {
        const got = await rest(s, bobKey, path.replace("ID", String(id)));
        const none = await rest(s, bobKey, path.replace("ID", String(missing)));
        assert.equal(got.status, 404, path);
        assert.equal(
          got.text.replace(new RegExp(`\\b${id}\\b`, "g"), "<id>"),
          none.text.replace(new RegExp(`\\b${missing}\\b`, "g"), "<id>"),
        );
      }
      for (const [method, body] of [["DELETE", undefined], ["PATCH", { name: "x" }]] as const) {
        const got = await rest(s, bobKey, `/api/diagrams/${id}/`, {
          method,
          body: body && JSON.stringify(body),
        });
        assert.equal(got.status, 404, `${method}: ${got.text}`);
      }

      // MCP over HTTP.
      const viaMcp = await mcp(s, bobKey, "load-diagram", { id });
      assert.equal(viaMcp.isError, true);
      assert.equal(viaMcp.structuredContent.error.code, "not_found");
      const mcpList = await mcp(s, bobKey, "list-diagrams", {});
      assert.deepEqual(mcpList.structuredContent.diagrams.map((d: { id: number }) => d.id), [
        own.id,
      ]);

      // Nothing of alice's changed, and alice and the admin see it.
      const still = await alice.tool("load-diagram", { id });
      assert.equal(still.version, 2);
      assert.equal(((await admin.tool("list-diagrams", {})).diagrams as unknown[]).length, 2);
      assert.equal((await admin.tool("load-diagram", { id })).name, "alice net");
      assert.equal((await rest(s, s.adminKey, `/api/diagrams/${id}/export/`)).status, 200);

      // Shared read-only: bob reads it everywhere but cannot write it.
      await alice.tool("share-diagram", { diagramId: id, user: "bob" });
      assert.equal((await bob.tool("load-diagram", { id })).name, "alice net");
      assert.equal((await rest(s, bobKey, `/api/diagrams/${id}/versions/`)).status, 200);
      assert.equal((await mcp(s, bobKey, "load-diagram", { id })).structuredContent.id, id);
      const diff = await bob.tool("diff-diagram-versions", { diagramId: id, from: 1, to: 2 });
      assert.equal(diff.diagram_id, id);
      const readOnly = await toolError(bob.tool("save-diagram", { id, xml: xml("b") }));
      assert.equal(readOnly.code, "forbidden");

      // Shared for writing: bob saves a version; after unsharing it is hidden again.
      await alice.tool("share-diagram", { diagramId: id, user: "bob", canWrite: true });
      assert.equal((await bob.tool("save-diagram", { id, xml: xml("b") })).version, 3);
      await alice.tool("unshare-diagram", { diagramId: id, user: "bob" });
      assert.equal((await toolError(bob.tool("load-diagram", { id }))).code, "not_found");
      assert.equal((await rest(s, bobKey, `/api/diagrams/${id}/`)).status, 404);

      const audit = await s.testDb.db.query<{ action: string; user_name: string }>(
        "SELECT action, user_name FROM audit_log WHERE action IN ('share', 'unshare') ORDER BY id",
      );
      assert.deepEqual(audit.map((a) => `${a.user_name} ${a.action}`), [
        "alice share",
        "alice share",
        "alice unshare",
      ]);
    } finally {
      await s.close();
    }
  },
);

Deno.test("with the ACL off every user sees every diagram", opts, async () => {
  const s = await startTestServer();
  try {
    const alice = await s.client(await s.token("write", { user: "alice" }));
    const bobKey = await s.token("write", { user: "bob" });
    const bob = await s.client(bobKey);
    const { id } = await alice.tool("save-diagram", { name: "alice net", xml: xml("a") });
    assert.equal((await bob.tool("load-diagram", { id })).name, "alice net");
    assert.equal((await bob.tool("list-diagrams", {})).count, 1);
    assert.equal((await rest(s, bobKey, `/api/diagrams/${id}/`)).status, 200);
    assert.equal((await bob.tool("save-diagram", { id, xml: xml("b") })).version, 2);
  } finally {
    await s.close();
  }
});

Deno.test(
  "with owner ACL diagram notifications reach only users who may see the diagram",
  opts,
  async () => {
    const s = await startTestServer({ ARCHIFLOW_DIAGRAM_ACL: "owner" });
    try {
      const alice = await s.client(await s.token("write", { user: "alice" }));
      const bob = await s.client(await s.token("write", { user: "bob" }));
      await bob.call("subscribe", { topics: ["diagrams"] });
      const changed = (id: unknown) => (n: Record<string, unknown>) =>
        n.method === "notifications/diagram-changed" &&
        (n.params as { diagramId?: unknown }).diagramId === id;
      const hidden = await alice.tool("save-diagram", { name: "alice net", xml: xml("a") });
      const own = await bob.tool("save-diagram", { name: "bob net", xml: xml("b") });
      // Events arrive in commit order, so alice's (earlier) one has been judged by now.
      await bob.waitForNotification(changed(own.id));
      assert.equal(bob.notifications.filter(changed(hidden.id)).length, 0);
      await alice.tool("share-diagram", { diagramId: hidden.id, user: "bob" });
      await alice.tool("save-diagram", { id: hidden.id, xml: xml("a2") });
      const seen = await bob.waitForNotification(changed(hidden.id));
      assert.equal((seen.params as { version: number }).version, 2);
    } finally {
      await s.close();
    }
  },
);

const base = Deno.env.get("DATABASE_URL");
if (!base) {
  console.warn(
    "Skipping the diagram row level security test: it needs PostgreSQL (DATABASE_URL); " +
      "PGlite runs as a superuser, which row level security does not restrict",
  );
}

Deno.test({
  name: "row level security hides other users' diagrams from a non-superuser role",
  ignore: !base,
  ...opts,
  fn: async () => {
    const t = await createTestDb();
    const role = `archiflow_app_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    let app: ReturnType<typeof postgres> | null = null;
    try {
      await migrate(t.db);
      const dbName = new URL(t.url!).pathname.slice(1);
      await t.db.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pass';
        GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
        GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role};
        GRANT CONNECT ON DATABASE "${dbName}" TO ${role};`);
      const url = new URL(t.url!);
      url.username = role;
      url.password = "app-pass";
      app = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const insert = (name: string, by: string) =>
        app!.unsafe(
          `INSERT INTO diagrams (name, created_by, updated_by) VALUES ($1, $2, $2) RETURNING id`,
          [name, by],
        );
      const [a] = await insert("alice net", "alice");
      await insert("bob net", "bob");
      const seen = (user: string, acl: string, admin = "false") =>
        app!.begin(async (tx) => {
          await tx.unsafe(
            `SELECT set_config('archiflow.user', $1, true), set_config('archiflow.acl', $2, true),
                    set_config('archiflow.admin', $3, true)`,
            [user, acl, admin],
          );
          const rows = await tx.unsafe("SELECT name FROM diagrams ORDER BY name");
          return rows.map((r) => r.name as string);
        });
      assert.deepEqual(await seen("bob", "owner"), ["bob net"]);
      assert.deepEqual(await seen("bob", "off"), ["alice net", "bob net"]);
      assert.deepEqual(await seen("bob", "owner", "true"), ["alice net", "bob net"]);
      const updated = await app.begin(async (tx) => {
        await tx.unsafe(
          "SELECT set_config('archiflow.user', 'bob', true), set_config('archiflow.acl', 'owner', true)",
        );
        return await tx.unsafe("UPDATE diagrams SET name = 'taken' WHERE id = $1", [a.id]);
      });
      assert.equal(updated.count, 0);
      await app.unsafe(
        "INSERT INTO diagram_shares (diagram_id, user_name, created_by) VALUES ($1, 'bob', 'alice')",
        [a.id],
      );
      assert.deepEqual(await seen("bob", "owner"), ["alice net", "bob net"]);
    } finally {
      await app?.end();
      await t.close();
      const admin = postgres(base!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}`).catch((e) => console.warn(String(e)));
      await admin.end();
    }
  },
});
