// One coalesced allocation transaction, driven directly with the calls of a batch, on PGlite or
// PostgreSQL (DATABASE_URL): calls keep their own results, a failing call writes nothing, and
// the free ranges stay exact.
import assert from "node:assert/strict";
import { allocate } from "./allocator.ts";
import { type AllocationRequest, type Result, runBatch } from "./allocation_batch.ts";
import { type IpamHarness, testActor, withIpam } from "../../tests/support/ipam.ts";

const actor = testActor("batcher");

async function pool(h: IpamHarness, name: string, network: string): Promise<string> {
  return (await h.call("create-ip-pool", { name, network })).id;
}

const addresses = (r: Result) =>
  "ok" in r ? r.ok.allocations.map((a) => a.ip_address) : (r.err as { kind: string }).kind;

async function freeRanges(h: IpamHarness, poolId: string): Promise<string[]> {
  const rows = await h.t.db.query<{ r: string }>(
    `SELECT host(first_ip) || '-' || host(last_ip) AS r FROM ip_pool_free_ranges
      WHERE pool_id = $1 ORDER BY first_ip`,
    [poolId],
  );
  return rows.map((x) => x.r);
}

Deno.test(
  "a batch gives specific addresses to their calls and the lowest others to the rest",
  async () => {
    await withIpam(async (h) => {
      const id = await pool(h, "mix", "10.70.0.0/28");
      const reqs: AllocationRequest[] = [
        { poolId: id, actor, assetId: "A" },
        { poolId: id, actor, ip: "10.70.0.1" },
        { poolId: id, actor, count: 2, hostname: "pair" },
        { poolId: id, actor, ip: "10.70.0.9" },
        { poolId: id, actor, ip: " 10.70.0.9 " },
      ];
      const got = await runBatch(h.t.db, reqs);
      assert.deepEqual(got.map(addresses), [
        ["10.70.0.2"],
        ["10.70.0.1"],
        ["10.70.0.3", "10.70.0.4"],
        ["10.70.0.9"],
        "conflict",
      ]);
      assert.match(String((got[4] as { err: Error }).err.message), /already allocated/);
      assert.deepEqual(await freeRanges(h, id), ["10.70.0.5-10.70.0.8", "10.70.0.10-10.70.0.14"]);
      // One audit row per call that allocated, holding what the call returned.
      const audits = await h.t.db.query<{ entity_id: string; user_id: string; new_value: unknown }>(
        "SELECT entity_id, user_id, new_value FROM audit_log WHERE action = 'allocate_ip'",
      );
      const firstId = (v: unknown) => (Array.isArray(v) ? v[0] : v as { id: number }).id;
      const byId = (vs: unknown[]) => vs.sort((a, b) => firstId(a) - firstId(b));
      const returned = got.slice(0, 4).map((r) => {
        const rows = "ok" in r ? r.ok.allocations : [];
        return rows.length === 1 ? rows[0] : rows;
      });
      assert.deepEqual(
        byId(audits.map((a) => a.new_value)),
        byId(JSON.parse(JSON.stringify(returned))),
      );
      assert.deepEqual(
        new Set(audits.map((a) => `${a.entity_id} ${a.user_id}`)),
        new Set([`${id} batcher`]),
      );
      const pair = got[2];
      assert.ok("ok" in pair);
      assert.deepEqual(pair.ok.allocations.map((a) => a.hostname), ["pair", "pair"]);
    });
  },
);

Deno.test(
  "a call larger than what is left fails alone and the smaller calls after it still allocate",
  async () => {
    await withIpam(async (h) => {
      const id = await pool(h, "six", "10.71.0.0/29");
      const got = await runBatch(h.t.db, [
        { poolId: id, actor, count: 4 },
        { poolId: id, actor, count: 3 },
        { poolId: id, actor, count: 2 },
        { poolId: id, actor },
      ]);
      assert.deepEqual(got.map(addresses), [
        ["10.71.0.1", "10.71.0.2", "10.71.0.3", "10.71.0.4"],
        "exhausted",
        ["10.71.0.5", "10.71.0.6"],
        "exhausted",
      ]);
      assert.match(
        String((got[1] as { err: Error }).err.message),
        /Cannot allocate 3 addresses from pool "six": pool is exhausted \(fewer than 3 free\)/,
      );
      assert.deepEqual(await freeRanges(h, id), []);
      const [n] = await h.t.db.query<{ rows: number; audits: number }>(
        `SELECT (SELECT count(*)::int FROM ip_allocations) AS rows,
                (SELECT count(*)::int FROM audit_log WHERE action = 'allocate_ip') AS audits`,
      );
      assert.deepEqual(n, { rows: 6, audits: 2 });
    });
  },
);

