// Paging through a pool's free addresses, lowest first (REST available-ips), by walking its
// free ranges with keyset pages: the cost follows the offset asked for, not the pool's fill.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { notFound } from "../errors.ts";
import { formatIp } from "./addr_format.ts";
import { parseIp } from "./addr_parse.ts";
import { lockPools, planOf, rebuildRanges } from "./pool_state.ts";

const RANGE_PAGE = 500;

/** The free addresses of a pool from position `offset`, at most `limit` of them. */
export async function listAvailable(
  db: Db,
  poolId: string,
  offset: number,
  limit: number,
): Promise<string[]> {
  const [state] = await db.query<{ ranges_ready: boolean }>(sql("PoolRangesReady"), [poolId]);
  if (!state) throw notFound(`Pool ${poolId} does not exist`);
  if (!state.ranges_ready) {
    // Another writer (a sync, a restore) changed allocations directly: bring the ranges up to date.
    await db.transaction(async (tx) => {
      const [pool] = await lockPools(tx, [poolId]);
      if (pool && !pool.ranges_ready) await rebuildRanges(tx, poolId, planOf(pool));
    });
  }
  const out: string[] = [];
  let skip = BigInt(offset);
  let after: string | null = null;
  while (out.length < limit) {
    const ranges: { first_ip: string; last_ip: string }[] = await db.query(
      sql("FreeRangesPage"),
      [poolId, after, RANGE_PAGE],
    );
    for (const r of ranges) {
      const first = parseIp(r.first_ip);
      const last = parseIp(r.last_ip).value;
      const size = last - first.value + 1n;
      if (skip >= size) {
        skip -= size;
        continue;
      }
      for (let v = first.value + skip; v <= last && out.length < limit; v++) {
        out.push(formatIp({ version: first.version, value: v }));
      }
      skip = 0n;
      if (out.length >= limit) break;
    }
    if (ranges.length < RANGE_PAGE) break;
    after = ranges[ranges.length - 1].first_ip;
  }
  return out;
}
