// /metrics against a real server: strict Prometheus text; tool calls and allocations counted on
// every transport (WebSocket, MCP, REST); series that exist from the start; routes labelled by
// their plain pattern; database, NetBox outbox and process figures; JSON logs that carry a
// request id and never a secret.
import assert from "node:assert/strict";
import { generateKey } from "../server/auth/tokens.ts";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { startServer } from "../server/server.ts";
import { type Family, parsePrometheus, sampleValue } from "./ops_prom_parser.ts";
import { backendName, createTestDb } from "./support/db.ts";
import { sendJson } from "./support/rest.ts";
import { RpcClient, ToolCallError } from "./support/rpc_client.ts";
import { startTestServer, type TestServer, wsProtocols } from "./support/server.ts";

type Families = Map<string, Family>;

async function scrape(s: TestServer): Promise<Families> {
  const res = await s.fetch("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

/** The change of one series between two scrapes (an absent series counts as 0). */
const delta = (before: Families, after: Families) =>
(
  name: string,
  labels: Record<string, string> = {},
) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);

const calls = (tool: string, outcome: "ok" | "error", transport: string) => ({
  tool,
  outcome,
  transport,
});

async function mcpCall(s: TestServer, name: string, args: Record<string, unknown>) {
  const res = await sendJson(s, "POST", "/mcp", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name, arguments: args },
  });
  assert.equal(res.status, 200);
  return res.body.result as { isError?: boolean; structuredContent: Record<string, unknown> };
}

async function countsEveryTransport(s: TestServer) {
  const before = await scrape(s);
  // Every tool's series exist before the first call, on every transport.
  for (const transport of ["websocket", "mcp", "rest"]) {
    for (const outcome of ["ok", "error"] as const) {
      assert.equal(
        sampleValue(
          before,
          "archiflow_tool_calls_total",
          calls("allocate-ip", outcome, transport),
        ),
        0,
      );
    }
  }
  for (const name of ["archiflow_ip_allocations_total", "archiflow_ip_releases_total"]) {
    assert.equal(sampleValue(before, name), 0, name);
  }
  assert.equal(sampleValue(before, "archiflow_websocket_connections_opened_total"), 0);
  assert.equal(sampleValue(before, "archiflow_websocket_connections"), 0);

  const pool = await sendJson(s, "POST", "/api/ip-pools/", {
    name: 'lab "a"',
    network: "10.9.0.0/28",
  });
  assert.equal(pool.status, 201, JSON.stringify(pool.body));
  const poolId = pool.body.id as string;
  const rest = await sendJson(s, "POST", `/api/ip-pools/${poolId}/available-ips/`, [{}, {}]);
  assert.equal(rest.status, 201, JSON.stringify(rest.body));

  const mcpOk = await mcpCall(s, "allocate-ip", { poolId });
  assert.equal(mcpOk.isError, undefined);
  const mcpBad = await mcpCall(s, "release-ip", { poolId, ip: "10.9.0.14" });
  assert.equal(mcpBad.isError, true);

  const client = await s.client();
  const many = await client.tool<{ allocations: { ip_address: string }[] }>("allocate-ip", {
    poolId,
    count: 3,
  });
  assert.equal(many.allocations.length, 3);
  await client.tool("release-ip", { poolId, ip: many.allocations[0].ip_address });
  await assert.rejects(client.tool("release-ip", { poolId, ip: "10.9.0.14" }), ToolCallError);

  const after = await scrape(s);
  const d = delta(before, after);
  const t = "archiflow_tool_calls_total";
  assert.equal(d(t, calls("create-ip-pool", "ok", "rest")), 1);
  assert.equal(d(t, calls("allocate-ip", "ok", "rest")), 2);
  assert.equal(d(t, calls("allocate-ip", "ok", "mcp")), 1);
  assert.equal(d(t, calls("release-ip", "error", "mcp")), 1);
  assert.equal(d(t, calls("allocate-ip", "ok", "websocket")), 1);
  assert.equal(d(t, calls("release-ip", "ok", "websocket")), 1);
  assert.equal(d(t, calls("release-ip", "error", "websocket")), 1);
  assert.equal(d("archiflow_tool_call_duration_seconds_count", { tool: "allocate-ip" }), 4);
  // Addresses, not calls: 2 by REST, 1 by MCP, 3 in one WebSocket call.
  assert.equal(d("archiflow_ip_allocations_total"), 6);
  assert.equal(d("archiflow_ip_releases_total"), 1);
  assert.equal(sampleValue(after, "archiflow_websocket_connections"), 1);
  assert.equal(d("archiflow_websocket_connections_opened_total"), 1);

  // Pool gauges come from ip_pool_usage: a /28 has 14 usable addresses, 5 are allocated.
  const poolLabel = { pool: 'lab "a"' };
  assert.equal(sampleValue(after, "archiflow_pool_allocated_addresses", poolLabel), 5);
  assert.equal(sampleValue(after, "archiflow_pool_usable_addresses", poolLabel), 14);
  assert.equal(sampleValue(after, "archiflow_pool_usage_ratio", poolLabel), 0.3571);
  await s.testDb.db.query("UPDATE ip_pools SET is_active = false WHERE id = $1", [poolId]);
  await s.testDb.db.query(
    `INSERT INTO alerts (alert_type, severity, message) VALUES
       ('device_down', 'critical', 'a'), ('device_down', 'critical', 'b')`,
  );
  const later = await scrape(s);
  assert.equal(sampleValue(later, "archiflow_pool_allocated_addresses", poolLabel), undefined);
  assert.equal(
    sampleValue(later, "archiflow_alerts_open", { type: "device_down", severity: "critical" }),
    2,
  );
}