Deno.test(
  "pools at the very top of the address space hand out their last addresses",
  async () => {
    await withIpam(async (h) => {
      const v4 = await pool(h, "top4", "255.255.255.248/29");
      const v6 = await pool(h, "top6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124");
      const got = await runBatch(h.t.db, [
        { poolId: v4, actor, count: 5 },
        { poolId: v4, actor, count: 2 },
        { poolId: v6, actor, ip: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { poolId: v6, actor, count: 14 },
        { poolId: v6, actor, count: 3 },
      ]);
      assert.deepEqual(got.map(addresses), [
        [
          "255.255.255.249",
          "255.255.255.250",
          "255.255.255.251",
          "255.255.255.252",
          "255.255.255.253",
        ],
        "exhausted",
        ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
        Array.from(
          { length: 14 },
          (_, k) => `ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff${(k + 1).toString(16)}`,
        ),
        "exhausted",
      ]);
      const last = await runBatch(h.t.db, [{ poolId: v4, actor }, { poolId: v6, actor }]);
      assert.deepEqual(last.map(addresses), [["255.255.255.254"], "exhausted"]);
    });
  },
);

Deno.test(
  "calls repeating a key within one batch get the first call's addresses as a replay",
  async () => {
    await withIpam(async (h) => {
      const id = await pool(h, "keys", "10.72.0.0/28");
      const got = await runBatch(h.t.db, [
        { poolId: id, actor, idempotencyKey: "k", count: 2 },
        { poolId: id, actor },
        { poolId: id, actor, idempotencyKey: "k", count: 2 },
      ]);
      assert.deepEqual(got.map(addresses), [["10.72.0.1", "10.72.0.2"], ["10.72.0.3"], [
        "10.72.0.1",
        "10.72.0.2",
      ]]);
      assert.deepEqual(got.map((r) => "ok" in r && r.ok.replayed), [false, false, true]);
      const later = await runBatch(h.t.db, [{ poolId: id, actor, idempotencyKey: "k", count: 2 }]);
      assert.deepEqual(later.map(addresses), [["10.72.0.1", "10.72.0.2"]]);
      assert.equal("ok" in later[0] && later[0].ok.replayed, true);
      const [n] = await h.t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ip_allocations",
      );
      assert.equal(n.n, 3);
    });
  },
);

Deno.test(
  "allocations written behind the allocator's back are never handed out again",
  async () => {
    await withIpam(async (h) => {
      const id = await pool(h, "behind", "10.73.0.0/28");
      await allocate(h.t.db, { poolId: id, actor });
      // A writer that marks the ranges stale (as a sync does) ...
      await h.t.db.query(
        "INSERT INTO ip_allocations (pool_id, ip_address, allocated_by) VALUES ($1, '10.73.0.2', 'x')",
        [id],
      );
      await h.t.db.query("UPDATE ip_pool_state SET ranges_ready = false WHERE pool_id = $1", [id]);
      const marked = await runBatch(h.t.db, [{ poolId: id, actor }, {
        poolId: id,
        actor,
        ip: "10.73.0.4",
      }]);
      assert.deepEqual(marked.map(addresses), [["10.73.0.3"], ["10.73.0.4"]]);
      // ... and one that does not: its row is found when the allocation collides with it.
      await h.t.db.query(
        "INSERT INTO ip_allocations (pool_id, ip_address, allocated_by) VALUES ($1, '10.73.0.5', 'x')",
        [id],
      );
      const next = await allocate(h.t.db, { poolId: id, actor });
      assert.equal(next.allocations[0].ip_address, "10.73.0.6");
      const [s] = await h.t.db.query<{ rows: number; distinct: number; counter: number }>(
        `SELECT count(*)::int AS rows, count(DISTINCT ip_address)::int AS distinct,
                (SELECT active_count FROM ip_pool_state WHERE pool_id = $1)::int AS counter
           FROM ip_allocations WHERE pool_id = $1 AND is_active`,
        [id],
      );
      assert.deepEqual(s, { rows: 6, distinct: 6, counter: 6 });
      assert.deepEqual(await freeRanges(h, id), ["10.73.0.7-10.73.0.14"]);
    });
  },
);
