// A seeded random sequence of allocate, release and reserve operations, checked step by step
// against a simple in-memory model of a small pool.
import assert from "node:assert/strict";
import { ipamHarness } from "./support/ipam.ts";

/** mulberry32: a tiny seeded generator, so a failure can be replayed with the same seed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(Deno.env.get("IPAM_MODEL_SEED") ?? 20261128);
const STEPS = 160;

Deno.test(
  `random allocate/release/reserve agrees with an in-memory model (seed ${SEED})`,
  async () => {
    const h = await ipamHarness();
    try {
      const rand = rng(SEED);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const ip = (n: number) => `10.50.0.${n}`;
      // 10.50.0.0/27: hosts 1..30, gateway 1.
      const pool = await h.call("create-ip-pool", {
        name: "model",
        network: "10.50.0.0/27",
        gateway: ip(1),
      });
      const active = new Set<number>();
      let reserved: [number, number][] = [];
      const excluded = (n: number) =>
        n === 0 || n === 31 || n === 1 || reserved.some(([a, b]) => n >= a && n <= b);
      const free = () =>
        Array.from({ length: 32 }, (_, n) => n).filter((n) => !excluded(n) && !active.has(n));

      for (let step = 0; step < STEPS; step++) {
        const r = rand();
        const where = `step ${step}`;
        if (r < 0.35) {
          const count = rand() < 0.7 ? 1 : 1 + Math.floor(rand() * 5);
          const f = free();
          const got = await h.call("allocate-ip", { poolId: pool.id, count }).catch((e) => e);
          if (f.length < count) {
            assert.equal(got.kind, "exhausted", `${where}: allocate ${count} of ${f.length} free`);
          } else {
            const want = f.slice(0, count);
            assert.deepEqual(
              got.allocations.map((a: { ip_address: string }) => a.ip_address),
              want.map(ip),
              where,
            );
            want.forEach((n) => active.add(n));
          }
        } else if (r < 0.5) {
          const n = Math.floor(rand() * 32);
          const got = await h.call("allocate-ip", { poolId: pool.id, ip: ip(n) }).catch((e) => e);
          if (excluded(n) || active.has(n)) {
            assert.equal(
              got.kind,
              "conflict",
              `${where}: ${ip(n)}`,
            );
          } else {
            assert.equal(got.ip_address, ip(n), where);
            active.add(n);
          }
        } else if (r < 0.85) {
          const n = active.size && rand() < 0.85 ? pick([...active]) : Math.floor(rand() * 32);
          const got = await h.call("release-ip", { poolId: pool.id, ip: ip(n) }).catch((e) => e);
          if (active.has(n)) {
            assert.equal(got.ip_address, ip(n), where);
            active.delete(n);
          } else assert.equal(got.kind, "not_found", `${where}: release ${ip(n)}`);
        } else {
          const a = 2 + Math.floor(rand() * 29);
          const b = Math.min(30, a + Math.floor(rand() * 4));
          const next: [number, number][] = rand() < 0.3 ? [] : [...reserved.slice(-1), [a, b]];
          const blocked = [...active].some((n) => next.some(([x, y]) => n >= x && n <= y));
          const got = await h.call("update-ip-pool", {
            poolId: pool.id,
            reservedRanges: next.map(([x, y]) => `${ip(x)}-${ip(y)}`),
          }).catch((e) => e);
          if (blocked) assert.equal(got.kind, "conflict", `${where}: reserve over an allocation`);
          else {
            assert.equal(got.id, pool.id, where);
            reserved = next;
          }
        }
        if (step % 20 === 19 || step === STEPS - 1) {
          const info = await h.call("get-ip-pool", { poolId: pool.id, sampleSize: 30 });
          assert.deepEqual(info.allocated, [...active].sort((x, y) => x - y).map(ip), where);
          assert.equal(info.allocated_count, active.size, where);
          assert.equal(info.available_count, free().length, where);
          assert.deepEqual(info.available, free().map(ip), where);
        }
      }
    } finally {
      await h.close();
    }
  },
);