async function labelsRoutes(s: TestServer) {
  const before = await scrape(s);
  const statuses = [];
  for (
    const [path, auth] of [
      ["/api/ip-pools/no-such-pool/", true],
      ["/api/alerts/999999/", true],
      ["/no/such/page", true],
      ["/api/ip-pools/", false],
      ["/favicon.ico", false],
      ["/health", false],
    ] as const
  ) {
    const res = auth ? await s.fetch(path) : await fetch(s.url + path);
    await res.body?.cancel();
    statuses.push(res.status);
  }
  // The editor's page load asks for /favicon.ico without a token: no 401 to log.
  assert.deepEqual(statuses, [404, 404, 404, 401, 204, 200]);
  const after = await scrape(s);
  const d = delta(before, after);
  const http = (route: string, status: number) => ({ method: "GET", route, status: `${status}` });
  const r = "archiflow_http_requests_total";
  assert.equal(d(r, http("/api/ip-pools/{id}/", 404)), 1);
  assert.equal(d(r, http("/api/alerts/{id}/", 404)), 1);
  assert.equal(d(r, http("unmatched", 404)), 1);
  assert.equal(d(r, http("/api/ip-pools/", 401)), 1);
  assert.equal(d(r, http("/favicon.ico", 204)), 1);
  assert.equal(d(r, http("/health", 200)), 1);
  // The first scrape is itself a request the second one sees.
  assert.equal(d(r, http("/metrics", 200)), 1);
  const routes = new Set(after.get(r)!.samples.map((x) => x.labels.route));
  for (const route of routes) {
    assert.match(route, /^(unmatched|\/[^:{}[\]]*(\{[a-z_]+\}[^:{}[\]]*)*)$/, route);
  }
}

async function showsDatabaseAndProcess(s: TestServer) {
  const db = s.testDb.db;
  await db.query(
    `INSERT INTO netbox_outbox (action, dedup_key, payload, created_at)
     VALUES ('create_ip', 'metrics-a', '{}', now() - interval '1 minute'),
            ('create_ip', 'metrics-b', '{}', now()),
            ('delete_ip', 'metrics-c', '{}', now())`,
  );
  await db.query("UPDATE netbox_outbox SET status = 'done' WHERE dedup_key = 'metrics-c'");
  const f = await scrape(s);
  const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels);
  assert.equal(v("archiflow_database_up"), 1);
  assert.equal(v("archiflow_metrics_scrape_error", { source: "database" }), 0);
  assert.equal(v("archiflow_netbox_outbox_pending"), 2);
  assert.ok(v("archiflow_netbox_outbox_oldest_pending_seconds")! >= 59);
  const ratio = v("archiflow_database_cache_hit_ratio")!;
  assert.ok(ratio > 0 && ratio <= 1, String(ratio));
  assert.ok(v("archiflow_database_blocks_hit_total")! > 0);
  for (const name of ["process_resident_memory_bytes", "process_start_time_seconds"]) {
    assert.ok(v(name)! > 0, name);
  }
  if (Deno.build.os === "linux") {
    for (
      const name of [
        "process_cpu_seconds_total",
        "process_virtual_memory_bytes",
        "process_open_fds",
        "process_max_fds",
      ]
    ) assert.ok(v(name)! > 0, name);
  }
  if (backendName() === "pglite") {
    // One embedded session: server-wide figures would be made up, so they are left out.
    for (
      const name of [
        "archiflow_database_connections",
        "archiflow_database_max_connections",
        "archiflow_database_lock_waits",
        "archiflow_database_deadlocks_total",
        "archiflow_database_statement_calls_total",
      ]
    ) assert.ok(!f.has(name), name);
    return;
  }
  // The scrape's own statement is an active connection to this database.
  assert.ok(v("archiflow_database_connections", { state: "active" })! >= 1);
  assert.equal(typeof v("archiflow_database_connections", { state: "idle" }), "number");
  assert.ok(v("archiflow_database_server_connections")! >= 1);
  assert.ok(v("archiflow_database_max_connections")! > 0);
  assert.equal(v("archiflow_database_lock_waits"), 0);
  assert.equal(v("archiflow_database_deadlocks_total"), 0);
  assert.ok(!f.has("archiflow_database_statement_calls_total"));
}

