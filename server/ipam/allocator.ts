// The allocator: hands out addresses of a pool from its free ranges, so one allocation costs
// the same in an empty pool and a nearly full one (release.ts takes them back; both are
// exported from here).
//
// Safety comes only from the database: every allocation or release locks the pool row (so
// allocations in one pool are serialised across all server processes) and the partial unique
// index on active (pool, address) rejects any duplicate. Throughput comes from coalescing:
// allocate() calls that arrive while a transaction is in flight in this process join the next
// one (allocation_batch.ts), so N concurrent calls, for any pools, cost one transaction instead
// of N. Every call keeps its own result or error and its own audit row; a call that fails writes
// nothing, whatever the others do, and if a coalesced transaction fails unexpectedly each call
// is retried on its own.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import {
  type AllocationOutcome,
  type AllocationRequest,
  type Result,
  runBatch,
} from "./allocation_batch.ts";

export type { AllocationOutcome, AllocationRequest } from "./allocation_batch.ts";
export {
  type AllocationRow,
  lockAddresses,
  type LockedPool,
  lockPools,
  planOf,
  rebuildRanges,
  usableOf,
} from "./pool_state.ts";
export { release, releaseIn, type ReleaseRequest } from "./release.ts";

/** Largest number of calls and addresses coalesced into one transaction. */
const MAX_BATCH_CALLS = 512;
const MAX_BATCH_ADDRESSES = 8192;
/** Coalesced transactions one process runs at once. */
const MAX_IN_FLIGHT = 4;
/**
 * Calls that must be waiting before a transaction starts beside one already in flight. A
 * transaction's own cost in the database (its statements, triggers and commit) is about that
 * of eight allocations' rows, so a further transaction pays off only for about as many calls;
 * smaller groups wait for the next one, which then serves them together. It still starts at
 * once when none is in flight, and a transaction held up (by another process's pool lock) lets
 * the calls behind it through as soon as they are this many.
 */
const MIN_EXTRA_BATCH = 8;
/**
 * Transactions of one process that may include the same pool. Measured with bench:ipam (runs
 * interleaved): 1 beat 2 by 10-40% on a hot pool, since 2 splits the waiting calls into smaller
 * batches that then queue on the pool lock anyway.
 */
const PER_POOL_DEPTH = 1;

interface Pending {
  req: AllocationRequest;
  resolve: (o: AllocationOutcome) => void;
  reject: (e: unknown) => void;
}

/** Per database handle: calls waiting, and how many transactions in flight hold each pool. */
interface Coalescer {
  pending: Pending[];
  busyPools: Map<string, number>;
  inFlight: number;
}

const coalescers = new WeakMap<Db, Coalescer>();

/**
 * Allocates addresses in a pool. Calls that arrive while a transaction is in flight wait for
 * the next one, which serves all of them (for any number of pools) at once.
 */
export function allocate(db: Db, req: AllocationRequest): Promise<AllocationOutcome> {
  let c = coalescers.get(db);
  if (!c) coalescers.set(db, c = { pending: [], busyPools: new Map(), inFlight: 0 });
  const co = c;
  const done = new Promise<AllocationOutcome>((resolve, reject) => {
    co.pending.push({ req, resolve, reject });
  });
  pump(db, co);
  return done;
}

function pump(db: Db, c: Coalescer): void {
  while (c.inFlight < MAX_IN_FLIGHT && c.pending.length) {
    // Take every waiting call whose pool is not at its depth, in arrival order.
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const pools = new Set<string>();
    let addresses = 0;
    for (const p of c.pending) {
      const n = p.req.count ?? 1;
      const fits = batch.length < MAX_BATCH_CALLS &&
        (batch.length === 0 || addresses + n <= MAX_BATCH_ADDRESSES);
      if ((c.busyPools.get(p.req.poolId) ?? 0) < PER_POOL_DEPTH && fits) {
        batch.push(p);
        pools.add(p.req.poolId);
        addresses += n;
      } else rest.push(p);
    }
    if (!batch.length || (c.inFlight > 0 && batch.length < MIN_EXTRA_BATCH)) return;
    c.pending = rest;
    for (const id of pools) c.busyPools.set(id, (c.busyPools.get(id) ?? 0) + 1);
    c.inFlight++;
    void runSafely(db, batch).finally(() => {
      for (const id of pools) {
        const n = c.busyPools.get(id)! - 1;
        if (n) c.busyPools.set(id, n);
        else c.busyPools.delete(id);
      }
      c.inFlight--;
      pump(db, c);
    });
  }
}

async function runSafely(db: Db, batch: Pending[]): Promise<void> {
  const reqs = batch.map((p) => p.req);
  let results: Result[];
  try {
    results = await runBatch(db, reqs);
  } catch (err) {
    if (isStaleRanges(err)) {
      // The free ranges disagree with the allocations (a writer bypassed the allocator):
      // rebuild them from the allocations and try again once.
      const ids = [...new Set(reqs.map((r) => r.poolId))];
      await db.query(sql("MarkRangesStale"), [ids]).catch(() => {});
      try {
        results = await runBatch(db, reqs);
      } catch (err2) {
        results = await alone(db, reqs, err2);
      }
    } else {
      results = await alone(db, reqs, err);
    }
  }
  results.forEach((r, i) => "ok" in r ? batch[i].resolve(r.ok) : batch[i].reject(r.err));
}

/** Retries each call of a failed coalesced transaction by itself, so failures stay separate. */
async function alone(db: Db, reqs: AllocationRequest[], err: unknown): Promise<Result[]> {
  if (reqs.length === 1) return [{ err }];
  const out: Result[] = [];
  for (const r of reqs) {
    try {
      out.push(...await runBatch(db, [r]));
    } catch (e) {
      out.push({ err: e });
    }
  }
  return out;
}

function isStaleRanges(err: unknown): boolean {
  const e = err as { code?: string; constraint_name?: string; constraint?: string };
  return e?.code === "23505" &&
    (e.constraint_name ?? e.constraint) === "uq_ip_allocations_active";
}
