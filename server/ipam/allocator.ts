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
import type { Db, Queryable, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import type { Actor } from "../tools/tool.ts";
import { formatIp, IpParseError, type IpVersion, parseIp } from "./addr.ts";
import { checkPoolThreshold, ipConflictKey, raiseAlert, resolveCondition } from "./alerts.ts";
import { freeSpans, isExcluded, mergeSpans, planPool, type PoolPlan, type Span } from "./ranges.ts";

export type AllocationRow = Record<string, unknown> & { id: number; ip_address: string };

export interface AllocationRequest {
  poolId: number;
  /** How many addresses, all or nothing (default 1). */
  count?: number;
  /** A specific address instead of the lowest free one (count must be 1). */
  ip?: string;
  idempotencyKey?: string;
  assetId?: string | null;
  deviceName?: string | null;
  deviceType?: string | null;
  /** Already normalised (addr.ts validateMac). */
  macAddress?: string | null;
  hostname?: string | null;
  description?: string | null;
  actor: Actor;
}

export interface AllocationOutcome {
  allocations: AllocationRow[];
  /** True when an idempotency key matched an earlier call and nothing new was allocated. */
  replayed: boolean;
}

/** Largest number of calls and addresses coalesced into one transaction. */
const MAX_BATCH_CALLS = 256;
const MAX_BATCH_ADDRESSES = 4096;

interface Pending {
  req: AllocationRequest;
  resolve: (o: AllocationOutcome) => void;
  reject: (e: unknown) => void;
}

interface PoolQueue {
  pending: Pending[];
  running: boolean;
}

const queues = new WeakMap<Db, Map<number, PoolQueue>>();

/** Allocates addresses in a pool. Concurrent calls for one pool share a transaction. */
export function allocate(db: Db, req: AllocationRequest): Promise<AllocationOutcome> {
  let perDb = queues.get(db);
  if (!perDb) queues.set(db, perDb = new Map());
  let q = perDb.get(req.poolId);
  if (!q) perDb.set(req.poolId, q = { pending: [], running: false });
  const queue = q;
  const done = new Promise<AllocationOutcome>((resolve, reject) => {
    queue.pending.push({ req, resolve, reject });
  });
  if (!queue.running) void drain(db, req.poolId, queue, perDb);
  return done;
}

async function drain(db: Db, poolId: number, q: PoolQueue, perDb: Map<number, PoolQueue>) {
  q.running = true;
  try {
    while (q.pending.length) {
      const batch: Pending[] = [];
      let addresses = 0;
      while (q.pending.length && batch.length < MAX_BATCH_CALLS) {
        const n = q.pending[0].req.count ?? 1;
        if (batch.length && addresses + n > MAX_BATCH_ADDRESSES) break;
        batch.push(q.pending.shift()!);
        addresses += n;
      }
      await runSafely(db, poolId, batch);
    }
  } finally {
    q.running = false;
    if (!q.pending.length && perDb.get(poolId) === q) perDb.delete(poolId);
  }
}

type Result = { ok: AllocationOutcome } | { err: unknown };

async function runSafely(db: Db, poolId: number, batch: Pending[]): Promise<void> {
  let results: Result[];
  try {
    results = await runBatch(db, poolId, batch.map((p) => p.req));
  } catch (err) {
    if (isStaleRanges(err)) {
      // The free ranges disagree with the allocations (a writer bypassed the allocator):
      // rebuild them from the allocations and try again once.
      await db.query(sql("MarkRangesStale"), [poolId]).catch(() => {});
      try {
        results = await runBatch(db, poolId, batch.map((p) => p.req));
      } catch (err2) {
        results = await alone(db, poolId, batch, err2);
      }
    } else {
      results = await alone(db, poolId, batch, err);
    }
  }
  results.forEach((r, i) => "ok" in r ? batch[i].resolve(r.ok) : batch[i].reject(r.err));
}

/** Retries each call of a failed coalesced transaction by itself, so failures stay separate. */
async function alone(db: Db, poolId: number, batch: Pending[], err: unknown): Promise<Result[]> {
  if (batch.length === 1) return [{ err }];
  const out: Result[] = [];
  for (const p of batch) {
    try {
      out.push(...await runBatch(db, poolId, [p.req]));
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
// Pool state

export interface LockedPool {
  id: number;
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
export async function lockPools(tx: Queryable, ids: number[]): Promise<LockedPool[]> {
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
export async function rebuildRanges(tx: Queryable, poolId: number, plan: PoolPlan): Promise<void> {
  const rows = await tx.query<{ ip_address: string }>(sql("ListActiveAddresses"), [poolId]);
  const active = rows.map((r) => parseIp(r.ip_address).value);
  const spans = freeSpans(plan, active);
  await tx.query(sql("ClearFreeRanges"), [poolId]);
  await insertSpans(tx, poolId, plan.cidr.version, spans);
  await tx.query(sql("MarkRangesReady"), [poolId, plan.excludedCount.toString()]);
}

async function insertSpans(tx: Queryable, poolId: number, v: IpVersion, spans: Span[]) {
  // Chunked so that a badly fragmented pool never builds one enormous statement.
  for (let i = 0; i < spans.length; i += 10_000) {
    const chunk = spans.slice(i, i + 10_000);
    await tx.query(sql("InsertFreeRanges"), [
      poolId,
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

async function runBatch(db: Db, poolId: number, reqs: AllocationRequest[]): Promise<Result[]> {
  return await db.transaction(async (tx) => {
    const results: (Result | null)[] = reqs.map(() => null);
    const [pool] = await lockPools(tx, [poolId]);
    if (!pool) {
      const e = notFound(`Cannot allocate from pool ${poolId}: no such pool`, { poolId });
      return reqs.map(() => ({ err: e }));
    }
    if (!pool.is_active) {
      const e = new AppError(
        "conflict",
        `Cannot allocate from pool "${pool.name}": pool is inactive`,
        { poolId },
      );
      return reqs.map(() => ({ err: e }));
    }
    const plan = planOf(pool);
    if (!pool.ranges_ready) await rebuildRanges(tx, pool.id, plan);
    const v = plan.cidr.version;

    // Retries of earlier calls return what those calls got.
    const keys = [...new Set(reqs.map((r) => r.idempotencyKey).filter((k) => k))] as string[];
    const earlier = new Map<string, AllocationRow[]>();
    if (keys.length) {
      const found = await tx.query<{ idempotency_key: string; allocation_ids: number[] }>(
        sql("FindIdempotencyKeys"),
        [pool.id, keys],
      );
      for (const f of found) {
        const rows = await tx.query<AllocationRow>(sql("GetAllocations"), [
          f.allocation_ids.map(Number),
        ]);
        earlier.set(f.idempotency_key, rows);
      }
    }

    // Validate specific addresses before loading anything.
    const wanted = new Map<number, bigint>();
    reqs.forEach((r, i) => {
      if (r.idempotencyKey && earlier.has(r.idempotencyKey)) return;
      if (r.ip === undefined) return;
      let a;
      try {
        a = parseIp(r.ip.trim());
      } catch (err) {
        if (!(err instanceof IpParseError)) throw err;
        results[i] = { err: new AppError("invalid", `ip: ${err.message}`, { field: "ip" }) };
        return;
      }
      if (a.version !== v || a.value < plan.cidr.network || !inCidr(plan, a.value)) {
        results[i] = {
          err: new AppError(
            "invalid",
            `Cannot allocate ${
              formatIp(a)
            } from pool "${pool.name}": it is not inside ${plan.network}`,
            { field: "ip", poolId },
          ),
        };
        return;
      }
      wanted.set(i, a.value);
    });

    const work = new RangeWork();
    if (wanted.size) {
      const at = await tx.query<{ first_ip: string; last_ip: string }>(sql("FreeRangesAt"), [
        pool.id,
        [...wanted.values()].map((x) => text(v, x)),
      ]);
      work.load(at.map(parseSpan));
    }
    let demand = 0;
    reqs.forEach((r, i) => {
      if (results[i] || wanted.has(i) || (r.idempotencyKey && earlier.has(r.idempotencyKey))) {
        return;
      }
      demand += r.count ?? 1;
    });
    if (demand) {
      // Each specific address splits at most one range, so demand + specifics lowest ranges
      // always hold enough addresses when the pool has them.
      const lowest = await tx.query<{ first_ip: string; last_ip: string }>(
        sql("LowestFreeRanges"),
        [pool.id, demand + wanted.size],
      );
      work.load(lowest.map(parseSpan));
    }

    // Hand out in arrival order.
    const grants = new Map<number, bigint[]>();
    const keyOwner = new Map<string, number>();
    reqs.forEach((r, i) => {
      if (results[i]) return;
      if (r.idempotencyKey && earlier.has(r.idempotencyKey)) {
        results[i] = { ok: { allocations: earlier.get(r.idempotencyKey)!, replayed: true } };
        return;
      }
      if (r.idempotencyKey && keyOwner.has(r.idempotencyKey)) return; // filled in below
      if (wanted.has(i)) {
        const a = wanted.get(i)!;
        if (work.take(a)) grants.set(i, [a]);
        else {
          const shown = text(v, a);
          const why = isExcluded(plan, a)
            ? "it is reserved (network, broadcast, gateway, DNS server or reserved range)"
            : "it is already allocated";
          results[i] = {
            err: new AppError(
              "conflict",
              `Cannot allocate ${shown} from pool "${pool.name}": ${why}`,
              { ip: shown, poolId },
            ),
          };
        }
      } else {
        const got = work.takeLowest(r.count ?? 1);
        if (got) grants.set(i, got);
        else {
          const n = r.count ?? 1;
          results[i] = {
            err: new AppError(
              "exhausted",
              n === 1
                ? `Cannot allocate from pool "${pool.name}": pool is exhausted`
                : `Cannot allocate ${n} addresses from pool "${pool.name}": pool is exhausted (fewer than ${n} free)`,
              { poolId, requested: n },
            ),
          };
        }
      }
      if (r.idempotencyKey && grants.has(i)) keyOwner.set(r.idempotencyKey, i);
    });

    if (grants.size) {
      const { remove, add } = work.changes();
      await tx.query(sql("DeleteFreeRanges"), [pool.id, remove.map((x) => text(v, x))]);
      if (add.length) await insertSpans(tx, pool.id, v, add);

      const order = [...grants.entries()];
      const cols: (string | null)[][] = [[], [], [], [], [], [], [], []];
      for (const [i, addrs] of order) {
        const r = reqs[i];
        for (const a of addrs) {
          cols[0].push(text(v, a));
          cols[1].push(r.assetId ?? null);
          cols[2].push(r.deviceName ?? null);
          cols[3].push(r.deviceType ?? null);
          cols[4].push(r.macAddress ?? null);
          cols[5].push(r.hostname ?? null);
          cols[6].push(r.description ?? null);
          cols[7].push(r.actor.user);
        }
      }
      const inserted = await tx.query<AllocationRow>(sql("InsertAllocations"), [pool.id, ...cols]);
      const byValue = new Map(inserted.map((row) => [parseIp(row.ip_address).value, row]));
      const keyRows: Record<string, number[]> = {};
      const auditRows: Record<string, unknown>[] = [];
      for (const [i, addrs] of order) {
        const rows = addrs.map((a) => byValue.get(a)!);
        results[i] = { ok: { allocations: rows, replayed: false } };
        const r = reqs[i];
        if (r.idempotencyKey) keyRows[r.idempotencyKey] = rows.map((x) => x.id);
        auditRows.push({
          user_name: r.actor.user,
          client_addr: r.actor.clientAddr,
          user_agent: r.actor.userAgent,
          request_id: r.actor.requestId,
          action: "allocate",
          entity_type: "ip_allocation",
          entity_id: String(rows[0].id),
          old_values: null,
          new_values: rows.length === 1 ? rows[0] : rows,
        });
      }
      if (Object.keys(keyRows).length) {
        await tx.query(sql("InsertIdempotencyKeys"), [pool.id, JSON.stringify(keyRows)]);
      }
      await tx.query(sql("InsertAuditBatch"), [JSON.stringify(auditRows)]);

      const actor = reqs[order[0][0]].actor;
      if (pool.overlapped) await raiseOverlapConflicts(tx, actor, pool, inserted);
      const before = BigInt(pool.active_count);
      await checkPoolThreshold(tx, actor, {
        poolId: pool.id,
        poolName: pool.name,
        threshold: pool.alert_threshold,
        usable: usableOf(plan),
        before,
        after: before + BigInt(inserted.length),
      });
      await publish(tx, {
        type: "pool-changed",
        poolId: pool.id,
        change: "allocated",
        count: inserted.length,
      });
    }
    // Calls that repeated a key first used earlier in this same transaction.
    reqs.forEach((r, i) => {
      if (results[i]) return;
      const owner = results[keyOwner.get(r.idempotencyKey!)!];
      results[i] = owner && "ok" in owner
        ? { ok: { allocations: owner.ok.allocations, replayed: true } }
        : owner ?? { err: new AppError("internal", "Internal error") };
    });
    return results as Result[];
  });
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
    { pool_id: number; pool_name: string; ip_address: string; asset_id: string | null }
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
  poolId?: number;
  ip?: string;
  assetId?: string;
  actor: Actor;
}

/**
 * Releases one address of a pool, or every active address of an asset. The rows stay as
 * history (released_at, released_by); the addresses go back to the free ranges.
 */
export async function release(db: Db, req: ReleaseRequest): Promise<AllocationRow[]> {
  return await db.transaction(async (tx) => {
    let poolIds: number[];
    if (req.assetId !== undefined) {
      const rows = await tx.query<{ pool_id: number }>(sql("AssetPools"), [req.assetId]);
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
    await tx.query(sql("InsertAuditBatch"), [
      JSON.stringify(released.map((row) => ({
        user_name: req.actor.user,
        client_addr: req.actor.clientAddr,
        user_agent: req.actor.userAgent,
        request_id: req.actor.requestId,
        action: "release",
        entity_type: "ip_allocation",
        entity_id: String(row.id),
        old_values: null,
        new_values: row,
      }))),
    ]);
    for (const pool of pools) {
      const mine = released.filter((r) => Number(r.pool_id) === pool.id);
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
  });
}

/** Puts released addresses back into the free ranges, merged with their neighbours. */
async function giveBack(tx: Tx, poolId: number, plan: PoolPlan, rows: AllocationRow[]) {
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
    await tx.query(sql("DeleteFreeRanges"), [poolId, neighbours.map((n) => text(v, n.first))]);
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
