// Pool usage thresholds on IPv6 pools: the pool's size comes from 128-bit addresses, so a /125
// holds 8 addresses, 7 of them usable (the first, the Subnet-Router anycast address, is not).
// A size taken with any other number of bits moves the point where pool_exhausted is raised.
import assert from "node:assert/strict";
import { type IpamHarness, withIpam } from "./support/ipam.ts";

// deno-lint-ignore no-explicit-any
type Alert = Record<string, any>;

const open = async (h: IpamHarness): Promise<Alert[]> =>
  (await h.call("get-alerts", { type: "pool_exhausted", resolved: false })).alerts;

Deno.test(
  "an IPv6 pool raises pool_exhausted at its threshold of 7 usable addresses, not before",
  async () => {
    await withIpam(async (h) => {
      // 50% of 7 is 3.5: three addresses stay below, the fourth crosses.
      const pool = await h.call("create-ip-pool", {
        name: "v6-edge",
        network: "2001:db8:0:1::/125",
        alertThreshold: 50,
      });
      await h.call("allocate-ip", { poolId: pool.id, count: 3 });
      assert.deepEqual(await open(h), [], "3 of 7 is below 50%");
      await h.call("allocate-ip", { poolId: pool.id });
      const [alert] = await open(h);
      assert.equal(alert?.entity_id, pool.id);
      assert.equal(alert.severity, "warning");
      assert.equal(String(alert.details.usable), "7");
      // Releasing back to three resolves it.
      await h.call("release-ip", { poolId: pool.id, ip: "2001:db8:0:1::4" });
      assert.deepEqual(await open(h), []);
      // Full use is critical: 7 of 7.
      await h.call("allocate-ip", { poolId: pool.id, count: 4 });
      const [full] = await open(h);
      assert.equal(full?.severity, "critical");
      await h.fail("allocate-ip", { poolId: pool.id });
    });
  },
);

Deno.test(
  "changing an IPv6 pool's threshold compares usage with its 7 usable addresses",
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", {
        name: "v6-core",
        network: "2001:db8:0:2::/125",
      });
      await h.call("allocate-ip", { poolId: pool.id, count: 3 });
      assert.deepEqual(await open(h), []);
      // 3 of 7 is 42.9%: at or above 40, below 45.
      await h.call("update-ip-pool", { poolId: pool.id, alertThreshold: 45 });
      assert.deepEqual(await open(h), [], "3 of 7 is below 45%");
      await h.call("update-ip-pool", { poolId: pool.id, alertThreshold: 40 });
      assert.equal((await open(h)).length, 1, "3 of 7 is above 40%");
      await h.call("update-ip-pool", { poolId: pool.id, alertThreshold: 45 });
      assert.deepEqual(await open(h), []);
    });
  },
);
