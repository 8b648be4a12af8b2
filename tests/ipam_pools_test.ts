// IP pools through the tool handlers, on PGlite or PostgreSQL (DATABASE_URL): validation,
// updates, filters, deletion only when empty unless forced, and pool ids as text. Allocation and
// release are in ipam_test.ts.
import assert from "node:assert/strict";
import { ipamSnapshot, withIpam } from "./support/ipam.ts";

Deno.test(
  "pools are validated, updated, filtered and deleted only when empty unless forced",
  async () => {
    await withIpam(async (h) => {
      const bad = await h.fail("create-ip-pool", {
        name: "x",
        network: "10.9.0.0/24",
        gateway: "10.9.1.1",
      });
      assert.equal(bad.kind, "invalid");
      assert.match(
        bad.message,
        /^gateway: 10\.9\.1\.1 is not inside the pool network 10\.9\.0\.0\/24/,
      );
      const badRange = await h.fail("create-ip-pool", {
        name: "x",
        network: "10.9.0.0/24",
        reservedRanges: ["10.9.0.5-10.9.2.0"],
      });
      assert.match(badRange.message, /^reservedRanges:/);
      const p = await h.call("create-ip-pool", {
        name: "a",
        network: "10.9.0.0/24",
        vlanId: 10,
        poolType: "management",
      });
      await h.call("create-ip-pool", { name: "b", network: "2001:db8:9::/48", site: "lab" });
      await h.call("create-ip-pool", { name: "big", network: "10.0.0.0/8", isActive: false });
      const all = await h.call("get-ip-pools");
      assert.deepEqual(all.pools.map((x: { name: string }) => x.name), ["a", "b", "big"]);
      const big = all.pools[2];
      assert.equal(big.usable_count, 16777214);
      // Inactive pools are listed and read like the others (ip_pool_usage shows active ones only).
      assert.equal(big.is_active, false);
      const bigOne = await h.call("get-ip-pool", { poolId: big.id });
      assert.equal(bigOne.available_count, 16777214);
      assert.equal(bigOne.usage_percentage, 0);
      assert.equal(all.pools[1].usable_count, "1208925819614629174706175");
      assert.deepEqual((await h.call("get-ip-pools", { poolType: "management" })).pools.length, 1);
      assert.deepEqual((await h.call("get-ip-pools", { vlanId: 10 })).pools[0].name, "a");
      assert.deepEqual((await h.call("get-ip-pools", { active: false })).pools[0].name, "big");
      assert.deepEqual((await h.call("get-ip-pools", { q: "LAB" })).pools[0].name, "b");
      assert.equal((await h.call("get-ip-pools", { q: "%" })).pools.length, 0);

      await h.call("allocate-ip", { poolId: p.id, ip: "10.9.0.50" });
      const cover = await h.fail("update-ip-pool", {
        poolId: p.id,
        reservedRanges: ["10.9.0.40-10.9.0.60"],
      });
      assert.equal(cover.kind, "conflict");
      assert.match(cover.message, /10\.9\.0\.50 is allocated/);
      const up = await h.call("update-ip-pool", {
        poolId: p.id,
        reservedRanges: ["10.9.0.1-10.9.0.10"],
        gateway: "10.9.0.254",
        alertThreshold: 75,
      });
      assert.equal(up.gateway, "10.9.0.254");
      assert.equal(up.alert_threshold, 75);
      const next = await h.call("allocate-ip", { poolId: p.id });
      assert.equal(next.ip_address, "10.9.0.11", "free ranges follow the new exclusions");
      const info = await h.call("get-ip-pool", { poolId: p.id });
      assert.equal(info.usable_count, 254 - 10 - 1);

      const refused = await h.fail("delete-ip-pool", { poolId: p.id });
      assert.equal(refused.kind, "conflict");
      assert.match(refused.message, /Cannot delete pool "a": 2 addresses are allocated/);
      const gone = await h.call("delete-ip-pool", { poolId: p.id, force: true });
      assert.equal(gone.deleted, true);
      assert.equal((await h.fail("get-ip-pool", { poolId: p.id })).kind, "not_found");
    });
  },
);

Deno.test(
  "pool ids are text: chosen by the client, a number taken as its text, or the next pool-N",
  async () => {
    await withIpam(async (h) => {
      const chosen = await h.call("create-ip-pool", {
        id: "pool-1",
        name: "Management Network",
        network: "192.168.1.0/24",
        gateway: "192.168.1.1",
      });
      assert.equal(chosen.id, "pool-1");
      assert.equal(chosen.created_by, "tester");
      const numbered = await h.call("create-ip-pool", {
        id: 42,
        name: "n",
        network: "10.42.0.0/24",
      });
      assert.equal(numbered.id, "42");
      assert.equal((await h.call("get-ip-pool", { poolId: 42 })).name, "n");
      assert.equal((await h.call("get-ip-pool", { poolId: "42" })).name, "n");
      // The sequence behind generated ids starts at 1: pool-1 and pool-2 are taken by clients,
      // so the first generated id is pool-3 (the clashes are retried, never shown).
      await h.call("create-ip-pool", { id: "pool-2", name: "two", network: "10.2.0.0/24" });
      const generated = await h.call("create-ip-pool", { name: "gen", network: "10.3.0.0/24" });
      assert.equal(generated.id, "pool-3");
      const next = await h.call("create-ip-pool", { name: "gen2", network: "10.4.0.0/24" });
      assert.equal(next.id, "pool-4");

      const before = await ipamSnapshot(h);
      const dup = await h.fail("create-ip-pool", {
        id: "pool-1",
        name: "other",
        network: "10.5.0.0/24",
      });
      assert.equal(dup.kind, "conflict");
      assert.equal(dup.message, 'A pool with id "pool-1" already exists');
      const dupNumber = await h.fail("create-ip-pool", {
        id: 42,
        name: "o",
        network: "10.6.0.0/24",
      });
      assert.equal(dupNumber.kind, "conflict");
      const name = await h.fail("create-ip-pool", {
        id: "pool-9",
        name: "gen",
        network: "10.7.0.0/24",
      });
      assert.equal(name.kind, "conflict");
      assert.match(name.message, /A pool named "gen" already exists/);
      for (const id of ["", " pool-1", "x".repeat(51), "a\nb"]) {
        const bad = await h.fail("create-ip-pool", { id, name: "bad", network: "10.8.0.0/24" });
        assert.equal(bad.kind, "params", JSON.stringify(id));
      }
      assert.equal(await ipamSnapshot(h), before, "refused creates change nothing");

      const audits = await h.t.db.query<{ entity_type: string; entity_id: string }>(
        "SELECT entity_type, entity_id FROM audit_log WHERE action = 'create' ORDER BY id",
      );
      assert.deepEqual(audits.map((a) => `${a.entity_type}:${a.entity_id}`), [
        "ip_pool:pool-1",
        "ip_pool:42",
        "ip_pool:pool-2",
        "ip_pool:pool-3",
        "ip_pool:pool-4",
      ]);
      const [row] = await h.t.db.query<{ dns: string[] }>(
        "SELECT dns_servers AS dns FROM ip_pools WHERE id = 'pool-1'",
      );
      assert.deepEqual(row.dns, []);
    });
  },
);
