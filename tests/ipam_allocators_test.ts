// Two allocators on one PostgreSQL database, as two server processes have: each its own
// connection pool and its own batches. Contested specific addresses go to exactly one caller,
// lowest-address calls over several pools never collide, and every success is audited.
import assert from "node:assert/strict";
import { migrate } from "../server/db/migrate.ts";
import { openPostgres } from "../server/db/postgres.ts";
import { allocate, type AllocationOutcome } from "../server/ipam/allocator.ts";
import { testActor } from "./support/ipam.ts";
import { backendName, createTestDb } from "./support/db.ts";

const onPglite = backendName() === "pglite";

Deno.test({
  name: "two allocators on one database hand out every address once, specific or lowest",
  ignore: onPglite,
  fn: async () => {
    const t = await createTestDb();
    const other = openPostgres(t.url!, { max: 10 });
    try {
      await migrate(t.db);
      const pools: string[] = [];
      for (let p = 0; p < 3; p++) {
        const [row] = await t.db.query<{ id: string }>(
          "INSERT INTO ip_pools (name, network) VALUES ($1, $2) RETURNING id",
          [`shared-${p}`, `10.90.${p}.0/25`],
        );
        pools.push(row.id);
      }
      const sides = [t.db, other];
      type Outcome = { side: number; ip?: string; ok?: AllocationOutcome; kind?: string };
      const calls: Promise<Outcome>[] = [];
      for (let k = 0; k < 40; k++) {
        for (const side of [0, 1]) {
          // Both sides ask for the same address of pool 0 ...
          calls.push(
            allocate(sides[side], {
              poolId: pools[0],
              ip: `10.90.0.${k + 60}`,
              actor: testActor(`side-${side}`),
            }).then(
              (ok) => ({ side, ip: `10.90.0.${k + 60}`, ok }),
              (e) => ({ side, ip: `10.90.0.${k + 60}`, kind: e.kind }),
            ),
          );
          // ... and the lowest free addresses of every pool, sometimes two at once.
          calls.push(
            allocate(sides[side], {
              poolId: pools[k % 3],
              count: k % 7 === 0 ? 2 : 1,
              actor: testActor(`side-${side}`),
            }).then((ok) => ({ side, ok }), (e) => ({ side, kind: e.kind })),
          );
        }
      }
      const got = await Promise.all(calls);
      const contested = new Map<string, Outcome[]>();
      for (const g of got.filter((g) => g.ip)) {
        contested.set(g.ip!, [...(contested.get(g.ip!) ?? []), g]);
      }
      for (const [ip, pair] of contested) {
        assert.deepEqual(
          pair.map((g) => g.ok ? "ok" : g.kind).sort(),
          ["conflict", "ok"],
          `${ip} went to exactly one side`,
        );
      }
      assert.ok(got.every((g) => g.ok || g.ip), "every lowest-address call succeeded");
      const handed = got.flatMap((g) => g.ok?.allocations ?? []);
      const keys = handed.map((a) => `${a.pool_id} ${a.ip_address}`);
      assert.equal(new Set(keys).size, keys.length, "no address was handed out twice");
      assert.ok(new Set(got.filter((g) => g.ok && !g.ip).map((g) => g.side)).size === 2);
      const [db] = await t.db.query<{ rows: number; audits: number; counters: number }>(
        `SELECT (SELECT count(*)::int FROM ip_allocations WHERE is_active) AS rows,
                (SELECT count(*)::int FROM audit_log WHERE action = 'allocate_ip') AS audits,
                (SELECT sum(active_count)::int FROM ip_pool_state) AS counters`,
      );
      assert.deepEqual(db, {
        rows: handed.length,
        audits: got.filter((g) => g.ok).length,
        counters: handed.length,
      });
      // The free ranges still hold exactly the addresses nobody has: each /25 has 126 usable.
      const [free] = await t.db.query<{ n: number }>(
        "SELECT sum(last_ip - first_ip + 1)::int AS n FROM ip_pool_free_ranges",
      );
      assert.equal(free.n, 3 * 126 - handed.length);
    } finally {
      await other.close();
      await t.close();
    }
  },
});
