// Release: takes addresses back from their allocations. The rows stay as history (released_at,
// released_by) and the addresses return to the pool's free ranges, merged with their neighbours.
import { auditAddress } from "../audit.ts";
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import type { Actor } from "../auth/actor.ts";
import { formatIp } from "./addr_format.ts";
import { parseIp } from "./addr_parse.ts";
import { IpParseError } from "./addr_types.ts";
import { checkPoolThreshold } from "./alerts.ts";
import { resolveOverlapConflicts } from "./overlap.ts";
import {
  type AllocationRow,
  insertSpans,
  lockPools,
  planOf,
  rebuildRanges,
  usableOf,
} from "./pool_state.ts";
import { isExcluded, mergeSpans, type PoolPlan, type Span } from "./ranges.ts";

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
        .map(([id, rows]) => releaseAudit(req.actor, id, rows)),
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

/**
 * The audit_log row (as InsertAuditBatch takes it) of addresses released in a pool: the pool is
 * the entity, the released row (or rows, for several) the new value, as for an allocation.
 */
function releaseAudit(actor: Actor, poolId: string, rows: AllocationRow[]) {
  return {
    user_id: actor.user,
    user_name: actor.user,
    ip_address: auditAddress(actor.clientAddr),
    user_agent: actor.userAgent,
    request_id: actor.requestId,
    action: "release_ip",
    entity_type: "ip_pool",
    entity_id: poolId,
    old_value: null,
    new_value: rows.length === 1 ? rows[0] : rows,
  };
}

/** Puts released addresses back into the free ranges, merged with their neighbours. */
async function giveBack(tx: Tx, poolId: string, plan: PoolPlan, rows: AllocationRow[]) {
  const v = plan.cidr.version;
  const text = (value: bigint) => formatIp({ version: v, value });
  const values = rows.map((r) => parseIp(r.ip_address).value).filter((x) => !isExcluded(plan, x));
  if (!values.length) return;
  const runs = mergeSpans(values.map((x) => ({ first: x, last: x })));
  const before = runs.filter((r) => r.first > plan.usable.first).map((r) => text(r.first - 1n));
  const after = runs.filter((r) => r.last < plan.usable.last).map((r) => text(r.last + 1n));
  const neighbours: Span[] = (await tx.query<{ first_ip: string; last_ip: string }>(
    sql("FreeNeighbours"),
    [poolId, before, after],
  )).map((r) => ({ first: parseIp(r.first_ip).value, last: parseIp(r.last_ip).value }));
  if (neighbours.length) {
    await tx.query(sql("DeleteFreeRanges"), [
      neighbours.map(() => poolId),
      neighbours.map((n) => text(n.first)),
    ]);
  }
  await insertSpans(tx, poolId, v, mergeSpans([...runs, ...neighbours]));
}
