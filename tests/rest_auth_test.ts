// Who may do what: the token matrix (none, bad, expired, revoked, read, write, admin, wrong
// network) on REST, WebSocket and MCP over HTTP; audit identity; rate limits.
import assert from "node:assert/strict";
import { createToken } from "../server/auth/tokens.ts";
import { signEditorToken } from "../server/auth/editor_token.ts";
import { getJson, jsonInit } from "./support/rest.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { startTestServer, type TestServer, wsProtocols } from "./support/server.ts";

const SECRET = "editor-secret-for-tests-0123456789";

interface Keys {
  read: string;
  write: string;
  admin: string;
  expired: string;
  revoked: string;
  elsewhere: string;
  bad: string;
}

async function makeKeys(s: TestServer): Promise<Keys> {
  const db = s.testDb.db;
  const revoked = await createToken(db, { user: "gone", scope: "admin" });
  await db.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [revoked.token.id]);
  return {
    read: await s.token("read", { user: "reader" }),
    write: await s.token("write", { user: "netops" }),
    admin: s.adminKey,
    expired: await s.token("admin", { expiresAt: new Date(Date.now() - 1000) }),
    revoked: revoked.key,
    elsewhere: await s.token("admin", { allowedNetworks: ["192.0.2.0/24"] }),
    bad: "af_" + "A".repeat(43),
  };
}

const device = (n: number) => ({ asset_id: `AUTH-${n}`, device_name: `dev-${n}` });
let seq = 0;

