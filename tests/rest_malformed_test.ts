// A thousand mixed malformed requests (bad JSON, wrong types, unknown filters, hostile values,
// oversized bodies, bad credentials, bad methods) all get a 4xx, change nothing, and the server
// keeps answering good requests.
import assert from "node:assert/strict";
import { getJson, seedDevices } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

/** Small deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

Deno.test("1,000 malformed requests get 4xx while the server keeps serving", async () => {
  const s = await startTestServer({ ARCHIFLOW_MAX_MESSAGE_BYTES: "65536" });
  try {
    await seedDevices(s.testDb.db, 10);
    const reader = await s.token("read");
    const post = (path: string, body: string, headers: Record<string, string> = {}) => ({
      path,
      init: { method: "POST", body, headers: { "content-type": "application/json", ...headers } },
    });
    const get = (path: string, headers: Record<string, string> = {}) => ({
      path,
      init: { headers },
    });
    const kinds: (() => { path: string; init: RequestInit })[] = [
      () => post("/api/devices/", "{"),
      () => post("/api/devices/", "[]"),
      () => post("/api/devices/", "[1, 2]"),
      () => post("/api/devices/", '"text"'),
      () => post("/api/devices/", "null"),
      () => post("/api/devices/", JSON.stringify({ asset_id: { id: 123 }, device_name: "x" })),
      () =>
        post(
          "/api/devices/",
          JSON.stringify({ asset_id: "x", device_name: "y", status: "on fire" }),
        ),
      () => post("/api/devices/", JSON.stringify({})),
      () => post("/api/devices/", JSON.stringify({ asset_id: "x".repeat(300), device_name: "y" })),
      () => post("/api/devices/", JSON.stringify({ asset_id: "x", device_name: "y", admin: true })),
      () =>
        post(
          "/api/devices/",
          JSON.stringify({
            asset_id: "'; DROP TABLE network_devices; --",
            device_name: "y",
            primary_ip: "not-an-ip",
          }),
        ),
      () => post("/api/devices/", "x".repeat(70_000)),
      () =>
        post("/api/devices/", JSON.stringify({ asset_id: "r", device_name: "r" }), {
          authorization: `Token ${reader}`,
        }),
      () => post("/api/ip-pools/", JSON.stringify({ name: "p", network: "10.0.0.0/99" })),
      () => post("/api/ip-pools/", JSON.stringify({ name: "p", network: "banana" })),
      () => post("/api/ip-pools/999/available-ips/", "{}"),
      () => post("/api/ip-pools/", JSON.stringify({ id: " p", name: "p", network: "10.1.0.0/24" })),
      () =>
        post(
          "/api/ip-pools/",
          JSON.stringify({ id: "p".repeat(51), name: "p", network: "10.1.0.0/24" }),
        ),
      () =>
        post(
          "/api/ip-pools/",
          JSON.stringify({ id: "a\u0007b", name: "p", network: "10.1.0.0/24" }),
        ),
      () => get("/api/ip-pools/%00/"),
      () => get("/api/ip-pools/%20p/"),
      () => get("/api/ip-pools/%E0%A4%A/"),
      () => get(`/api/ip-pools/${"p".repeat(300)}/`),
      () => get("/api/devices/A-000001%0A/"),
      () => post("/api/ip-pools/1/available-ips/", "{oops"),
      () => post("/mcp", "not json"),
      () => post("/mcp", JSON.stringify({ id: 1, method: "ping" })),
      () => post("/api/audit-log/", "{}"),
      () => get("/api/devices/?colour=red"),
      () => get("/api/devices/?ordering=;DROP"),
      () => get("/api/devices/?limit=lots"),
      () => get("/api/devices/?offset=-5"),
      () => get("/api/devices/?id=1'--"),
      () => get("/api/devices/?netbox_id__gte=1e99"),
      () => get("/api/devices/?created_at__gte=yesterday"),
      () => get("/api/devices/?primary_ip=300.1.1.1"),
      () => get("/api/devices/?status=exploded"),
      () => get("/api/devices/?q=%00"),
      () => get(`/api/devices/?device_name=${"z".repeat(10_240)}`),
      () => get("/api/devices/?metadata=1"),
      () => get("/api/devices/?brief=perhaps"),
      () => get("/api/devices/A-000001/?fields=secret"),
      () => get("/api/devices/abc/"),
      () => get("/api/devices/99999999/"),
      () => get("/api/devices/1/versions/"),
      () => get("/api/nothing-here/"),
      () => get("/api/diagrams/424242/export/?format=drawio"),
      () => get("/api/ip-pools/1/available-ips/?limit=x"),
      () => get("/api/devices/", { authorization: "Token af_wrong" }),
      () => get("/api/devices/", { authorization: "Basic dXNlcjpwYXNz" }),
      () => get("/api/devices/", { authorization: `Token ${"A".repeat(5000)}` }),
      () => ({
        path: "/api/devices/",
        init: { method: "PUT", body: "{}", headers: { "content-type": "application/json" } },
      }),
      () => ({ path: "/api/devices/", init: { method: "DELETE", body: '[{"id": "x"}]' } }),
      () => ({ path: "/api/devices/99999/", init: { method: "PATCH", body: "{}" } }),
      () => ({ path: "/api/audit-log/1/", init: { method: "DELETE" } }),
      () => ({ path: "/mcp", init: { method: "GET" } }),
    ];
    const rnd = prng(5);
    const before = JSON.stringify(
      await s.testDb.db.query("SELECT * FROM network_devices ORDER BY asset_id"),
    );
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const used = new Set<number>();
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 20 }, async () => {
        const k = Math.floor(rnd() * kinds.length);
        used.add(k);
        const { path, init } = kinds[k]();
        const headers = new Headers(init.headers);
        const res = headers.has("authorization")
          ? await fetch(s.url + path, init)
          : await s.fetch(path, init);
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 400 || res.status >= 500) {
          failures.push(
            `#${k} ${init.method ?? "GET"} ${path.slice(0, 80)} -> ${res.status} ${
              text.slice(0, 120)
            }`,
          );
        }
      }));
      // The server keeps serving everyone else between the waves.
      if (batch % 10 === 0) assert.equal((await getJson(s, "/api/devices/?limit=1")).status, 200);
    }
    assert.deepEqual([...new Set(failures)], []);
    assert.equal(used.size, kinds.length, "every kind of bad request was sent");
    assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), 1000);
    const after = JSON.stringify(
      await s.testDb.db.query("SELECT * FROM network_devices ORDER BY asset_id"),
    );
    assert.equal(after, before, "no bad request changed anything");
    const [{ pools }] = await s.testDb.db.query<{ pools: number }>(
      "SELECT count(*)::int AS pools FROM ip_pools",
    );
    assert.equal(pools, 0, "no bad pool was created");
    const health = await fetch(`${s.url}/health`);
    assert.equal((await health.json()).status, "ok");
  } finally {
    await s.close();
  }
});
