// Pools and allocations follow the NetBox mirror: selected prefixes become pools, IP addresses
// inside them become allocations (a clash with a local allocation raises an alert), and what
// NetBox drops is retired or released, marking the pools' free ranges for a rebuild.
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import type { Actor } from "../auth/actor.ts";
import { auditRows, bump, type Changed, type PageContext } from "./sync_page.ts";

/** Pools of selected prefixes follow the prefix mirror, page by page. */
export async function syncPools(ctx: PageContext, prefixIds: number[]): Promise<void> {
  const changed = await ctx.tx.query<Changed>(sql("NbSyncUpsertPools"), [prefixIds]);
  await auditRows(ctx.tx, ctx.actor, "ip_pool", changed);
  bump(ctx.counts, "pools_changed", changed.length);
  if (changed.length) ctx.state.poolsChanged = true;
  for (const p of changed) {
    await publish(ctx.tx, { type: "pool-changed", poolId: p.id, change: "netbox-sync" });
  }
}

export async function retirePools(ctx: PageContext): Promise<void> {
  const retired = await ctx.tx.query<Changed>(sql("NbSyncRetirePools"));
  await auditRows(ctx.tx, ctx.actor, "ip_pool", retired, "update");
  bump(ctx.counts, "pools_retired", retired.length);
  if (retired.length) ctx.state.poolsChanged = true;
}

/** Allocations for NetBox addresses inside pools; a clash with a local allocation is an alert. */
export async function syncAllocations(ctx: PageContext, ipIds: number[]): Promise<void> {
  const conflicts = await ctx.tx.query<Record<string, unknown>>(
    sql("NbSyncAllocationConflicts"),
    [ipIds],
  );
  for (const c of conflicts) {
    const [alert] = await ctx.tx.query<{ id: number }>(sql("NbRaiseAlert"), [
      "ip_conflict",
      "warning",
      `${c.ip_address} is in NetBox and allocated locally in pool "${c.pool_name}"`,
      `NetBox IP address ${c.netbox_id} (${c.ip_address}) clashes with local allocation ${c.allocation_id}` +
      (c.device_name ? ` for ${c.device_name}` : "") + "; the local allocation was kept.",
      "ip_allocation",
      String(c.allocation_id),
      `ip_conflict:netbox:${c.pool_id}:${c.ip_address}`,
      JSON.stringify(c),
    ]);
    if (alert) {
      bump(ctx.counts, "conflicts", 1);
      await publish(ctx.tx, { type: "alert", alertId: alert.id, alertType: "ip_conflict" });
    }
  }
  const skip = conflicts.map((c) => Number(c.netbox_id));
  const changed = await ctx.tx.query<Changed & { pool_id: string; old_pool_id: string | null }>(
    sql("NbSyncUpsertAllocations"),
    [ipIds, skip],
  );
  await markRangesStale(ctx.tx, changed.flatMap((c) => [c.pool_id, c.old_pool_id]));
  await auditRows(ctx.tx, ctx.actor, "ip_allocation", changed, "allocate_ip");
  bump(ctx.counts, "allocations_changed", changed.length);
}

/**
 * The sync writes allocations directly, past the allocator's free ranges: the pools it touched
 * rebuild theirs (under their lock) before they next hand out an address.
 */
async function markRangesStale(tx: Tx, poolIds: (string | null)[]): Promise<void> {
  const ids = [...new Set(poolIds.filter((id): id is string => id !== null).map(String))];
  if (ids.length) await tx.query(sql("MarkRangesStale"), [ids]);
}

export async function releaseAllocations(ctx: PageContext): Promise<void> {
  const released = await ctx.tx.query<Changed & { pool_id: string }>(
    sql("NbSyncReleaseAllocations"),
  );
  await markRangesStale(ctx.tx, released.map((r) => r.pool_id));
  await auditRows(ctx.tx, ctx.actor, "ip_allocation", released, "release_ip");
  bump(ctx.counts, "allocations_released", released.length);
}

/** Re-evaluates every mirrored address after pools changed (a new pool may now contain it). */
export async function reallocateAll(
  db: Db,
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<void> {
  const ids = (await db.query<{ netbox_id: number }>(sql("NbListMirroredIpIds"))).map((r) =>
    r.netbox_id
  );
  for (let i = 0; i < ids.length; i += 5000) {
    await db.transaction((tx) =>
      syncAllocations({ tx, actor, counts, state }, ids.slice(i, i + 5000))
    );
  }
}
