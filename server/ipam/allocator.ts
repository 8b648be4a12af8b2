// The allocator: hands out and takes back addresses of a pool using its free ranges, so one
// allocation costs the same in an empty pool and a nearly full one.
//
// Safety comes only from the database: every allocation or release locks the pool row (so
// allocations in one pool are serialised across all server processes) and the partial unique
// index on active (pool, address) rejects any duplicate. Throughput comes from coalescing:
// allocate() calls for the same pool that arrive while a transaction for that pool is in flight
// in this process join the next transaction, so N concurrent calls cost one lock and one commit
// instead of N. Every call keeps its own result or error and its own audit row; calls are
// validated before anything is written, so one call's failure never writes for another, and if
// a coalesced transaction fails unexpectedly each call is retried on its own.
import { auditAddress } from "../audit.ts";
import type { Db, Queryable, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { type AppEvent, EVENT_CHANNEL, publish } from "../events.ts";
import type { Actor } from "../tools/tool.ts";
import { formatIp, IpParseError, type IpVersion, parseIp } from "./addr.ts";
import { checkPoolThreshold, ipConflictKey, raiseAlert, resolveCondition } from "./alerts.ts";
import { freeSpans, isExcluded, mergeSpans, planPool, type PoolPlan, type Span } from "./ranges.ts";

export type AllocationRow = Record<string, unknown> & { id: number; ip_address: string };

export interface AllocationRequest {
  /** ip_pools.id, e.g. "pool-1". */
  poolId: string;
  /** How many addresses, all or nothing (default 1). */
  count?: number;
  /** A specific address instead of the lowest free one (count must be 1). */
  ip?: string;
  idempotencyKey?: string;
  /** The asset the addresses are for; none (null, undefined or '') is stored as ''. */
  assetId?: string | null;
  deviceName?: string | null;
  deviceType?: string | null;
  /** Already normalised (addr.ts validateMac). */
  macAddress?: string | null;
  hostname?: string | null;
  notes?: string | null;
  actor: Actor;
}

export interface AllocationOutcome {
  allocations: AllocationRow[];
  /** True when an idempotency key matched an earlier call and nothing new was allocated. */
  replayed: boolean;
}

/** Largest number of calls and addresses coalesced into one transaction. */
const MAX_BATCH_CALLS = 512;
const MAX_BATCH_ADDRESSES = 8192;
/** Coalesced transactions one process runs at once. */
const MAX_IN_FLIGHT = 4;
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
    if (!batch.length) return;
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

type Result = { ok: AllocationOutcome } | { err: unknown };

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

// ---------------------------------------------------------------------------------------
// Pool-changed events of allocations
//
// PostgreSQL serialises the commits of all transactions that NOTIFY (a database-wide lock is
// held from pre-commit until the commit record is flushed), so a NOTIFY inside every allocation
// transaction would cap allocations at one commit flush each. Allocation events are therefore
// sent after the commit, coalesced per process into one read-only statement; an event is still
// only sent for a committed allocation.

interface Announcer {
  queue: AppEvent[];
  running: boolean;
}
const announcers = new WeakMap<Db, Announcer>();

function announce(db: Db, event: AppEvent): void {
  let a = announcers.get(db);
  if (!a) announcers.set(db, a = { queue: [], running: false });
  a.queue.push(event);
  if (a.running) return;
  a.running = true;
  const ann = a;
  queueMicrotask(async () => {
    try {
      while (ann.queue.length) {
        const batch = ann.queue.splice(0, 500).map((e) => JSON.stringify(e));
        await db.query(sql("NotifyEvents"), [EVENT_CHANNEL, batch]).catch(() => {});
      }
    } finally {
      ann.running = false;
    }
  });
}

// ---------------------------------------------------------------------------------------
// Audit rows of allocations and releases

/**
 * One audit_log row (as InsertAuditBatch takes it) for addresses allocated or released in a
 * pool: the pool is the entity, the allocation row (or rows, for several) the new value.
 */
function auditRow(
  actor: Actor,
  action: "allocate_ip" | "release_ip",
  poolId: string,
  rows: AllocationRow[],
): Record<string, unknown> {
  return {
    user_id: actor.user,
    user_name: actor.user,
    ip_address: auditAddress(actor.clientAddr),
    user_agent: actor.userAgent,
    request_id: actor.requestId,
    action,
    entity_type: "ip_pool",
    entity_id: poolId,
    old_value: null,
    new_value: rows.length === 1 ? rows[0] : rows,
  };
}

// ---------------------------------------------------------------------------------------
// Pool state

export interface LockedPool {
  id: string;
  name: string;
  network: string;
  gateway: string | null;
  dns_servers: string[];
  reserved_ranges: string[];
  is_active: boolean;
  alert_threshold: number;
  active_count: number;
  excluded_count: string;
  ranges_ready: boolean;
  overlapped: boolean;
}

/** Locks pools (id order) for the rest of the transaction. */
export async function lockPools(tx: Queryable, ids: string[]): Promise<LockedPool[]> {
  return await tx.query<LockedPool>(sql("LockPools"), [ids]);
}

export function planOf(pool: LockedPool): PoolPlan {
  return planPool({
    network: pool.network,
    gateway: pool.gateway,
    dnsServers: pool.dns_servers,
    reservedRanges: pool.reserved_ranges,
  });
}

/** Usable addresses of a pool (its size minus what it excludes). */
export function usableOf(plan: PoolPlan): bigint {
  const size = 1n << BigInt((plan.cidr.version === 4 ? 32 : 128) - plan.cidr.prefix);
  return size - plan.excludedCount;
}

const text = (version: IpVersion, value: bigint) => formatIp({ version, value });

/** Recomputes a locked pool's free ranges from its exclusions and active allocations. */
export async function rebuildRanges(tx: Queryable, poolId: string, plan: PoolPlan): Promise<void> {
  const rows = await tx.query<{ ip_address: string }>(sql("ListActiveAddresses"), [poolId]);
  const active = rows.map((r) => parseIp(r.ip_address).value);
  const spans = freeSpans(plan, active);
  await tx.query(sql("ClearFreeRanges"), [poolId]);
  await insertSpans(tx, poolId, plan.cidr.version, spans);
  await tx.query(sql("MarkRangesReady"), [poolId, plan.excludedCount.toString()]);
}

async function insertSpans(tx: Queryable, poolId: string, v: IpVersion, spans: Span[]) {
  // Chunked so that a badly fragmented pool never builds one enormous statement.
  for (let i = 0; i < spans.length; i += 10_000) {
    const chunk = spans.slice(i, i + 10_000);
    await tx.query(sql("InsertFreeRanges"), [
      chunk.map(() => poolId),
      chunk.map((s) => text(v, s.first)),
      chunk.map((s) => text(v, s.last)),
    ]);
  }
}

// ---------------------------------------------------------------------------------------
// The working set of free ranges one transaction touches

interface Piece extends Span {
  /** First address of the stored range this piece came from. */
  origin: bigint;
}

class RangeWork {
  pieces: Piece[] = [];
  #known = new Set<bigint>();
  #dirty = new Set<bigint>();

  load(spans: Span[]): void {
    for (const s of spans) {
      if (this.#known.has(s.first)) continue;
      this.#known.add(s.first);
      this.pieces.push({ first: s.first, last: s.last, origin: s.first });
    }
    this.pieces.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  }

  available(): bigint {
    return this.pieces.reduce((n, p) => n + p.last - p.first + 1n, 0n);
  }

  /** Takes one specific address; false when it is not in a loaded free range. */
  take(v: bigint): boolean {
    const i = this.pieces.findIndex((p) => p.first <= v && v <= p.last);
    if (i < 0) return false;
    const p = this.pieces[i];
    this.#dirty.add(p.origin);
    const parts: Piece[] = [];
    if (p.first < v) parts.push({ first: p.first, last: v - 1n, origin: p.origin });
    if (v < p.last) parts.push({ first: v + 1n, last: p.last, origin: p.origin });
    this.pieces.splice(i, 1, ...parts);
    return true;
  }

  /** Takes the n lowest addresses, or none when fewer are loaded. */
  takeLowest(n: number): bigint[] | null {
    if (this.available() < BigInt(n)) return null;
    const out: bigint[] = [];
    while (out.length < n) {
      const p = this.pieces[0];
      this.#dirty.add(p.origin);
      out.push(p.first);
      if (p.first === p.last) this.pieces.shift();
      else p.first += 1n;
    }
    return out;
  }

  /** Stored ranges to delete and the pieces to store in their place. */
  changes(): { remove: bigint[]; add: Span[] } {
    return {
      remove: [...this.#dirty],
      add: this.pieces.filter((p) => this.#dirty.has(p.origin)),
    };
  }
}

// ---------------------------------------------------------------------------------------
// One coalesced transaction

function parseSpan(r: { first_ip: string; last_ip: string }): Span {
  return { first: parseIp(r.first_ip).value, last: parseIp(r.last_ip).value };
}

async function runBatch(db: Db, reqs: AllocationRequest[]): Promise<Result[]> {
  const after: AppEvent[] = [];
  const results = await db.transaction(async (tx) => {
    const results: (Result | null)[] = reqs.map(() => null);
    const ids = [...new Set(reqs.map((r) => r.poolId))];
    // The lowest ranges are read in the same round trip as the lock: the statements run in
    // order on one connection, so the read starts after the lock is held and, in READ
    // COMMITTED, sees every allocation committed before. It may load a few ranges too many.
    const guess = new Map<string, number>();
    for (const r of reqs) guess.set(r.poolId, (guess.get(r.poolId) ?? 0) + (r.count ?? 1));
    const keyedAll = reqs.filter((r) => r.idempotencyKey);
    const [lockedRows, speculative, reserved, keysFound] = await Promise.all([
      lockPools(tx, ids),
      tx.query<{ pool_id: string; first_ip: string; last_ip: string }>(sql("LowestFreeRanges"), [
        [...guess.keys()],
        [...guess.values()],
      ]),
      tx.query<{ id: number; now: Date }>(sql("NextAllocationIds"), [
        [...guess.values()].reduce((a, b) => a + b, 0),
      ]),
      keyedAll.length
        ? tx.query<{ pool_id: string; idempotency_key: string; allocation_ids: number[] }>(
          sql("FindIdempotencyKeys"),
          [keyedAll.map((r) => r.poolId), keyedAll.map((r) => r.idempotencyKey)],
        )
        : Promise.resolve([]),
    ]);
    const locked = new Map(lockedRows.map((p) => [p.id, p]));
    const plans = new Map<string, PoolPlan>();
    let rebuilt = false;
    for (const [id, pool] of locked) {
      const plan = planOf(pool);
      plans.set(id, plan);
      if (pool.is_active && !pool.ranges_ready) {
        await rebuildRanges(tx, id, plan);
        rebuilt = true;
      }
    }
    reqs.forEach((r, i) => {
      const pool = locked.get(r.poolId);
      if (!pool) {
        results[i] = {
          err: notFound(`Cannot allocate from pool ${r.poolId}: no such pool`, {
            poolId: r.poolId,
          }),
        };
      } else if (!pool.is_active) {
        results[i] = {
          err: new AppError(
            "conflict",
            `Cannot allocate from pool "${pool.name}": pool is inactive`,
            { poolId: pool.id },
          ),
        };
      }
    });

    // Retries of earlier calls return what those calls got.
    const keyOf = (r: AllocationRequest) => `${r.poolId}\u0000${r.idempotencyKey}`;
    // (The keys were looked up in the lock's round trip, after the lock was granted.)
    const earlier = new Map<string, AllocationRow[]>();
    for (const f of keysFound) {
      const rows = await tx.query<AllocationRow>(sql("GetAllocations"), [
        f.allocation_ids.map(Number),
      ]);
      earlier.set(`${f.pool_id}\u0000${f.idempotency_key}`, rows);
    }
    const replay = (r: AllocationRequest) => r.idempotencyKey && earlier.get(keyOf(r));

    // Validate specific addresses before loading anything.
    const wanted = new Map<number, bigint>();
    reqs.forEach((r, i) => {
      if (results[i] || replay(r) || r.ip === undefined) return;
      const pool = locked.get(r.poolId)!;
      const plan = plans.get(r.poolId)!;
      let a;
      try {
        a = parseIp(r.ip.trim());
      } catch (err) {
        if (!(err instanceof IpParseError)) throw err;
        results[i] = { err: new AppError("invalid", `ip: ${err.message}`, { field: "ip" }) };
        return;
      }
      if (a.version !== plan.cidr.version || !inCidr(plan, a.value)) {
        results[i] = {
          err: new AppError(
            "invalid",
            `Cannot allocate ${
              formatIp(a)
            } from pool "${pool.name}": it is not inside ${plan.network}`,
            { field: "ip", poolId: pool.id },
          ),
        };
        return;
      }
      wanted.set(i, a.value);
    });

    // Load the free ranges each pool needs: around the specific addresses, and enough of the
    // lowest ones. Each specific address splits at most one range, so demand + specifics
    // lowest ranges always hold enough addresses when the pool has them.
    const work = new Map<string, RangeWork>();
    for (const id of locked.keys()) work.set(id, new RangeWork());
    const versionOf = (id: string) => plans.get(id)!.cidr.version;
    if (wanted.size) {
      const at = await tx.query<{ pool_id: string; first_ip: string; last_ip: string }>(
        sql("FreeRangesAt"),
        [
          [...wanted.keys()].map((i) => reqs[i].poolId),
          [...wanted.entries()].map(([i, x]) => text(versionOf(reqs[i].poolId), x)),
        ],
      );
      for (const r of at) work.get(r.pool_id)!.load([parseSpan(r)]);
    }
    const demand = new Map<string, number>();
    reqs.forEach((r, i) => {
      if (results[i] || replay(r)) return;
      demand.set(r.poolId, (demand.get(r.poolId) ?? 0) + (wanted.has(i) ? 1 : r.count ?? 1));
    });
    if (demand.size) {
      // demand never exceeds guess (it leaves out failed calls and replays).
      const lowest = rebuilt
        ? await tx.query<{ pool_id: string; first_ip: string; last_ip: string }>(
          sql("LowestFreeRanges"),
          [[...demand.keys()], [...demand.values()]],
        )
        : speculative;
      for (const r of lowest) {
        if (demand.has(r.pool_id)) work.get(r.pool_id)!.load([parseSpan(r)]);
      }
    }

    // Hand out in arrival order.
    const grants = new Map<number, bigint[]>();
    const keyOwner = new Map<string, number>();
    reqs.forEach((r, i) => {
      if (results[i]) return;
      const earlierRows = replay(r);
      if (earlierRows) {
        results[i] = { ok: { allocations: earlierRows, replayed: true } };
        return;
      }
      if (r.idempotencyKey && keyOwner.has(keyOf(r))) return; // filled in below
      const pool = locked.get(r.poolId)!;
      const plan = plans.get(r.poolId)!;
      const w = work.get(r.poolId)!;
      if (wanted.has(i)) {
        const a = wanted.get(i)!;
        if (w.take(a)) grants.set(i, [a]);
        else {
          const shown = text(plan.cidr.version, a);
          const why = isExcluded(plan, a)
            ? "it is reserved (network, broadcast, gateway, DNS server or reserved range)"
            : "it is already allocated";
          results[i] = {
            err: new AppError(
              "conflict",
              `Cannot allocate ${shown} from pool "${pool.name}": ${why}`,
              { ip: shown, poolId: pool.id },
            ),
          };
        }
      } else {
        const n = r.count ?? 1;
        const got = w.takeLowest(n);
        if (got) grants.set(i, got);
        else {
          results[i] = {
            err: new AppError(
              "exhausted",
              n === 1
                ? `Cannot allocate from pool "${pool.name}": pool is exhausted`
                : `Cannot allocate ${n} addresses from pool "${pool.name}": pool is exhausted (fewer than ${n} free)`,
              { poolId: pool.id, requested: n },
            ),
          };
        }
      }
      if (r.idempotencyKey && grants.has(i)) keyOwner.set(keyOf(r), i);
    });

    if (grants.size) {
      // Free ranges: every pool's changes in two statements.
      const rmPool: string[] = [];
      const rmFirst: string[] = [];
      const addPool: string[] = [];
      const addFirst: string[] = [];
      const addLast: string[] = [];
      for (const [id, w] of work) {
        const v = versionOf(id);
        const { remove, add } = w.changes();
        for (const x of remove) rmPool.push(id), rmFirst.push(text(v, x));
        for (const s of add) {
          addPool.push(id), addFirst.push(text(v, s.first)), addLast.push(text(v, s.last));
        }
      }
      // One round trip for the range changes and the rows (in order on one connection).
      const writes = [tx.query(sql("DeleteFreeRanges"), [rmPool, rmFirst])];
      if (addPool.length) {
        writes.push(tx.query(sql("InsertFreeRanges"), [addPool, addFirst, addLast]));
      }

      // The rows are built here from reserved ids and the transaction time, so that they,
      // their audit entries and idempotency keys go in the same round trip as the ranges.
      const order = [...grants.entries()];
      const now = reserved[0].now;
      let next = 0;
      const cols: (string | number | null)[][] = [[], [], [], [], [], [], [], [], [], []];
      const keyRows: { pool_id: string; key: string; ids: number[] }[] = [];
      const auditRows: Record<string, unknown>[] = [];
      const perPool = new Map<string, AllocationRow[]>();
      for (const [i, addrs] of order) {
        const r = reqs[i];
        const v = versionOf(r.poolId);
        const rows: AllocationRow[] = addrs.map((a) => ({
          id: Number(reserved[next++].id),
          pool_id: r.poolId,
          ip_address: text(v, a),
          asset_id: r.assetId ?? "",
          device_name: r.deviceName ?? null,
          device_type: r.deviceType ?? null,
          mac_address: r.macAddress ?? null,
          hostname: r.hostname ?? null,
          notes: r.notes ?? "",
          allocated_by: r.actor.user,
          allocated_at: now,
          released_at: null,
          released_by: null,
          is_active: true,
        }));
        for (const row of rows) {
          cols[0].push(row.id);
          cols[1].push(r.poolId);
          cols[2].push(row.ip_address);
          cols[3].push(r.assetId ?? null);
          cols[4].push(r.deviceName ?? null);
          cols[5].push(r.deviceType ?? null);
          cols[6].push(r.macAddress ?? null);
          cols[7].push(r.hostname ?? null);
          cols[8].push(r.notes ?? null);
          cols[9].push(r.actor.user);
        }
        results[i] = { ok: { allocations: rows, replayed: false } };
        if (!perPool.has(r.poolId)) perPool.set(r.poolId, []);
        perPool.get(r.poolId)!.push(...rows);
        if (r.idempotencyKey) {
          keyRows.push({ pool_id: r.poolId, key: r.idempotencyKey, ids: rows.map((x) => x.id) });
        }
        auditRows.push(auditRow(r.actor, "allocate_ip", r.poolId, rows));
      }
      writes.push(tx.query(sql("InsertAllocations"), cols));
      writes.push(tx.query(sql("InsertAuditBatch"), [JSON.stringify(auditRows)]));
      if (keyRows.length) {
        writes.push(tx.query(sql("InsertIdempotencyKeys"), [JSON.stringify(keyRows)]));
      }
      await Promise.all(writes);

      // Each process holds only its own pool's lock: addresses made active in a pool that
      // overlaps others are locked by value too, so that of two transactions taking one address
      // in two overlapping pools, the later one's conflict check sees the earlier one's row.
      const shared = [...perPool].filter(([id]) => locked.get(id)!.overlapped);
      if (shared.length) {
        await lockAddresses(tx, shared.flatMap(([, rows]) => rows.map((r) => r.ip_address)));
      }
      for (const [id, rows] of perPool) {
        const pool = locked.get(id)!;
        const actor = reqs[order.find(([i]) => reqs[i].poolId === id)![0]].actor;
        if (pool.overlapped) await raiseOverlapConflicts(tx, actor, pool, rows);
        const before = BigInt(pool.active_count);
        await checkPoolThreshold(tx, actor, {
          poolId: id,
          poolName: pool.name,
          threshold: pool.alert_threshold,
          usable: usableOf(plans.get(id)!),
          before,
          after: before + BigInt(rows.length),
        });
        after.push({ type: "pool-changed", poolId: id, change: "allocated", count: rows.length });
      }
    }
    // Calls that repeated a key first used earlier in this same transaction.
    reqs.forEach((r, i) => {
      if (results[i]) return;
      const owner = results[keyOwner.get(keyOf(r))!];
      results[i] = owner && "ok" in owner
        ? { ok: { allocations: owner.ok.allocations, replayed: true } }
        : owner ?? { err: new AppError("internal", "Internal error") };
    });
    return results as Result[];
  });
  for (const e of after) announce(db, e);
  return results;
}

/** Transaction-scoped locks on addresses (by value, whatever the pool), in one global order. */
export async function lockAddresses(tx: Queryable, addresses: string[]): Promise<void> {
  await tx.query(sql("LockAddresses"), [addresses]);
}

function inCidr(plan: PoolPlan, value: bigint): boolean {
  const size = 1n << BigInt((plan.cidr.version === 4 ? 32 : 128) - plan.cidr.prefix);
  return value >= plan.cidr.network && value < plan.cidr.network + size;
}

async function raiseOverlapConflicts(
  tx: Queryable,
  actor: Actor,
  pool: LockedPool,
  rows: AllocationRow[],
): Promise<void> {
  const clashes = await tx.query<
    { pool_id: string; pool_name: string; ip_address: string; asset_id: string }
  >(sql("ActiveElsewhere"), [rows.map((r) => r.ip_address), pool.id]);
  for (const c of clashes) {
    const mine = rows.find((r) => r.ip_address === c.ip_address);
    await raiseAlert(tx, actor, {
      type: "ip_conflict",
      severity: "critical",
      title: `${c.ip_address} is active in two pools`,
      message:
        `${c.ip_address} was allocated in pool "${pool.name}" while it is active in the overlapping pool "${c.pool_name}"`,
      entityType: "ip_address",
      entityId: c.ip_address,
      dedupKey: ipConflictKey(c.ip_address),
      details: {
        ip: c.ip_address,
        pools: [pool.id, c.pool_id],
        allocations: [mine?.id ?? null],
        assets: [mine?.asset_id ?? null, c.asset_id],
      },
    });
  }
}

// ---------------------------------------------------------------------------------------
// Release

export interface ReleaseRequest {
  poolId?: string;
  ip?: string;
  assetId?: string;
  actor: Actor;
}

/**
 * Releases one address of a pool, or every active address of an asset. The rows stay as
 * history (released_at, released_by); the addresses go back to the free ranges.
 */
export async function release(db: Db, req: ReleaseRequest): Promise<AllocationRow[]> {
  return await db.transaction((tx) => releaseIn(tx, req));
}

/**
 * release() inside a transaction the caller already holds, so a caller that releases as one
 * step of a larger write (deleting a device) stays all or nothing.
 */
export async function releaseIn(tx: Tx, req: ReleaseRequest): Promise<AllocationRow[]> {
  let poolIds: string[];
  if (req.assetId !== undefined) {
    const rows = await tx.query<{ pool_id: string }>(sql("AssetPools"), [req.assetId]);
    poolIds = rows.map((r) => r.pool_id);
    if (req.poolId !== undefined) poolIds = poolIds.filter((p) => p === req.poolId);
    if (!poolIds.length) {
      throw notFound(`Cannot release addresses of asset ${req.assetId}: it holds none`, {
        assetId: req.assetId,
      });
    }
  } else poolIds = [req.poolId!];
  const pools = await lockPools(tx, poolIds);
  if (!pools.length) throw notFound(`Cannot release from pool ${req.poolId}: no such pool`);
  let released: AllocationRow[];
  if (req.assetId !== undefined) {
    released = await tx.query<AllocationRow>(sql("ReleaseAssetAllocations"), [
      req.assetId,
      pools.map((p) => p.id),
      req.actor.user,
    ]);
  } else {
    let ip: string;
    try {
      ip = formatIp(parseIp(req.ip!.trim()));
    } catch (err) {
      if (err instanceof IpParseError) {
        throw new AppError("invalid", `ip: ${err.message}`, { field: "ip" });
      }
      throw err;
    }
    released = await tx.query<AllocationRow>(sql("ReleaseAllocation"), [
      pools[0].id,
      ip,
      req.actor.user,
    ]);
    if (!released.length) {
      throw notFound(
        `Cannot release ${ip}: it is not allocated in pool "${pools[0].name}"`,
        { ip, poolId: pools[0].id },
      );
    }
  }
  // One audit row per pool, as an allocation writes one per call.
  await tx.query(sql("InsertAuditBatch"), [
    JSON.stringify(
      pools.map((p) => [p.id, released.filter((r) => r.pool_id === p.id)] as const)
        .filter(([, rows]) => rows.length)
        .map(([id, rows]) => auditRow(req.actor, "release_ip", id, rows)),
    ),
  ]);
  for (const pool of pools) {
    const mine = released.filter((r) => r.pool_id === pool.id);
    if (!mine.length) continue;
    const plan = planOf(pool);
    if (pool.ranges_ready) await giveBack(tx, pool.id, plan, mine);
    else await rebuildRanges(tx, pool.id, plan);
    if (pool.overlapped) await resolveOverlapConflicts(tx, req.actor, mine);
    const before = BigInt(pool.active_count);
    await checkPoolThreshold(tx, req.actor, {
      poolId: pool.id,
      poolName: pool.name,
      threshold: pool.alert_threshold,
      usable: usableOf(plan),
      before,
      after: before - BigInt(mine.length),
    });
    await publish(tx, {
      type: "pool-changed",
      poolId: pool.id,
      change: "released",
      count: mine.length,
    });
  }
  return released;
}

/** Puts released addresses back into the free ranges, merged with their neighbours. */
async function giveBack(tx: Tx, poolId: string, plan: PoolPlan, rows: AllocationRow[]) {
  const v = plan.cidr.version;
  const values = rows.map((r) => parseIp(r.ip_address).value).filter((x) => !isExcluded(plan, x));
  if (!values.length) return;
  const runs = mergeSpans(values.map((x) => ({ first: x, last: x })));
  const before = runs.filter((r) => r.first > plan.usable.first).map((r) => text(v, r.first - 1n));
  const after = runs.filter((r) => r.last < plan.usable.last).map((r) => text(v, r.last + 1n));
  const neighbours = (await tx.query<{ first_ip: string; last_ip: string }>(
    sql("FreeNeighbours"),
    [poolId, before, after],
  )).map(parseSpan);
  if (neighbours.length) {
    await tx.query(sql("DeleteFreeRanges"), [
      neighbours.map(() => poolId),
      neighbours.map((n) => text(v, n.first)),
    ]);
  }
  await insertSpans(tx, poolId, v, mergeSpans([...runs, ...neighbours]));
}

async function resolveOverlapConflicts(tx: Queryable, actor: Actor, rows: AllocationRow[]) {
  const counts = await tx.query<{ ip_address: string; pools: number }>(sql("IpActiveCount"), [
    rows.map((r) => r.ip_address),
  ]);
  for (const c of counts) {
    if (c.pools <= 1) await resolveCondition(tx, actor, ipConflictKey(c.ip_address));
  }
}