async function showsLockWaits(s: TestServer) {
  const db = s.testDb.db;
  await db.query(
    "INSERT INTO ip_pools (id, name, network) VALUES ('pool-lock', 'lock', '10.8.0.0/30')",
  );
  const holding = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const holder = db.transaction(async (tx) => {
    await tx.query("SELECT id FROM ip_pools WHERE id = 'pool-lock' FOR UPDATE");
    holding.resolve();
    await release.promise;
  });
  await holding.promise;
  const waiter = db.query("SELECT id FROM ip_pools WHERE id = 'pool-lock' FOR UPDATE");
  let f: Families;
  try {
    let waiting = 0;
    // Each check is a round trip, so this waits for the server to queue the waiter.
    for (let i = 0; i < 500 && waiting === 0; i++) {
      [{ waiting }] = await db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE NOT l.granted AND a.datname = current_database()`,
      );
    }
    assert.equal(waiting, 1);
    f = await scrape(s);
  } finally {
    release.resolve();
    await holder;
    await waiter;
  }
  assert.equal(sampleValue(f, "archiflow_database_lock_waits"), 1);
  assert.ok(sampleValue(f, "archiflow_database_lock_wait_max_seconds")! >= 0);
  assert.ok(sampleValue(f, "archiflow_database_longest_statement_seconds")! > 0);
  assert.ok(sampleValue(f, "archiflow_database_connections", { state: "active" })! >= 2);
  const idle = await scrape(s);
  assert.equal(sampleValue(idle, "archiflow_database_lock_waits"), 0);
}

async function readsStatementsSoftly(s: TestServer) {
  await s.testDb.db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const f = await scrape(s);
  const error = sampleValue(f, "archiflow_metrics_scrape_error", {
    source: "pg_stat_statements",
  });
  assert.equal(sampleValue(f, "archiflow_database_up"), 1);
  assert.ok(f.has("archiflow_database_connections"));
  // Installed but not in shared_preload_libraries, the extension cannot be read: flagged,
  // and its figures left out. Loaded, its figures show.
  const [{ loaded }] = await s.testDb.db.query<{ loaded: boolean }>(
    "SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements' AS loaded",
  );
  assert.equal(error, loaded ? 0 : 1);
  assert.equal(f.has("archiflow_database_statement_calls_total"), loaded);
  assert.equal(f.has("archiflow_database_slow_statements"), loaded);
}

Deno.test("/metrics on a running server", async (t) => {
  // One server for all steps (starting one migrates a fresh database); each step compares
  // scrapes taken before and after its own traffic. The first step sees the server untouched.
  const s = await startTestServer();
  const postgresOnly = backendName() !== "postgres";
  try {
    await t.step(
      "tool calls and allocations are counted on WebSocket, MCP and REST alike",
      () => countsEveryTransport(s),
    );
    await t.step(
      "HTTP requests are labelled by their route's plain pattern, 404s included",
      () => labelsRoutes(s),
    );
    await t.step(
      "the database, the NetBox outbox and the process show",
      () => showsDatabaseAndProcess(s),
    );
    await t.step({
      name: "on PostgreSQL a session waiting for a lock shows",
      ignore: postgresOnly,
      fn: () => showsLockWaits(s),
    });
    await t.step({
      name: "on PostgreSQL pg_stat_statements is read where it works and never fails the scrape",
      ignore: postgresOnly,
      fn: () => readsStatementsSoftly(s),
    });
  } finally {
    await s.close();
  }
});

/** Every server below is provisioned with this admin key (ARCHIFLOW_ADMIN_TOKEN). */
const ADMIN_KEY = generateKey();

Deno.test("log lines are JSON with a request id and never show tokens or passwords", async () => {
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
    const tool = lines.map((l) => JSON.parse(l)).find((l) => l.tool === "save-device");
    assert.equal(tool?.transport, "websocket");
    assert.equal(tool?.ok, true);
  } finally {
    await client.close();
    await server.shutdown();
    await testDb.close();
  }
});

Deno.test("with a metrics token set, /metrics answers only scrapers that send it", async () => {
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
});
