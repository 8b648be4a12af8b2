import assert from "node:assert/strict";
import { NetboxClient } from "../server/netbox/client.ts";
import { processOutbox } from "../server/netbox/outbox.ts";
import { syncNetbox } from "../server/netbox/sync.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import { startTestServer } from "./support/server.ts";

const skip = await netboxDemoMissing("NetBox write-back tests");
const TOKEN = "0123456789abcdef0123456789abcdef01234567";

Deno.test("write-back creates and deletes addresses in NetBox once each, surviving an outage", {
  ignore: skip,
}, async () => {
  const demo = await createNetboxDemoDb();
  const double = await startNetboxDouble(demo.url, { token: TOKEN });
  const server = await startTestServer({ NETBOX_URL: double.url, NETBOX_TOKEN: TOKEN });
  try {
    const db = server.db;
    const client = new NetboxClient({ url: double.url, token: TOKEN, retries: 0, backoffMs: 1 });
    const selection = { roles: ["management"], tags: [], isPool: false };
    await syncNetbox({ db, client, selection }, { mode: "full" });
    const [pool] = await db.query<{ id: string }>(
      "SELECT id FROM ip_pools WHERE netbox_prefix_id IS NOT NULL ORDER BY network LIMIT 1",
    );
    const rpc = await server.client();
    const allocation = await rpc.tool("allocate-ip", { poolId: pool.id, deviceName: "web-01" });
    const ip = String(allocation.ip_address).split("/")[0];
    const inNetbox = async () => {
      const res = await fetch(`${double.url}/api/ipam/ip-addresses/?address=${ip}`, {
        headers: { authorization: `Token ${TOKEN}` },
      });
      return (await res.json()).results as { id: number }[];
    };

    // NetBox is down: the push is kept and retried later.
    double.control.failWith = 503;
    const down = await processOutbox(db, client, { force: true });
    assert.deepEqual([down.queued, down.done, down.failed], [1, 0, 1]);
    double.control.failWith = null;
    assert.equal((await inNetbox()).length, 0);

    const up = await processOutbox(db, client, { force: true });
    assert.deepEqual([up.queued, up.done], [0, 1]);
    const created = await inNetbox();
    assert.equal(created.length, 1);

    // A push replayed after a crash (entry back to pending) finds the address and adds none.
    await db.query("UPDATE netbox_outbox SET status = 'pending'");
    await db.query("UPDATE ip_allocations SET netbox_id = NULL WHERE netbox_id = $1", [
      created[0].id,
    ]);
    await processOutbox(db, client, { force: true });
    assert.equal((await inNetbox()).length, 1);
    const [bound] = await db.query<{ netbox_id: number }>(
      "SELECT netbox_id FROM ip_allocations WHERE id = $1",
      [allocation.id],
    );
    assert.equal(bound.netbox_id, created[0].id);

    // The next sync recognises the pushed address as the same allocation: no conflict.
    const run = await syncNetbox({ db, client, selection });
    assert.equal(run.counts.conflicts ?? 0, 0);

    await rpc.tool("release-ip", { poolId: pool.id, ip });
    const released = await processOutbox(db, client, { force: true });
    assert.deepEqual([released.queued, released.done], [1, 1]);
    assert.equal((await inNetbox()).length, 0);
    const [audit] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'netbox-push'",
    );
    assert.equal(audit.n, 3);
  } finally {
    await server.close();
    await double.close();
    await demo.drop();
  }
});
