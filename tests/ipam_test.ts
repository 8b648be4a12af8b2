// IP pools and allocation through the tool handlers, on PGlite or PostgreSQL (DATABASE_URL).
import assert from "node:assert/strict";
import { dbOpts, type IpamHarness, withIpam } from "../server/ipam/test_support.ts";

/** Every table a failed call could touch, as comparable text. */
async function snapshot(h: IpamHarness): Promise<string> {
  const tables = [
    "ip_pools",
    "ip_allocations",
    "ip_pool_state",
    "ip_pool_free_ranges",
    "ip_allocation_keys",
    "alerts",
    "audit_log",
  ];
  const out: string[] = [];
  for (const t of tables) {
    const rows = await h.t.db.query<{ j: string }>(
      `SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), '[]')::text AS j FROM ${t} x`,
    );
    out.push(`${t}: ${rows[0].j}`);
  }
  return out.join("\n");
}

Deno.test(
  "allocate-ip hands out the lowest free address, skipping gateway, DNS and reserved ranges",
  dbOpts,
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", {
        name: "mgmt",
        network: "10.1.0.0/24",
        gateway: "10.1.0.1",
        dnsServers: ["10.1.0.2", "1.1.1.1"],
        reservedRanges: ["10.1.0.3-10.1.0.9", "10.1.0.11"],
      });
      assert.deepEqual(pool.reserved_ranges, ["10.1.0.3-10.1.0.9", "10.1.0.11"]);
      assert.equal(pool.alert_threshold, 90);
      const a = await h.call("allocate-ip", {
        poolId: pool.id,
        assetId: "SW-1",
        deviceName: "sw1",
        deviceType: "switch",
      });
      assert.equal(a.ip_address, "10.1.0.10");
      assert.equal(a.asset_id, "SW-1");
      assert.equal(a.is_active, true);
      const b = await h.call("allocate-ip", {
        poolId: pool.id,
        macAddress: "AABB.CCDD.EEFF",
        hostname: "h2",
      });
      assert.equal(b.ip_address, "10.1.0.12");
      assert.equal(b.mac_address, "aa:bb:cc:dd:ee:ff");
      const c = await h.call("allocate-ip", { poolId: pool.id, ip: "10.1.0.200" });
      assert.equal(c.ip_address, "10.1.0.200");
      for (
        const [ip, kind, text] of [
          ["10.1.0.200", "conflict", "already allocated"],
          ["10.1.0.5", "conflict", "reserved"],
          ["10.1.0.1", "conflict", "reserved"],
          ["10.1.0.255", "conflict", "reserved"],
          ["10.1.1.7", "invalid", "not inside 10.1.0.0/24"],
          ["10.1.0.256", "invalid", "ip:"],
        ]
      ) {
        const e = await h.fail("allocate-ip", { poolId: pool.id, ip });
        assert.equal(e.kind, kind, ip);
        assert.match(e.message, new RegExp(text), ip);
      }
      const mac = await h.fail("allocate-ip", { poolId: pool.id, macAddress: "zz:bb:cc:dd:ee:ff" });
      assert.equal(mac.kind, "invalid");
      assert.match(mac.message, /macAddress/);
      const usage = await h.call("get-ip-pool", { poolId: pool.id });
      assert.equal(usage.usable_count, 254 - 2 - 8);
      assert.equal(usage.allocated_count, 3);
      assert.equal(usage.available_count, 254 - 2 - 8 - 3);
      assert.deepEqual(usage.allocated, ["10.1.0.10", "10.1.0.12", "10.1.0.200"]);
      assert.deepEqual(usage.available.slice(0, 3), ["10.1.0.13", "10.1.0.14", "10.1.0.15"]);
    });
  },
);

Deno.test(
  "count=N allocates all or nothing and an exhausted pool writes nothing",
  dbOpts,
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "small", network: "10.2.0.0/29" });
      const three = await h.call("allocate-ip", { poolId: pool.id, count: 3, assetId: "R1" });
      assert.deepEqual(three.allocations.map((a: { ip_address: string }) => a.ip_address), [
        "10.2.0.1",
        "10.2.0.2",
        "10.2.0.3",
      ]);
      assert.equal(three.ip_address, "10.2.0.1");
      const before = await snapshot(h);
      const e = await h.fail("allocate-ip", { poolId: pool.id, count: 4 });
      assert.equal(e.kind, "exhausted");
      assert.match(e.message, /Cannot allocate 4 addresses from pool "small": pool is exhausted/);
      assert.equal(await snapshot(h), before, "a refused count=4 changes no table");
      await h.call("allocate-ip", { poolId: pool.id, count: 3 });
      const full = await h.fail("allocate-ip", { poolId: pool.id });
      assert.equal(full.kind, "exhausted");
      assert.equal(full.message, 'Cannot allocate from pool "small": pool is exhausted');
    });
  },
);

