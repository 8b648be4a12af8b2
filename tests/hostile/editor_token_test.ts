// Editor tokens used beyond what they were signed for: a token for one diagram writing IP pools,
// allocating or opening other diagrams on every transport (REST, WebSocket, POST /mcp); a NetBox
// user named like an API token user reading that user's private diagrams; and editor sessions
// that outlive `deno task token revoke-editor`, also through the NetBox page refreshing their
// tokens.
import assert from "node:assert/strict";
import { signEditorToken } from "../../server/auth/editor_token.ts";
import { runTokenCommand } from "../../server/tasks/token_cli.ts";
import { getJson, jsonInit } from "../support/rest.ts";
import { ToolCallError } from "../support/rpc_client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { hostileOpts } from "./support.ts";
import { oneShapeDiagram } from "../support/diagrams.ts";

const SECRET = "editor-secret-for-hostile-tests-0123456789";

const xml = oneShapeDiagram;

/** The tool error a call ends with ("code: message"), or "ok" when it succeeds. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (err) {
    if (err instanceof ToolCallError) return err.message;
    throw err;
  }
}

async function asEditor(
  s: TestServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  return await getJson(
    s,
    path,
    body === undefined
      ? { method, headers: { authorization: `Token ${token}` } }
      : jsonInit(method, body, { authorization: `Token ${token}` }),
  );
}

Deno.test(
  "an editor token grants only the editor's tools, on what it was signed for",
  hostileOpts,
  async (t) => {
    const s = await startTestServer({
      ARCHIFLOW_EDITOR_SECRET: SECRET,
      ARCHIFLOW_DIAGRAM_ACL: "owner",
      ARCHIFLOW_TOKEN_CACHE_SECONDS: "0",
    });
    const connect = (key: string) => s.client(key);
    try {
      const admin = await s.client();
      const pool = await admin.tool<{ id: number }>("create-ip-pool", {
        name: "mgmt",
        network: "10.20.0.0/24",
      });

      // Alice opens the Diagrams page (no diagram claim) and creates two diagrams there.
      const listPage = await signEditorToken(SECRET, { sub: "alice" });
      const alice = await connect(listPage);
      const mine = await alice.tool<{ id: number }>("save-diagram", {
        name: "mine",
        xml: xml("a"),
      });
      const other = await alice.tool<{ id: number }>("save-diagram", {
        name: "other",
        xml: xml("b"),
      });
      // Then she opens the first one on its own page.
      const token = await signEditorToken(SECRET, { sub: "alice", diagram: String(mine.id) });
      const editor = await connect(token);

      await t.step("REST: no pool writes and no allocation", async () => {
        const patch = await asEditor(s, token, "PATCH", `/api/ip-pools/${pool.id}/`, {
          description: "changed by an editor token",
        });
        assert.equal(patch.status, 403, JSON.stringify(patch.body));
        assert.equal(patch.body.code, "forbidden");
        const create = await asEditor(s, token, "POST", "/api/ip-pools/", {
          name: "rogue",
          network: "10.99.0.0/24",
        });
        assert.equal(create.status, 403, JSON.stringify(create.body));
        const allocate = await asEditor(
          s,
          token,
          "POST",
          `/api/ip-pools/${pool.id}/available-ips/`,
          {},
        );
        assert.equal(allocate.status, 403, JSON.stringify(allocate.body));
        const list = await asEditor(s, token, "GET", "/api/ip-pools/");
        assert.equal(list.status, 403, "REST reads run SQL outside the tools: refused too");
        const [row] = await s.testDb.db.query<{ description: string; allocated: number }>(
          `SELECT p.description,
                (SELECT count(*)::int FROM ip_allocations a WHERE a.pool_id = p.id) AS allocated
           FROM ip_pools p WHERE p.id = $1`,
          [pool.id],
        );
        assert.deepEqual(row, { description: "", allocated: 0 });
      });

      await t.step("WebSocket: no pool writes, no allocation, no admin tools", async () => {
        for (
          const [tool, args] of [
            ["update-ip-pool", { poolId: pool.id, description: "x" }],
            ["create-ip-pool", { name: "rogue", network: "10.98.0.0/24" }],
            ["allocate-ip", { poolId: pool.id }],
            ["sync-netbox", {}],
            ["delete-diagram", { id: mine.id }],
          ] as const
        ) {
          const got = await outcome(editor.tool(tool, args));
          assert.match(got, /^forbidden: Editor tokens cannot call/, `${tool}: ${got}`);
        }
      });

      await t.step("POST /mcp: the same refusal", async () => {
        const res = await asEditor(s, token, "POST", "/mcp", {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "allocate-ip", arguments: { poolId: pool.id } },
        });
        const result = res.body.result as {
          isError?: boolean;
          structuredContent: { error: { code: string } };
        };
        assert.equal(result.isError, true, JSON.stringify(res.body));
        assert.equal(result.structuredContent.error.code, "forbidden");
      });

      await t.step("only the signed diagram: another one cannot be loaded", async () => {
        const got = await outcome(editor.tool("load-diagram", { id: other.id }));
        assert.match(got, /^forbidden: .*diagram/i, got);
        assert.match(await outcome(editor.tool("list-diagrams", {})), /^forbidden/);
        const created = await outcome(editor.tool("save-diagram", { name: "new", xml: xml("n") }));
        assert.match(created, /^forbidden/, created);
      });

      await t.step("the signed diagram loads and saves", async () => {
        const loaded = await editor.tool<{ id: number; version: number }>("load-diagram", {
          id: mine.id,
        });
        assert.equal(loaded.id, mine.id);
        const saved = await editor.tool<{ version: number }>("save-diagram", {
          id: mine.id,
          xml: xml("edited"),
          expectedVersion: loaded.version,
        });
        assert.equal(saved.version, loaded.version + 1);
        const versions = await editor.tool<{ count: number }>("list-diagram-versions", {
          id: mine.id,
        });
        assert.equal(versions.count, 2);
      });

      await t.step("notifications: only the signed diagram's, no pools", async () => {
        await editor.call("subscribe", { topics: ["diagrams", "pools", "alerts"] });
        await admin.tool("save-diagram", { id: other.id, xml: xml("b2") });
        await admin.tool("allocate-ip", { poolId: pool.id });
        const saved = await admin.tool<{ version: number }>("save-diagram", {
          id: mine.id,
          xml: xml("by admin"),
        });
        // Notifications are delivered in order: once this one is here, earlier ones would be.
        await editor.waitForNotification((n) =>
          (n.params as { diagramId?: number; version?: number }).version === saved.version &&
          (n.params as { diagramId?: number }).diagramId === mine.id
        );
        const heard = editor.notifications.map((n) => ({
          method: n.method,
          diagramId: (n.params as { diagramId?: number }).diagramId,
        }));
        assert.deepEqual(heard, [{ method: "notifications/diagram-changed", diagramId: mine.id }]);
      });

      await t.step("a NetBox user named admin is not the API token user admin", async () => {
        const bootstrap = await s.token("admin", { user: "admin" });
        const adminWs = await connect(bootstrap);
        const secret = await adminWs.tool<{ id: number }>("save-diagram", {
          name: "admin's private diagram",
          xml: xml("private"),
        });
        const impostor = await connect(await signEditorToken(SECRET, { sub: "admin" }));
        const listed = await impostor.tool<{ diagrams: { id: number }[] }>("list-diagrams", {});
        assert.ok(!listed.diagrams.some((d) => d.id === secret.id), "listed");
        assert.match(await outcome(impostor.tool("load-diagram", { id: secret.id })), /^not_found/);
        const [row] = await s.testDb.db.query<{ created_by: string }>(
          "SELECT created_by FROM diagrams WHERE id = $1",
          [mine.id],
        );
        assert.equal(row.created_by, "netbox:alice");
      });

      await t.step("revoke-editor ends every editor token of the user", async () => {
        const bobList = await signEditorToken(SECRET, { sub: "bob" });
        const bobDiagram = await signEditorToken(SECRET, { sub: "bob", diagram: String(mine.id) });
        const before = await asEditor(s, bobList, "POST", "/mcp", {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "list-templates", arguments: {} },
        });
        assert.equal(before.status, 200);
        const lines = await runTokenCommand(s.testDb.db, ["revoke-editor", "--user", "bob"]);
        assert.match(lines.join("\n"), /bob/);
        for (const key of [bobList, bobDiagram]) {
          const after = await asEditor(s, key, "POST", "/mcp", {
            jsonrpc: "2.0",
            id: 2,
            method: "tools/call",
            params: { name: "list-templates", arguments: {} },
          });
          assert.equal(after.status, 401, JSON.stringify(after.body));
          assert.match(String(after.body.detail), /revoked/);
          // A new WebSocket is accepted and closed at once with the reason.
          const ws = await connect(key);
          const closed = await ws.closed;
          assert.equal(closed.code, 1008);
          assert.match(closed.reason, /revoked/);
        }
        // Alice's sessions are untouched.
        assert.equal(await outcome(editor.tool("load-diagram", { id: mine.id })), "ok");
      });

      await t.step("a refresh does not revive a revoked session; a new page works", async () => {
        // As if the revocation above were a minute old: tokens the NetBox page signs from now on
        // are dated after its cut-off (which lies the clock skew ahead of the revocation).
        await s.testDb.db.query(
          "UPDATE editor_revocations SET not_before = not_before - interval '60 seconds' " +
            "WHERE netbox_user = 'bob'",
        );
        const now = Math.floor(Date.now() / 1000);
        const listTemplates = (key: string) =>
          asEditor(s, key, "POST", "/mcp", {
            jsonrpc: "2.0",
            id: 3,
            method: "tools/call",
            params: { name: "list-templates", arguments: {} },
          });
        // What the page's refresh signs for bob's editor, opened an hour ago: a fresh iat, the
        // session start of the page.
        const refreshed = await signEditorToken(SECRET, { sub: "bob" }, now, 300, now - 3600);
        const stale = await listTemplates(refreshed);
        assert.equal(stale.status, 401, "a refreshed token of a revoked session was accepted");
        assert.match(String(stale.body.detail), /revoked/);
        const ws = await connect(refreshed);
        const closed = await ws.closed;
        assert.equal(closed.code, 1008);
        assert.match(closed.reason, /revoked/);

        // Bob opens the editor again after the revocation: a new session, which works.
        const reopened = await signEditorToken(SECRET, { sub: "bob" }, now);
        const fresh = await listTemplates(reopened);
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
        assert.notEqual((fresh.body.result as { isError?: boolean }).isError, true);
        const again = await connect(reopened);
        assert.equal(await outcome(again.tool("list-templates", {})), "ok");
      });
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "site and device tabs' editor tokens reach only that site's diagrams",
  hostileOpts,
  async () => {
    const s = await startTestServer({ ARCHIFLOW_EDITOR_SECRET: SECRET });
    const connect = (key: string) => s.client(key);
    try {
      const admin = await s.client();
      const ams = await admin.tool<{ id: number }>("save-diagram", {
        name: "ams",
        site: "Amsterdam 1",
        xml: xml("a"),
      });
      const fra = await admin.tool<{ id: number }>("save-diagram", {
        name: "fra",
        site: "Frankfurt",
        xml: xml("f"),
      });
      const loose = await admin.tool<{ id: number }>("save-diagram", {
        name: "none",
        xml: xml("n"),
      });
      // NetBox names the site by slug; ArchiFlow's inventory, synced from NetBox, by name.
      await s.testDb.db.query("INSERT INTO sites (netbox_id, name, slug) VALUES (5, $1, $2)", [
        "Amsterdam 1",
        "ams-1",
      ]);
      await admin.tool("save-device", { assetId: "FRA-R1", deviceName: "r1", site: "Frankfurt" });
      await s.testDb.db.query(
        "UPDATE network_devices SET netbox_id = 77 WHERE asset_id = 'FRA-R1'",
      );

      const site = await connect(await signEditorToken(SECRET, { sub: "ops", site: "ams-1" }));
      const listed = await site.tool<{ diagrams: { id: number }[] }>("list-diagrams", {});
      assert.deepEqual(listed.diagrams.map((d) => d.id), [ams.id]);
      assert.equal(await outcome(site.tool("load-diagram", { id: ams.id })), "ok");
      for (const other of [fra.id, loose.id, 999_999]) {
        assert.match(
          await outcome(site.tool("load-diagram", { id: other })),
          /^forbidden: .*site Amsterdam 1/,
        );
      }
      assert.match(
        await outcome(site.tool("list-diagrams", { site: "Frankfurt" })),
        /^forbidden/,
      );
      const created = await site.tool<{ id: number; site: string }>("save-diagram", {
        name: "new at ams",
        xml: xml("new"),
      });
      assert.equal(created.site, "Amsterdam 1");

      const device = await connect(await signEditorToken(SECRET, { sub: "ops", device: 77 }));
      assert.equal(await outcome(device.tool("load-diagram", { id: fra.id })), "ok");
      assert.match(await outcome(device.tool("load-diagram", { id: ams.id })), /^forbidden/);
      const unknown = await connect(await signEditorToken(SECRET, { sub: "ops", device: 78 }));
      assert.match(
        await outcome(unknown.tool("load-diagram", { id: fra.id })),
        /^forbidden: NetBox device 78 has no site/,
      );
    } finally {
      await s.close();
    }
  },
);
