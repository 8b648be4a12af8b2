// /metrics against a real server: strict Prometheus text whose counters follow the traffic the
// test sends, and JSON logs that carry a request id and never a secret.
import assert from "node:assert/strict";
import { generateKey } from "../server/auth/tokens.ts";
import { wsProtocols } from "./support/server.ts";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { startServer } from "../server/server.ts";
import { parsePrometheus, sampleValue } from "./ops_prom_parser.ts";
import { createTestDb } from "./support/db.ts";
import { RpcClient, ToolCallError } from "./support/rpc_client.ts";

/** Every server here is provisioned with this admin key (ARCHIFLOW_ADMIN_TOKEN). */
const ADMIN_KEY = generateKey();

const opts = { sanitizeOps: false, sanitizeResources: false };

async function scrape(url: string) {
  const res = await fetch(url + "/metrics", { headers: { Authorization: `Token ${ADMIN_KEY}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

Deno.test(
  "/metrics parses as Prometheus text and its counters move with traffic",
  opts,
  async () => {
    const testDb = await createTestDb();
    const lines: string[] = [];
    const server = await startServer(
      loadConfig({ PORT: "0", HOST: "127.0.0.1", ARCHIFLOW_ADMIN_TOKEN: ADMIN_KEY }),
      testDb.db,
      createLogger("info", {}, (line) => lines.push(line)),
    );
    const wsUrl = server.url.replace(/^http/, "ws") + "/ws";
    const client = await RpcClient.connect(wsUrl, wsProtocols(ADMIN_KEY));
    try {
      const before = await scrape(server.url);
      assert.equal(sampleValue(before, "archiflow_websocket_connections"), 1);
      assert.equal(sampleValue(before, "archiflow_database_up"), 1);

      const pool = await client.tool<{ id: string }>("create-ip-pool", {
        name: 'lab "a"',
        network: "10.9.0.0/29",
      });
      for (let i = 0; i < 3; i++) await client.tool("allocate-ip", { poolId: pool.id });
      await client.tool("release-ip", { poolId: pool.id, ip: "10.9.0.1" });
      await assert.rejects(
        client.tool("release-ip", { poolId: pool.id, ip: "10.9.0.6" }),
        ToolCallError,
      );
      const second = await RpcClient.connect(wsUrl, wsProtocols(ADMIN_KEY));
      await (await fetch(server.url + "/health")).body?.cancel();
      await (await fetch(server.url + "/no/such/page", {
        headers: { Authorization: `Token ${ADMIN_KEY}` },
      })).body?.cancel();

      const after = await scrape(server.url);
      const v = (name: string, labels: Record<string, string> = {}) =>
        (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
      assert.equal(v("archiflow_tool_calls_total", { tool: "allocate-ip", outcome: "ok" }), 3);
      assert.equal(v("archiflow_tool_calls_total", { tool: "release-ip", outcome: "ok" }), 1);
      assert.equal(v("archiflow_tool_calls_total", { tool: "release-ip", outcome: "error" }), 1);
      assert.equal(v("archiflow_tool_call_duration_seconds_count", { tool: "allocate-ip" }), 3);
      assert.equal(v("archiflow_ip_allocations_total"), 3);
      assert.equal(v("archiflow_ip_releases_total"), 1);
      assert.equal(sampleValue(after, "archiflow_websocket_connections"), 2);
      assert.equal(
        v("archiflow_http_requests_total", { method: "GET", route: "/health", status: "200" }),
        1,
      );
      assert.equal(
        v("archiflow_http_requests_total", { method: "GET", route: "unmatched", status: "404" }),
        1,
      );
      // The first scrape is itself a request the second one sees.
      assert.equal(
        v("archiflow_http_requests_total", { method: "GET", route: "/metrics", status: "200" }),
        1,
      );
      // Pool gauges come from ip_pool_usage: a /29 has 6 usable addresses, 2 are allocated.
      assert.equal(
        sampleValue(after, "archiflow_pool_allocated_addresses", { pool: 'lab "a"' }),
        2,
      );
      assert.equal(sampleValue(after, "archiflow_pool_usable_addresses", { pool: 'lab "a"' }), 6);
      assert.equal(sampleValue(after, "archiflow_pool_usage_ratio", { pool: 'lab "a"' }), 0.3333);
      // Only active pools are measured, as ip_pool_usage holds only those.
      await testDb.db.query("UPDATE ip_pools SET is_active = false WHERE id = $1", [pool.id]);
      const inactive = await scrape(server.url);
      assert.equal(
        sampleValue(inactive, "archiflow_pool_allocated_addresses", { pool: 'lab "a"' }),
        undefined,
      );

      await testDb.db.query(
        `INSERT INTO alerts (alert_type, severity, message) VALUES
         ('device_down', 'critical', 'a'), ('device_down', 'critical', 'b'),
         ('pool_exhausted', 'warning', 'c')`,
      );
      const alerts = await scrape(server.url);
      assert.equal(
        sampleValue(alerts, "archiflow_alerts_open", { type: "device_down", severity: "critical" }),
        2,
      );
      assert.equal(
        sampleValue(alerts, "archiflow_alerts_open", {
          type: "pool_exhausted",
          severity: "warning",
        }),
        1,
      );
      await second.close();
    } finally {
      await client.close();
      await server.shutdown();
      await testDb.close();
    }
  },
);

Deno.test(
  "log lines are JSON with a request id and never show tokens or passwords",
  opts,
  async () => {
    const testDb = await createTestDb();
    const lines: string[] = [];
    const server = await startServer(
      loadConfig({ PORT: "0", HOST: "127.0.0.1", ARCHIFLOW_ADMIN_TOKEN: ADMIN_KEY }),
      testDb.db,
      createLogger("debug", {}, (line) => lines.push(line)),
    );
    const secrets = [
      "s3cr3t-token-value",
      "k3y-value-9",
      "hunter2-pass",
      "bearer-abc-123",
      ADMIN_KEY,
    ];
    const client = await RpcClient.connect(
      server.url.replace(/^http/, "ws") + "/ws",
      wsProtocols(ADMIN_KEY),
    );
    try {
      lines.length = 0;
      const res = await fetch(
        server.url + `/health?token=${secrets[0]}&key=${secrets[1]}&password=${secrets[2]}&x=1`,
        { headers: { Authorization: `Bearer ${secrets[3]}`, "X-Request-Id": "req-from-client" } },
      );
      await res.body?.cancel();
      assert.equal(res.headers.get("x-request-id"), "req-from-client");
      await client.tool("save-device", { assetId: "LOG-1", deviceName: "log-1" });
      await assert.rejects(client.tool("release-ip", { poolId: 999, ip: "10.0.0.1" }));
      assert.ok(lines.length >= 3, `expected request and tool lines, got ${lines.length}`);
      for (const line of lines) {
        const parsed = JSON.parse(line);
        assert.equal(typeof parsed.requestId, "string", `no request id in ${line}`);
        assert.ok(parsed.time && parsed.level && parsed.msg);
        for (const s of secrets) assert.ok(!line.includes(s), `secret leaked: ${line}`);
      }
      const http = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "http request");
      assert.equal(http.requestId, "req-from-client");
      assert.match(http.url, /token=\[redacted\]&key=\[redacted\]&password=\[redacted\]&x=1/);
      assert.ok(lines.some((l) => JSON.parse(l).tool === "save-device"));
    } finally {
      await client.close();
      await server.shutdown();
      await testDb.close();
    }
  },
);

Deno.test(
  "with a metrics token set, /metrics answers only scrapers that send it",
  opts,
  async () => {
    const token = "metrics-token-0123456789";
    const lines: string[] = [];
    const testDb = await createTestDb();
    const server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        ARCHIFLOW_ADMIN_TOKEN: ADMIN_KEY,
        ARCHIFLOW_METRICS_TOKEN: token,
      }),
      testDb.db,
      createLogger("info", {}, (line) => lines.push(line)),
    );
    try {
      const anonymous = await fetch(server.url + "/metrics");
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const wrong = await fetch(server.url + "/metrics", {
        headers: { Authorization: "Bearer metrics-token-0123456788" },
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const ok = await fetch(server.url + "/metrics", {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(ok.status, 200);
      parsePrometheus(await ok.text());
      assert.ok(lines.every((l) => !l.includes(token)));
    } finally {
      await server.shutdown();
      await testDb.close();
    }
  },
);
