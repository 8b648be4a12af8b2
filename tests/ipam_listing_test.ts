// What get-ip-pools and get-ip-pool list: which pages carry samples, and samples that span
// several free ranges, on PGlite or PostgreSQL (DATABASE_URL).
import assert from "node:assert/strict";
import { withIpam } from "./support/ipam.ts";

type Pool = { id: string; name: string; allocated: string[]; available: string[] };

Deno.test(
  "get-ip-pools samples pages of up to 100 pools by default, and any page given sampleSize",
  async () => {
    await withIpam(async (h) => {
      for (let n = 1; n <= 101; n++) {
        await h.call("create-ip-pool", {
          id: `pool-${n}`,
          name: `p${String(n).padStart(3, "0")}`,
          network: `10.${n}.0.0/30`,
        });
      }
      await h.call("allocate-ip", { poolId: "pool-1" });
      const sampled = (pools: Pool[]) => pools.filter((p) => p.available.length > 0).length;
      const list = async (args: Record<string, unknown>) =>
        (await h.call("get-ip-pools", args)).pools as Pool[];

      const all = await list({});
      assert.equal(all.length, 101);
      assert.equal(sampled(all), 0, "a page of 101 pools has no samples");
      assert.deepEqual(all[0].allocated, []);
      assert.equal(sampled(await list({ limit: 101 })), 0);

      const first = await list({ limit: 100 });
      assert.equal(sampled(first), 100, "a page of 100 pools has samples");
      assert.deepEqual(first[0].allocated, ["10.1.0.1"]);
      assert.deepEqual(first[0].available, ["10.1.0.2"]);
      assert.deepEqual(first[1].available, ["10.2.0.1", "10.2.0.2"]);
      // The last page of a longer limit is short enough.
      assert.equal(sampled(await list({ offset: 1 })), 100);
      assert.equal(sampled(await list({ q: "p00" })), 9);

      const small = await list({ sampleSize: 1 });
      assert.equal(sampled(small), 101, "sampleSize samples a page of any length");
      assert.deepEqual(small[1].available, ["10.2.0.1"]);
      assert.equal(sampled(await list({ limit: 5, sampleSize: 0 })), 0);
    });
  },
);

Deno.test("available samples run on across free ranges, lowest first", async () => {
  await withIpam(async (h) => {
    const pool = await h.call("create-ip-pool", {
      name: "gaps",
      network: "10.9.0.0/28",
      gateway: "10.9.0.1",
      reservedRanges: ["10.9.0.3", "10.9.0.5-10.9.0.7"],
    });
    await h.call("allocate-ip", { poolId: pool.id, ip: "10.9.0.9" });
    const one = await h.call("get-ip-pool", { poolId: pool.id, sampleSize: 6 });
    assert.deepEqual(one.available, [
      "10.9.0.2",
      "10.9.0.4",
      "10.9.0.8",
      "10.9.0.10",
      "10.9.0.11",
      "10.9.0.12",
    ]);
    assert.deepEqual(one.allocated, ["10.9.0.9"]);
    const [listed] = (await h.call("get-ip-pools", { sampleSize: 6 })).pools;
    assert.deepEqual(listed, one, "get-ip-pool shows a pool as get-ip-pools does");
    // At the top of the address space a sample stops at the last address.
    const top = await h.call("create-ip-pool", { name: "top", network: "255.255.255.252/30" });
    assert.deepEqual(
      (await h.call("get-ip-pool", { poolId: top.id })).available,
      ["255.255.255.253", "255.255.255.254"],
    );
    const v6 = await h.call("create-ip-pool", { name: "v6", network: "2001:db8::/126" });
    assert.deepEqual(
      (await h.call("get-ip-pool", { poolId: v6.id, sampleSize: 2 })).available,
      ["2001:db8::1", "2001:db8::2"],
    );
  });
});
