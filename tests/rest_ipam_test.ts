// IP pool and alert routes over REST call the IPAM tools: update, delete (forced or not),
// available-ips paging over the free ranges, and alert acknowledge/resolve.
import assert from "node:assert/strict";
import { sendJson } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "REST pool routes update, page free addresses, delete and handle alerts",
  opts,
  async () => {
    const s = await startTestServer();
    try {
      const send = (method: string, path: string, body?: unknown) =>
        sendJson(s, method, path, body);
      const pool = await send("POST", "/api/ip-pools/", {
        name: "lab",
        network: "10.7.0.0/28",
        gateway: "10.7.0.1",
        reserved_ranges: ["10.7.0.5-10.7.0.6"],
        alert_threshold: 50,
      });
      assert.equal(pool.status, 201, JSON.stringify(pool.body));
      const id = pool.body.id;
      const taken = await send("POST", `/api/ip-pools/${id}/available-ips/`, [{}, {}, {}]);
      assert.equal(taken.status, 201, JSON.stringify(taken.body));
      assert.deepEqual(
        taken.body.map((a: { ip_address: string }) => a.ip_address),
        ["10.7.0.2", "10.7.0.3", "10.7.0.4"],
      );
      // Free now: .7 .. .14 (8 addresses); page 2 of size 3 starts at .10.
      const page = await send("GET", `/api/ip-pools/${id}/available-ips/?limit=3&offset=3`);
      assert.equal(page.status, 200);
      assert.equal(page.body.count, 8);
      assert.deepEqual(page.body.results.map((r: { address: string }) => r.address), [
        "10.7.0.10",
        "10.7.0.11",
        "10.7.0.12",
      ]);
      assert.ok(page.body.next && page.body.previous);

      const patched = await send("PATCH", `/api/ip-pools/${id}/`, { description: "lab pool" });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.description, "lab pool");

      // Crossing 50% raises pool_exhausted once: acknowledge and resolve it over REST.
      for (let i = 0; i < 3; i++) await send("POST", `/api/ip-pools/${id}/available-ips/`, {});
      const alerts = await send("GET", "/api/alerts/?alert_type=pool_exhausted&resolved=false");
      assert.equal(alerts.body.count, 1, JSON.stringify(alerts.body));
      const alertId = alerts.body.results[0].id;
      const ack = await send("POST", `/api/alerts/${alertId}/acknowledge/`, {});
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      assert.equal(ack.body.acknowledged, true);
      const resolved = await send("POST", `/api/alerts/${alertId}/resolve/`, {});
      assert.equal(resolved.body.resolved, true);

      const refused = await send("DELETE", `/api/ip-pools/${id}/`);
      assert.equal(refused.status, 409, "a pool with allocations is kept unless forced");
      assert.equal((await send("GET", `/api/ip-pools/${id}/`)).status, 200);
      assert.equal((await send("DELETE", `/api/ip-pools/${id}/?force=true`)).status, 204);
      assert.equal((await send("GET", `/api/ip-pools/${id}/`)).status, 404);
    } finally {
      await s.close();
    }
  },
);