Deno.test("a failing call leaves every table unchanged", dbOpts, async () => {
  await withIpam(async (h) => {
    const pool = await h.call("create-ip-pool", {
      name: "p",
      network: "10.3.0.0/28",
      gateway: "10.3.0.1",
    });
    await h.call("allocate-ip", { poolId: pool.id, idempotencyKey: "k1" });
    const before = await snapshot(h);
    const failing: [string, Record<string, unknown>][] = [
      ["allocate-ip", { poolId: pool.id, ip: "10.3.0.2" }],
      ["allocate-ip", { poolId: pool.id, ip: "10.3.0.1" }],
      ["allocate-ip", { poolId: pool.id, count: 100 }],
      ["allocate-ip", { poolId: pool.id, macAddress: "not-a-mac" }],
      ["allocate-ip", { poolId: 9999 }],
      ["release-ip", { poolId: pool.id, ip: "10.3.0.9" }],
      ["update-ip-pool", { poolId: pool.id, reservedRanges: ["10.3.0.2"] }],
      ["update-ip-pool", { poolId: pool.id, gateway: "10.9.0.1" }],
      ["create-ip-pool", { name: "p", network: "10.4.0.0/24" }],
      ["create-ip-pool", { name: "q", network: "10.4.0.0/24", dnsServers: ["10.5.0.300"] }],
      ["delete-ip-pool", { poolId: pool.id }],
    ];
    for (const [tool, args] of failing) {
      await h.fail(tool, args);
      assert.equal(await snapshot(h), before, `${tool} ${JSON.stringify(args)} changed nothing`);
    }
  });
});

Deno.test(
  "a retried call with the same idempotency key returns the same allocation",
  dbOpts,
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "idem", network: "10.6.0.0/24" });
      const first = await h.call("allocate-ip", {
        poolId: pool.id,
        idempotencyKey: "req-1",
        assetId: "A",
      });
      const again = await h.call("allocate-ip", {
        poolId: pool.id,
        idempotencyKey: "req-1",
        assetId: "A",
      });
      assert.equal(again.id, first.id);
      assert.equal(again.ip_address, first.ip_address);
      assert.equal(again.replayed, true);
      // Concurrent retries of one key and a count=2 key also agree.
      const burst = await Promise.all(
        Array.from(
          { length: 6 },
          () => h.call("allocate-ip", { poolId: pool.id, idempotencyKey: "req-2", count: 2 }),
        ),
      );
      const sets = new Set(burst.map((b) => b.allocations.map((a: { id: number }) => a.id).join()));
      assert.equal(sets.size, 1);
      const usage = await h.call("get-ip-pool", { poolId: pool.id });
      assert.equal(usage.allocated_count, 3);
    });
  },
);

Deno.test("50 concurrent allocate-ip calls get 50 distinct addresses", dbOpts, async () => {
  await withIpam(async (h) => {
    const pool = await h.call("create-ip-pool", {
      name: "burst",
      network: "10.7.0.0/24",
      gateway: "10.7.0.1",
    });
    const got = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => h.call("allocate-ip", { poolId: pool.id, assetId: `D${i}` }),
      ),
    );
    const ips = new Set(got.map((g) => g.ip_address));
    assert.equal(ips.size, 50);
    assert.ok(!ips.has("10.7.0.1") && !ips.has("10.7.0.0"));
    // Lowest first: the 50 lowest usable addresses after the gateway.
    assert.deepEqual(
      [...ips].sort((a, b) => Number(a.split(".")[3]) - Number(b.split(".")[3])),
      Array.from({ length: 50 }, (_, i) => `10.7.0.${i + 2}`),
    );
    const audits = await h.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'allocate'",
    );
    assert.equal(audits[0].n, 50, "one audit row per call");
  });
});

