// Addresses active in two overlapping pools at once: raised as ip_conflict when an allocation
// makes it so, resolved when a release leaves the address active in one pool only.
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { Actor } from "../auth/actor.ts";
import { ipConflictKey, raiseAlert, resolveCondition } from "./alerts.ts";
import type { AllocationRow, PoolRow } from "./pool_state.ts";

/**
 * Raises ip_conflict for each of `rows` (just allocated in `pool`) that is active in another pool.
 * The caller holds the address locks of the rows, so a concurrent allocation of the same address
 * in an overlapping pool is either visible here or sees these rows.
 */
export async function raiseOverlapConflicts(
  tx: Queryable,
  actor: Actor,
  pool: PoolRow,
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

/** Resolves ip_conflict for each released address now active in at most one pool. */
export async function resolveOverlapConflicts(
  tx: Queryable,
  actor: Actor,
  rows: AllocationRow[],
): Promise<void> {
  const counts = await tx.query<{ ip_address: string; pools: number }>(sql("IpActiveCount"), [
    rows.map((r) => r.ip_address),
  ]);
  for (const c of counts) {
    if (c.pools <= 1) await resolveCondition(tx, actor, ipConflictKey(c.ip_address));
  }
}
