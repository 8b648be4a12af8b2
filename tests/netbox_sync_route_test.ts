import assert from "node:assert/strict";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import { startTestServer } from "./support/server.ts";

const skip = await netboxDemoMissing("NetBox sync route tests");
const TOKEN = "nbt_abcdef.0123456789";

Deno.test("POST /api/netbox/sync and the sync-netbox tool mirror NetBox and list their runs", {
  ignore: skip,
}, async () => {
  const demo = await createNetboxDemoDb();
  const double = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.6.0" });
  const server = await startTestServer({
    NETBOX_URL: double.url,
    NETBOX_TOKEN: TOKEN,
    NETBOX_POOL_ROLES: "access-data,management",
  });
  try {
    const anonymous = await fetch(`${server.url}/api/netbox/sync`, { method: "POST" });
    assert.equal(anonymous.status, 401, "the sync route needs a token");
    await anonymous.body?.cancel();
    const res = await server.fetch("/api/netbox/sync", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: "full" }),
    });
    const run = await res.json();
    assert.equal(res.status, 200, JSON.stringify(run));
    assert.equal(run.mode, "full");
    assert.equal(run.counts.mirror.devices, 72);
    assert.equal(run.counts.mirror.pools, 26);
    // NetBox 4.6 pages by cursor: every list request carried `start`
    const lists = double.control.requests.filter((r) => r.path.endsWith("/") && r.query);
    assert.ok(lists.length > 0 && lists.every((r) => r.query.includes("start=")));
    const client = await server.client();
    const again = await client.tool("sync-netbox", {});
    assert.equal(again.mode, "incremental");
    const runs = await client.tool("list-sync-runs", {});
    assert.equal((runs.sync_runs as unknown[]).length, 2);
  } finally {
    await server.close();
    await double.close();
    await demo.drop();
  }
});

Deno.test("sync-netbox says clearly when NetBox is not configured", {}, async () => {
  const server = await startTestServer({});
  try {
    const client = await server.client();
    await assert.rejects(client.tool("sync-netbox", {}), /NETBOX_URL and NETBOX_TOKEN/);
  } finally {
    await server.close();
  }
});
