// What allocation and release share about a pool: its row lock, its plan (what it may hand out),
// its usable size, its free ranges rebuilt from the allocations, and locks on single addresses
// for pools that overlap others.
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { formatIp } from "./addr_format.ts";
import { parseIp } from "./addr_parse.ts";
import { type IpVersion } from "./addr_types.ts";
import { freeSpans, planPool, type PoolPlan, type Span } from "./ranges.ts";

/** An ip_allocations row as allocation and release return it. */
export type AllocationRow = Record<string, unknown> & { id: number; ip_address: string };

/** A pool's definition, as LockPoolRows returns it. */
export interface PoolRow {
  id: string;
  name: string;
  network: string;
  gateway: string | null;
  dns_servers: string[];
  reserved_ranges: string[];
  is_active: boolean;
  alert_threshold: number;
  overlapped: boolean;
}

/** A pool's definition with its usage state, as LockPools returns it. */
export interface LockedPool extends PoolRow {
  active_count: number;
  excluded_count: string;
  ranges_ready: boolean;
}

/** Locks pools (id order) for the rest of the transaction. */
export async function lockPools(tx: Queryable, ids: string[]): Promise<LockedPool[]> {
  return await tx.query<LockedPool>(sql("LockPools"), [JSON.stringify(ids)]);
}

/** Locks pools (id order) for the rest of the transaction, reading their definitions only. */
export async function lockPoolRows(tx: Queryable, ids: string[]): Promise<PoolRow[]> {
  return await tx.query<PoolRow>(sql("LockPoolRows"), [JSON.stringify(ids)]);
}

export function planOf(pool: PoolRow): PoolPlan {
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

/**
 * Usable addresses of a pool from its network (canonical text with its prefix length,
 * "10.0.0.0/24") and the excluded count stored while its free ranges are current, so that the
 * pool need not be planned again.
 */
export function usableFromState(network: string, excludedCount: string): bigint {
  const bits = network.includes(":") ? 128 : 32;
  const prefix = Number(network.slice(network.lastIndexOf("/") + 1));
  return (1n << BigInt(bits - prefix)) - BigInt(excludedCount);
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

/** Stores free ranges of a pool. */
export async function insertSpans(tx: Queryable, poolId: string, v: IpVersion, spans: Span[]) {
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

/** Transaction-scoped locks on addresses (by value, whatever the pool), in one global order. */
export async function lockAddresses(tx: Queryable, addresses: string[]): Promise<void> {
  await tx.query(sql("LockAddresses"), [addresses]);
}
