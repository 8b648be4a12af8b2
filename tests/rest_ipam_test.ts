// IP pool and alert routes over REST call the IPAM tools: update, delete (forced or not),
// available-ips paging over the free ranges, and alert acknowledge/resolve.
import assert from "node:assert/strict";
import { sendJson } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

Deno.test(
  "REST pool routes update, page free addresses, delete and handle alerts",
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
      assert.equal(ack.body.is_acknowledged, true);
      const listed = await send("GET", `/api/alerts/${alertId}/`);
      assert.equal(listed.body.is_acknowledged, true);
      assert.equal(
        (await send("GET", "/api/alerts/?is_acknowledged=false&alert_type=pool_exhausted")).body
          .count,
        0,
      );
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

Deno.test(
  "REST pools are named by text ids, chosen by the client or made by the server",
  async () => {
    const s = await startTestServer();
    try {
      const send = (method: string, path: string, body?: unknown) =>
        sendJson(s, method, path, body);
      const chosen = await send("POST", "/api/ip-pools/", {
        id: "pool-1",
        name: "first",
        network: "10.8.0.0/29",
      });
      assert.equal(chosen.status, 201, JSON.stringify(chosen.body));
      assert.equal(chosen.body.id, "pool-1");
      const one = await send("GET", "/api/ip-pools/pool-1/");
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.equal(one.body.id, "pool-1");
      assert.equal(one.body.name, "first");
      assert.equal(one.body.network, "10.8.0.0/29");
      // What a GET returns can be sent back whole: computed figures are not fields to write.
      const echoed = await send("PUT", "/api/ip-pools/pool-1/", {
        ...one.body,
        description: "echo",
      });
      assert.equal(echoed.status, 200, JSON.stringify(echoed.body));
      assert.equal(echoed.body.description, "echo");
      assert.equal(echoed.body.id, "pool-1");

      // The server's own ids look alike; the one it would make first is taken, so it moves on.
      const made = await send("POST", "/api/ip-pools/", { name: "second", network: "10.8.1.0/29" });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.match(made.body.id, /^pool-\d+$/);
      assert.notEqual(made.body.id, "pool-1");
      const again = await send("POST", "/api/ip-pools/", {
        id: "pool-1",
        name: "third",
        network: "10.8.2.0/29",
      });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal((await send("GET", "/api/ip-pools/pool-1/")).body.name, "first");

      // Any printable id works in a URL once percent-encoded.
      const odd = "core pool/1 50%?#ü";
      const path = `/api/ip-pools/${encodeURIComponent(odd)}/`;
      const created = await send("POST", "/api/ip-pools/", {
        id: odd,
        name: "core",
        network: "10.8.3.0/29",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.id, odd);
      const got = await send("GET", path);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal(got.body.id, odd);
      assert.equal(
        (await send("GET", `/api/ip-pools/${encodeURIComponent("core pool/2")}/`)).status,
        404,
      );
      const filtered = await send("GET", `/api/ip-pools/?id=${encodeURIComponent(odd)}`);
      assert.deepEqual(filtered.body.results.map((p: { id: string }) => p.id), [odd]);
      const like = await send("GET", "/api/ip-pools/?id__ic=POOL&ordering=-id");
      assert.deepEqual(
        like.body.results.map((p: { id: string }) => p.id),
        [odd, made.body.id, "pool-1"].sort().reverse(),
        "ids filter and order as text",
      );
      const taken = await send("POST", `${path}available-ips/`, { asset_id: "R-1" });
      assert.equal(taken.status, 201, JSON.stringify(taken.body));
      assert.equal(taken.body.pool_id, odd);
      const free = await send("GET", `${path}available-ips/?limit=2`);
      assert.equal(free.status, 200, JSON.stringify(free.body));
      assert.equal(free.body.count, 5);
      assert.equal(free.body.results[0].pool_id, odd);
      const allocations = await send(
        "GET",
        `/api/ip-allocations/?pool_id=${encodeURIComponent(odd)}`,
      );
      assert.equal(allocations.body.count, 1);
      assert.equal(allocations.body.results[0].notes, "");

      // Inactive pools drop out of ip_pool_usage but stay listed, with their figures.
      const off = await send("PATCH", path, { is_active: false });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.is_active, false);
      const inactive = await send("GET", "/api/ip-pools/?is_active=false");
      assert.equal(inactive.body.count, 1);
      assert.equal(inactive.body.results[0].id, odd);
      assert.equal(inactive.body.results[0].allocated_count, 1);
      assert.strictEqual(inactive.body.results[0].available_count, 5, "a count is a number");
      const usage = await send("GET", `${path}usage/`);
      assert.equal(usage.status, 200);
      assert.equal(usage.body.available_count, 5);
      assert.equal(usage.body.usage_percentage, 16.67);
      assert.equal((await send("GET", "/api/ip-pools/")).body.count, 3);

      assert.equal((await send("DELETE", `${path}?force=true`)).status, 204);
      assert.equal((await send("GET", path)).status, 404);
      assert.equal((await send("GET", "/api/ip-pools/pool-1/")).status, 200);
    } finally {
      await s.close();
    }
  },
);
