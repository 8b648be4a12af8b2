// IPAM invariants each checked from a second side: the database refuses a second active row for
// an address even when the allocator is bypassed; an address taken by name is no longer free;
// every release leaves an audit row naming what was released.
import assert from "node:assert/strict";
import { withIpam } from "./support/ipam.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

Deno.test(
  "the database refuses a second active allocation of an address in a pool",
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "uniq", network: "10.93.0.0/29" });
      const a = await h.call("allocate-ip", { poolId: pool.id, ip: "10.93.0.3" });
      const insert = (active: boolean) =>
        h.t.db.query(
          `INSERT INTO ip_allocations (pool_id, ip_address, is_active, released_at)
           VALUES ($1, '10.93.0.3', $2, CASE WHEN $2 THEN NULL ELSE now() END)`,
          [pool.id, active],
        );
      const err = await insert(true).then(() => null, (e) => e);
      assert.equal(err?.code, "23505", `a duplicate active row was stored: ${err}`);
      // Released rows are history: any number of them may sit beside the active one.
      await insert(false);
      await insert(false);
      await h.call("release-ip", { poolId: pool.id, ip: a.ip_address });
      // With none active, one new active row is allowed, and a second one is refused again.
      await insert(true);
      const again = await insert(true).then(() => null, (e) => e);
      assert.equal(again?.code, "23505");
      const rows = await h.t.db.query<{ active: number; all: number }>(
        `SELECT count(*) FILTER (WHERE is_active)::int AS active, count(*)::int AS all
           FROM ip_allocations WHERE pool_id = $1 AND ip_address = '10.93.0.3'`,
        [pool.id],
      );
      assert.deepEqual(rows, [{ active: 1, all: 4 }]);
    });
  },
);

Deno.test("an address taken by name is no longer free", async () => {
  await withIpam(async (h) => {
    // .1 to .6 usable.
    const pool = await h.call("create-ip-pool", { name: "named", network: "10.94.0.0/29" });
    const taken = await h.call("allocate-ip", { poolId: pool.id, ip: "10.94.0.1" });
    assert.equal(taken.ip_address, "10.94.0.1");
    const view: Row = await h.call("get-ip-pool", { poolId: pool.id, sampleSize: 10 });
    assert.equal(Number(view.available_count), 5);
    assert.ok(!view.available.includes("10.94.0.1"), JSON.stringify(view.available));
    // The lowest free address is now the next one, and the taken one cannot be taken again.
    const next = await h.call("allocate-ip", { poolId: pool.id });
    assert.equal(next.ip_address, "10.94.0.2");
    const twice = await h.fail("allocate-ip", { poolId: pool.id, ip: "10.94.0.1" });
    assert.equal(twice.kind, "conflict", twice.message);
    // Taken from the middle: the lowest free stays below it and the rest skips it.
    await h.call("allocate-ip", { poolId: pool.id, ip: "10.94.0.4" });
    const rest = await h.call("allocate-ip", { poolId: pool.id, count: 3 });
    assert.deepEqual(
      rest.allocations.map((r: Row) => r.ip_address),
      ["10.94.0.3", "10.94.0.5", "10.94.0.6"],
    );
    await h.fail("allocate-ip", { poolId: pool.id });
  });
});

Deno.test("every release writes an audit row naming the addresses", async () => {
  await withIpam(async (h) => {
    const pool = await h.call("create-ip-pool", { name: "audited", network: "10.95.0.0/29" });
    await h.call("allocate-ip", { poolId: pool.id, count: 3, assetId: "rack-7" });
    const releases = () =>
      h.t.db.query<Row>(
        `SELECT user_id, entity_type, entity_id, new_value FROM audit_log
          WHERE action = 'release_ip' ORDER BY id`,
      );
    assert.deepEqual(await releases(), []);
    await h.call("release-ip", { poolId: pool.id, ip: "10.95.0.2" }, "alice");
    let rows = await releases();
    assert.equal(rows.length, 1);
    assert.deepEqual(
      [rows[0].user_id, rows[0].entity_type, rows[0].entity_id],
      ["alice", "ip_pool", pool.id],
    );
    assert.ok(JSON.stringify(rows[0].new_value).includes("10.95.0.2"));
    // By asset: the two left go together, in one more row.
    await h.call("release-ip", { assetId: "rack-7" }, "bob");
    rows = await releases();
    assert.equal(rows.length, 2);
    assert.equal(rows[1].user_id, "bob");
    const text = JSON.stringify(rows[1].new_value);
    assert.ok(text.includes("10.95.0.1") && text.includes("10.95.0.3"), text);
    // A refused release writes nothing.
    await h.fail("release-ip", { poolId: pool.id, ip: "10.95.0.2" });
    assert.equal((await releases()).length, 2);
  });
});