Deno.test("the token matrix holds on REST, WebSocket and MCP", async (t) => {
  const s = await startTestServer({
    ARCHIFLOW_EDITOR_SECRET: SECRET,
    ARCHIFLOW_TRUSTED_PROXIES: "127.0.0.1/32",
  });
  try {
    const k = await makeKeys(s);
    const refused = { none: null, bad: k.bad, expired: k.expired, revoked: k.revoked };

    await t.step("REST", async () => {
      const plain = await fetch(`${s.url}/api/devices/`);
      assert.equal(plain.status, 401);
      assert.match(plain.headers.get("www-authenticate") ?? "", /^Token/);
      assert.equal((await plain.json()).code, "unauthenticated");
      for (const [name, key] of Object.entries(refused)) {
        if (!key) continue;
        const res = await fetch(`${s.url}/api/devices/`, {
          headers: { authorization: `Token ${key}` },
        });
        const text = await res.text();
        assert.equal(res.status, 401, name);
        assert.ok(!text.includes(key), "the key is not echoed");
      }
      const away = await s.fetch("/api/devices/", {
        headers: { authorization: `Token ${k.elsewhere}` },
      });
      assert.equal(away.status, 403, "token limited to another network");
      await away.body?.cancel();
      for (const scheme of ["Token", "Bearer"]) {
        for (const key of [k.read, k.write, k.admin]) {
          const res = await s.fetch("/api/devices/", {
            headers: { authorization: `${scheme} ${key}` },
          });
          assert.equal(res.status, 200);
          await res.body?.cancel();
        }
      }
      const asRead = await getJson(
        s,
        "/api/devices/",
        jsonInit("POST", device(++seq), { authorization: `Token ${k.read}` }),
      );
      assert.equal(asRead.status, 403);
      assert.equal(asRead.body.code, "forbidden");
      for (const key of [k.write, k.admin]) {
        const ok = await getJson(
          s,
          "/api/devices/",
          jsonInit("POST", device(++seq), { authorization: `Bearer ${key}` }),
        );
        assert.equal(ok.status, 201);
      }
      const health = await fetch(`${s.url}/health`);
      assert.equal(health.status, 200, "/health stays open");
      await health.body?.cancel();
      const docs = await fetch(`${s.url}/api/docs/`);
      assert.equal(docs.status, 200, "the docs page holds no data and stays open");
      await docs.body?.cancel();
      assert.equal((await fetch(`${s.url}/api/schema/`)).status, 401);
      // Static editor assets and signed NetBox webhooks do not take API tokens.
      for (const path of ["/drawio/index.html", "/editor", "/api/netbox/webhook"]) {
        const res = await fetch(`${s.url}${path}`);
        assert.notEqual(res.status, 401, path);
        await res.body?.cancel();
      }
      for (const path of ["/", "/api/", "/mcp", "/anything"]) {
        const res = await fetch(`${s.url}${path}`);
        assert.equal(res.status, 401, path);
        await res.body?.cancel();
      }
    });

    await t.step("WebSocket", async () => {
      const closedWith = async (url: string, protocols?: string[]) => {
        const c = await RpcClient.connect(url, protocols);
        const event = await c.closed;
        return event.code;
      };
      assert.equal(await closedWith(s.wsUrl), 1008, "no credential");
      for (const key of [k.bad, k.expired, k.revoked, k.elsewhere]) {
        assert.equal(await closedWith(s.wsUrl, wsProtocols(key)), 1008);
        assert.equal(await closedWith(`${s.wsUrl}?token=${key}`), 1008);
      }
      // A good key in the URL is refused too, saying how to send it.
      const inUrl = await RpcClient.connect(`${s.wsUrl}?token=${k.write}`);
      const refusal = await inUrl.closed;
      assert.equal(refusal.code, 1008);
      assert.match(refusal.reason, /Keys in URLs are refused/);
      const reader = await RpcClient.connect(s.wsUrl, wsProtocols(k.read));
      assert.equal(reader.protocol, "archiflow", "the key's protocol is never echoed");
      assert.ok((await reader.tool("get-devices")).devices);
      await assert.rejects(
        reader.tool("save-device", { assetId: "WS-R", deviceName: "x" }),
        (e: Error) => e.message.startsWith("forbidden"),
      );
      await reader.close();
      const writer = await RpcClient.connect(s.wsUrl, wsProtocols(k.write));
      assert.equal(
        (await writer.tool("save-device", { assetId: "WS-W", deviceName: "x" })).asset_id,
        "WS-W",
      );
      await writer.close();
      const header = await RpcClient.connect(s.wsUrl, undefined, {
        authorization: `Bearer ${k.admin}`,
      });
      assert.deepEqual(await header.call("ping"), {});
      await header.close();
    });

    await t.step("MCP over HTTP", async () => {
      const rpc = (key: string | null, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${s.url}/mcp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(key ? { authorization: `Bearer ${key}` } : {}),
            ...headers,
          },
          body: JSON.stringify(body),
        });
      const call = (name: string, args: unknown) => ({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: args },
      });
      for (const key of [null, k.bad, k.expired, k.revoked]) {
        const res = await rpc(key, { jsonrpc: "2.0", id: 1, method: "ping" });
        assert.equal(res.status, 401);
        await res.body?.cancel();
      }
      const away = await rpc(k.elsewhere, { jsonrpc: "2.0", id: 1, method: "ping" });
      assert.equal(away.status, 403);
      await away.body?.cancel();
      const init = await rpc(k.read, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      });
      assert.equal(init.status, 200);
      assert.match(init.headers.get("content-type") ?? "", /application\/json/);
      assert.ok(init.headers.get("mcp-session-id"));
      assert.equal((await init.json()).result.serverInfo.name, "archiflow");
      const note = await rpc(k.read, { jsonrpc: "2.0", method: "notifications/initialized" });
      assert.equal(note.status, 202);
      await note.body?.cancel();
      const list = await (await rpc(k.read, { jsonrpc: "2.0", id: 2, method: "tools/list" }))
        .json();
      assert.ok(list.result.tools.some((x: { name: string }) => x.name === "save-device"));
      const denied =
        await (await rpc(k.read, call("save-device", { assetId: "M-1", deviceName: "m" })))
          .json();
      assert.equal(denied.result.isError, true);
      assert.equal(denied.result.structuredContent.error.code, "forbidden");
      const done =
        await (await rpc(k.write, call("save-device", { assetId: "M-1", deviceName: "m" })))
          .json();
      assert.equal(done.result.structuredContent.asset_id, "M-1");
      const batch = await (await rpc(k.read, [
        { jsonrpc: "2.0", id: 1, method: "ping" },
        { jsonrpc: "2.0", id: 2, method: "nope" },
      ])).json();
      assert.equal(batch.length, 2);
      assert.equal(batch[1].error.code, -32601);
    });

    await t.step(
      "signed editor tokens act as netbox:<user> in the editor's tools only",
      async () => {
        const token = await signEditorToken(SECRET, { sub: "alice" });
        const res = await getJson(
          s,
          "/api/devices/",
          jsonInit("POST", device(++seq), { authorization: `Token ${token}` }),
        );
        assert.equal(res.status, 403, "REST is not open to editor tokens");
        const ws = await RpcClient.connect(s.wsUrl, wsProtocols(token));
        await assert.rejects(
          ws.tool("save-device", { assetId: "ED-1", deviceName: "e" }),
          /forbidden/,
        );
        const saved = await ws.tool<{ id: number }>("save-diagram", {
          name: "from NetBox",
          xml:
            '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/></root></mxGraphModel>',
        });
        await ws.close();
        const [row] = await s.testDb.db.query<{ user_name: string }>(
          "SELECT user_name FROM audit_log WHERE entity_type = 'diagram' AND entity_id = $1",
          [String(saved.id)],
        );
        assert.equal(row.user_name, "netbox:alice");
      },
    );

    await t.step("audit rows name the token's user, client address and user agent", async () => {
      const created = await getJson(
        s,
        "/api/devices/",
        jsonInit("POST", device(++seq), {
          authorization: `Token ${k.write}`,
          "x-forwarded-for": "203.0.113.9, 127.0.0.1",
          "user-agent": "pynetbox/7.4",
          "x-request-id": "req-42",
        }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const assetId = created.body.asset_id as string;
      const [row] = await s.testDb.db.query<Record<string, string>>(
        `SELECT action, user_id, user_name, host(ip_address) AS ip_address, user_agent, request_id
           FROM audit_log WHERE entity_type = 'device' AND entity_id = $1`,
        [assetId],
      );
      assert.deepEqual(row, {
        action: "create",
        user_id: "netops",
        user_name: "netops",
        ip_address: "203.0.113.9",
        user_agent: "pynetbox/7.4",
        request_id: "req-42",
      });
      const log = await getJson(
        s,
        `/api/audit-log/?entity_id=${assetId}&user_id=netops&ip_address=203.0.113.9`,
      );
      assert.equal(log.body.count, 1);
      const [entry] = log.body.results as Record<string, unknown>[];
      assert.equal(entry.ip_address, "203.0.113.9");
      assert.equal(entry.entity_type, "device");
      assert.ok(!Number.isNaN(Date.parse(String(entry.created_at))), String(entry.created_at));
      assert.equal(
        (await getJson(s, `/api/audit-log/?entity_id=${assetId}&user_id=reader`)).body.count,
        0,
      );
      const keys = JSON.stringify(
        await s.testDb.db.query("SELECT * FROM audit_log"),
      );
      for (const key of Object.values(k)) {
        assert.ok(!keys.includes(key), "keys never reach the audit log");
      }
    });
  } finally {
    await s.close();
  }
});

