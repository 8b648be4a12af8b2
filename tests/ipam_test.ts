// Allocation and release through the tool handlers, on PGlite or PostgreSQL (DATABASE_URL). What
// pools themselves accept (validation, updates, ids) is in ipam_pools_test.ts.
import assert from "node:assert/strict";
import { ipamSnapshot, withIpam } from "./support/ipam.ts";

Deno.test(
  "allocate-ip hands out the lowest free address, skipping gateway, DNS and reserved ranges",
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
      const before = await ipamSnapshot(h);
      const e = await h.fail("allocate-ip", { poolId: pool.id, count: 4 });
      assert.equal(e.kind, "exhausted");
      assert.match(e.message, /Cannot allocate 4 addresses from pool "small": pool is exhausted/);
      assert.equal(await ipamSnapshot(h), before, "a refused count=4 changes no table");
      await h.call("allocate-ip", { poolId: pool.id, count: 3 });
      const full = await h.fail("allocate-ip", { poolId: pool.id });
      assert.equal(full.kind, "exhausted");
      assert.equal(full.message, 'Cannot allocate from pool "small": pool is exhausted');
    });
  },
);

Deno.test("a failing call leaves every table unchanged", async () => {
  await withIpam(async (h) => {
    const pool = await h.call("create-ip-pool", {
      name: "p",
      network: "10.3.0.0/28",
      gateway: "10.3.0.1",
    });
    await h.call("allocate-ip", { poolId: pool.id, idempotencyKey: "k1" });
    const before = await ipamSnapshot(h);
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
      assert.equal(
        await ipamSnapshot(h),
        before,
        `${tool} ${JSON.stringify(args)} changed nothing`,
      );
    }
  });
});

Deno.test(
  "a retried call with the same idempotency key returns the same allocation",
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

Deno.test("50 concurrent allocate-ip calls get 50 distinct addresses", async () => {
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
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'allocate_ip'",
    );
    assert.equal(audits[0].n, 50, "one audit row per call");
  });
});

Deno.test(
  "release-ip frees an address for reuse and keeps its history; assetId releases all",
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
  "concurrent calls that share a transaction keep their own results and failures",
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

Deno.test(
  "the document's allocate-ip and release-ip arguments work, audited against the pool",
  async () => {
    await withIpam(async (h) => {
      await h.call("create-ip-pool", {
        id: "pool-1",
        name: "Management Network",
        network: "192.168.1.0/24",
        gateway: "192.168.1.1",
        dnsServers: ["192.168.1.2", "8.8.8.8"],
      });
      const a = await h.call("allocate-ip", {
        poolId: "pool-1",
        assetId: "device-123",
        deviceName: "Router-01",
        deviceType: "router",
      });
      assert.equal(a.pool_id, "pool-1");
      assert.equal(a.ip_address, "192.168.1.3", "after the network, gateway and DNS server");
      assert.equal(a.asset_id, "device-123");
      assert.equal(a.device_name, "Router-01");
      assert.equal(a.device_type, "router");
      assert.equal(a.notes, "");
      assert.equal(a.is_active, true);

      // get-ip-pools in the document's shape.
      const { pools } = await h.call("get-ip-pools");
      assert.equal(pools.length, 1);
      const p = pools[0];
      assert.equal(p.id, "pool-1");
      assert.equal(p.name, "Management Network");
      assert.equal(p.network, "192.168.1.0/24");
      assert.equal(p.gateway, "192.168.1.1");
      assert.deepEqual(p.dns_servers, ["192.168.1.2", "8.8.8.8"]);
      assert.deepEqual(p.allocated, ["192.168.1.3"]);
      assert.equal(p.allocated_count, 1);
      assert.deepEqual(p.available.slice(0, 2), ["192.168.1.4", "192.168.1.5"]);
      assert.equal(p.usage_percentage, Math.round(10000 / 252) / 100);
      // The same figures as the document's view.
      const [view] = await h.t.db.query<Record<string, unknown>>(
        `SELECT pool_name, allocated_count::int AS allocated_count,
                available_count::int AS available_count, usage_percentage::float8 AS usage_percentage
           FROM ip_pool_usage WHERE pool_id = 'pool-1'`,
      );
      assert.deepEqual(view, {
        pool_name: p.name,
        allocated_count: p.allocated_count,
        available_count: p.available_count,
        usage_percentage: p.usage_percentage,
      });

      const r = await h.call("release-ip", { ip: a.ip_address, poolId: "pool-1" });
      assert.equal(r.ip_address, "192.168.1.3");
      assert.equal(r.is_active, false);
      assert.equal(r.released_count, 1);
      assert.equal(
        (await h.fail("release-ip", { ip: a.ip_address, poolId: "pool-1" })).kind,
        "not_found",
      );
      assert.equal(
        (await h.fail("release-ip", { ip: a.ip_address, poolId: "pool-9" })).kind,
        "not_found",
      );

      const audits = await h.t.db.query<{
        action: string;
        entity_type: string;
        entity_id: string;
        user_id: string;
        ip_address: string | null;
        new_value: { ip_address: string; asset_id: string; is_active: boolean };
      }>(
        `SELECT action, entity_type, entity_id, user_id, host(ip_address) AS ip_address, new_value
           FROM audit_log WHERE action IN ('allocate_ip', 'release_ip') ORDER BY id`,
      );
      assert.deepEqual(
        audits.map((x) => [x.action, x.entity_type, x.entity_id, x.user_id, x.ip_address]),
        [
          ["allocate_ip", "ip_pool", "pool-1", "tester", "127.0.0.1"],
          ["release_ip", "ip_pool", "pool-1", "tester", "127.0.0.1"],
        ],
      );
      assert.equal(audits[0].new_value.ip_address, "192.168.1.3");
      assert.equal(audits[0].new_value.asset_id, "device-123");
      assert.equal(audits[1].new_value.is_active, false);
    });
  },
);

Deno.test(
  "allocations keep notes (also given as description) and store '' for no asset",
  async () => {
    await withIpam(async (h) => {
      const pool = await h.call("create-ip-pool", { name: "n", network: "10.60.0.0/29" });
      const a = await h.call("allocate-ip", { poolId: pool.id, notes: "uplink" });
      const b = await h.call("allocate-ip", { poolId: pool.id, description: "spare" });
      assert.equal(a.notes, "uplink");
      assert.equal(a.asset_id, "");
      assert.equal(b.notes, "spare");
      const both = await h.fail("allocate-ip", { poolId: pool.id, notes: "x", description: "y" });
      assert.equal(both.kind, "invalid");
      const rows = await h.t.db.query<{ notes: string; asset_id: string }>(
        "SELECT notes, asset_id FROM ip_allocations ORDER BY id",
      );
      assert.deepEqual(rows, [{ notes: "uplink", asset_id: "" }, { notes: "spare", asset_id: "" }]);
      // An allocation without an asset is no asset's: releasing by asset '' is refused.
      const none = await h.fail("release-ip", { assetId: "" });
      assert.equal(none.kind, "params");
    });
  },
);