Deno.test(
  "release-ip frees an address for reuse and keeps its history; assetId releases all",
  dbOpts,
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "rel", network: "10.8.0.0/29" });
      const a = await h.call("allocate-ip", { poolId: pool.id, assetId: "X" });
      await h.call("allocate-ip", { poolId: pool.id, assetId: "Y" });
      await h.call("allocate-ip", { poolId: pool.id, assetId: "X" });
      const r = await h.call("release-ip", { ip: a.ip_address, poolId: pool.id }, "alice");
      assert.equal(r.ip_address, "10.8.0.1");
      assert.equal(r.is_active, false);
      assert.equal(r.released_by, "alice");
      assert.ok(r.released_at);
      const again = await h.call("allocate-ip", { poolId: pool.id });
      assert.equal(again.ip_address, "10.8.0.1", "the released address is the lowest free again");
      const all = await h.call("release-ip", { assetId: "X" });
      assert.deepEqual(all.released.map((x: { ip_address: string }) => x.ip_address), ["10.8.0.3"]);
      const hist = await h.t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ip_allocations WHERE ip_address = '10.8.0.1'",
      );
      assert.equal(hist[0].n, 2, "both allocations of 10.8.0.1 remain as history");
      // Merging: releasing 10.8.0.2 joins the free ranges around it into one.
      await h.call("release-ip", { ip: "10.8.0.2", poolId: pool.id });
      await h.call("release-ip", { ip: "10.8.0.1", poolId: pool.id });
      const ranges = await h.t.db.query<{ f: string; l: string }>(
        "SELECT host(first_ip) AS f, host(last_ip) AS l FROM ip_pool_free_ranges WHERE pool_id = $1",
        [pool.id],
      );
      assert.deepEqual(ranges, [{ f: "10.8.0.1", l: "10.8.0.6" }]);
    });
  },
);

Deno.test(
  "pools are validated, updated, filtered and deleted only when empty unless forced",
  dbOpts,
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
  "concurrent calls that share a transaction keep their own results and failures",
  dbOpts,
  async () => {
    await withIpam(async (h) => {
      const a = await h.call("create-ip-pool", { name: "a", network: "10.10.0.0/28" });
      const b = await h.call("create-ip-pool", { name: "b", network: "10.10.1.0/29" });
      const calls: [string, Record<string, unknown>][] = [
        ["ok", { poolId: a.id, ip: "10.10.0.9" }],
        ["conflict", { poolId: a.id, ip: "10.10.0.9" }], // the same address again
        ["ok", { poolId: a.id, count: 3 }],
        ["exhausted", { poolId: b.id, count: 7 }], // a /29 has 6
        ["ok", { poolId: b.id, count: 6 }],
        ["exhausted", { poolId: b.id }],
        ["invalid", { poolId: a.id, ip: "10.10.1.1" }],
        ["ok", { poolId: a.id, idempotencyKey: "k" }],
        ["ok", { poolId: a.id, idempotencyKey: "k" }],
        ["not_found", { poolId: 4242 }],
        ["ok", { poolId: a.id }],
      ];
      const before = await h.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log");
      const got = await Promise.all(
        calls.map(([, args]) => h.call("allocate-ip", args).catch((e) => ({ kind: e.kind }))),
      );
      got.forEach((g, i) => assert.equal(g.kind ?? "ok", calls[i][0], `call ${i}`));
      assert.equal(got[0].ip_address, "10.10.0.9");
      assert.equal(got[7].id, got[8].id, "one idempotency key, one allocation");
      const ips = got.flatMap((g) => g.allocations ?? []).map((
        x: { id: number; ip_address: string },
      ) => `${x.id}`);
      const rows = await h.t.db.query<{ pool_id: number; ip: string }>(
        "SELECT pool_id, host(ip_address) AS ip FROM ip_allocations WHERE is_active ORDER BY pool_id, ip_address",
      );
      assert.equal(rows.length, 1 + 3 + 6 + 1 + 1);
      assert.equal(new Set(rows.map((r) => `${r.pool_id}/${r.ip}`)).size, rows.length);
      assert.equal(
        new Set(ips).size,
        rows.length,
        "every handed-out row is distinct, the retry aside",
      );
      const after = await h.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log");
      // One audit row per successful call that allocated (the replayed key writes none), plus
      // the pool_exhausted alert pool b raised when it filled up.
      assert.equal(after[0].n - before[0].n, 5 + 1);
    });
  },
);