Deno.test("rate limits per token and per address answer 429 with Retry-After", async () => {
  const s = await startTestServer({
    ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "5",
    ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "8",
  });
  try {
    const other = await s.token("read");
    const statuses = async (key: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await s.fetch("/api/status/", { headers: { authorization: `Token ${key}` } });
        out.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
        await res.body?.cancel();
      }
      return out;
    };
    assert.deepEqual(await statuses(s.adminKey, 6), [200, 200, 200, 200, 200, 429]);
    // 6 requests from this address so far; the second token has its own budget but the
    // address allows only 8.
    assert.deepEqual(await statuses(other, 3), [200, 200, 429]);
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 200, "health checks are never limited");
    await health.body?.cancel();
  } finally {
    await s.close();
  }
});

Deno.test("the first start prints an admin key once, never through the logger", async () => {
  const { createTestDb } = await import("./support/db.ts");
  const { startServer } = await import("../server/server.ts");
  const { loadConfig } = await import("../server/config.ts");
  const { createLogger } = await import("../server/log.ts");
  const testDb = await createTestDb();
  const printed: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  try {
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1" });
    const first = await startServer(config, testDb.db, createLogger("silent"));
    await first.shutdown();
    const text = printed.join("\n");
    const key = text.match(/\/editor#token=(af_[A-Za-z0-9_-]{43})/)?.[1];
    assert.ok(key, text);
    assert.ok(text.includes(`Authorization: Token ${key}`));
    printed.length = 0;
    const second = await startServer(config, testDb.db, createLogger("silent"));
    try {
      assert.deepEqual(printed, [], "never again");
      console.log = original;
      const res = await fetch(`${second.url}/api/status/`, {
        headers: { authorization: `Token ${key}` },
      });
      assert.equal((await res.json()).user.scope, "admin");
    } finally {
      await second.shutdown();
    }
  } finally {
    console.log = original;
    await testDb.close();
  }
});
