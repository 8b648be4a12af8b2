// One coalesced allocation transaction: the calls of a batch, for any number of pools, in three
// round trips (BEGIN, the statements, COMMIT). The pool locks and the allocation itself
// (AllocateSpecific, then AllocateLowest: addresses taken from the free ranges, ranges shrunk or
// split, rows, audit rows and idempotency keys written, one statement each) go to the database
// together: they run after the lock statement on the same connection, so in READ COMMITTED they
// see every allocation committed before the locks were granted. What they leave undone (a stale
// pool, a pool too short for all its calls) is finished by further statements while the locks
// are held, so each call still gets its own result or error and a call that fails writes nothing.
//
// Calls of one batch are concurrent: a specific address goes to the first call asking for it,
// before any lowest-address call of the batch is served, and the lowest-address calls of a pool
// take their addresses in arrival order.
import { auditAddress } from "../audit.ts";
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { type AppEvent, EVENT_CHANNEL } from "../events.ts";
import type { Actor } from "../auth/actor.ts";
import { formatIp } from "./addr_format.ts";
import { parseIp } from "./addr_parse.ts";
import { type IpAddr, IpParseError } from "./addr_types.ts";
import { checkPoolThreshold } from "./alerts.ts";
import { raiseOverlapConflicts } from "./overlap.ts";
import {
  type AllocationRow,
  lockAddresses,
  lockPoolRows,
  planOf,
  type PoolRow,
  rebuildRanges,
  usableFromState,
  usableOf,
} from "./pool_state.ts";
import { isExcluded } from "./ranges.ts";

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
  /** Already normalised (addr_parse.ts validateMac). */
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

export type Result = { ok: AllocationOutcome } | { err: unknown };

/** A call as AllocateSpecific (ip) or AllocateLowest (n) takes it; absent fields are null. */
interface Call {
  i: number;
  pool: string;
  n: number;
  ip?: string;
  key?: string;
  asset?: string | null;
  dname?: string | null;
  dtype?: string | null;
  mac?: string | null;
  host?: string | null;
  notes?: string | null;
  who: string;
  uaddr: string | null;
  agent: string | null;
  req: string | null;
}

interface CallRow {
  i: number;
  status: "ok" | "replay" | "skipped" | "outside" | "taken" | "short";
  allocations: AllocationRow[] | null;
  free: number;
  /** The pool's usage as the statement found it (null: no such pool). */
  active_count: number | null;
  excluded_count: string | null;
}

function callOf(r: AllocationRequest, i: number, ip: string | undefined): Call {
  return {
    i,
    pool: r.poolId,
    n: ip === undefined ? r.count ?? 1 : 1,
    ip,
    key: r.idempotencyKey,
    asset: r.assetId,
    dname: r.deviceName,
    dtype: r.deviceType,
    mac: r.macAddress,
    host: r.hostname,
    notes: r.notes,
    who: r.actor.user,
    uaddr: auditAddress(r.actor.clientAddr),
    agent: r.actor.userAgent,
    req: r.actor.requestId,
  };
}

/**
 * Statements a batch may take: the first, one after rebuilding stale ranges, one for the calls
 * that fit in a pool too short for all of them (which then always succeed).
 */
const MAX_ROUNDS = 3;

/**
 * Runs the calls: specific addresses first, then the lowest free ones, so that the second
 * statement sees what the first took. Both are sent at once and run in order.
 */
async function allocateCalls(tx: Tx, calls: Call[]): Promise<CallRow[]> {
  const specific = calls.filter((c) => c.ip !== undefined);
  const lowest = calls.filter((c) => c.ip === undefined);
  const [a, b] = await Promise.all([
    specific.length
      ? tx.query<CallRow>(sql("AllocateSpecific"), [JSON.stringify(specific)])
      : Promise.resolve([]),
    lowest.length
      ? tx.query<CallRow>(sql("AllocateLowest"), [JSON.stringify(lowest)])
      : Promise.resolve([]),
  ]);
  return [...a, ...b];
}

/** Runs one coalesced transaction; one result per request, in order. */
export async function runBatch(db: Db, reqs: AllocationRequest[]): Promise<Result[]> {
  const results: (Result | undefined)[] = reqs.map(() => undefined);
  // Address syntax needs no database. Its error is reported only for a pool that exists and is
  // active, as those checks come first.
  const malformed = new Map<number, AppError>();
  const wanted = new Map<number, IpAddr>();
  const calls: Call[] = [];
  // Calls repeating an idempotency key of an earlier call in this batch get that call's outcome.
  const firstWithKey = new Map<string, number>();
  const repeats = new Map<number, number>();
  reqs.forEach((r, i) => {
    let ip: string | undefined;
    if (r.ip !== undefined) {
      try {
        const a = parseIp(r.ip.trim());
        wanted.set(i, a);
        ip = formatIp(a);
      } catch (err) {
        if (!(err instanceof IpParseError)) throw err;
        malformed.set(i, new AppError("invalid", `ip: ${err.message}`, { field: "ip" }));
        return;
      }
    }
    if (r.idempotencyKey) {
      const key = `${r.poolId}\u0000${r.idempotencyKey}`;
      const first = firstWithKey.get(key);
      if (first !== undefined) {
        repeats.set(i, first);
        return;
      }
      firstWithKey.set(key, i);
    }
    calls.push(callOf(r, i, ip));
  });

  const changed: AppEvent[] = [];
  await db.transaction(async (tx) => {
    const [lockedRows, firstRows] = await Promise.all([
      lockPoolRows(tx, [...new Set(reqs.map((r) => r.poolId))]),
      allocateCalls(tx, calls),
    ]);
    const locked = new Map(lockedRows.map((p) => [p.id, p]));
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
            {
              poolId: pool.id,
            },
          ),
        };
      } else if (malformed.has(i)) results[i] = { err: malformed.get(i) };
    });

    const byIndex = new Map(calls.map((c) => [c.i, c]));
    // Each pool's usage as the first statement that named it found it, before this batch.
    const usage = new Map<string, { active: bigint; excluded: string }>();
    const rebuilt = new Set<string>();
    let rows = firstRows;
    for (let round = 1; rows.length; round++) {
      if (round > MAX_ROUNDS) {
        for (const row of rows) {
          results[row.i] ??= { err: new AppError("internal", "Internal error") };
        }
        break;
      }
      const again: Call[] = [];
      const stale = new Set<string>();
      const short = new Map<string, { free: number; calls: Call[] }>();
      for (const row of rows) {
        const call = byIndex.get(row.i)!;
        if (!usage.has(call.pool) && row.active_count !== null) {
          usage.set(call.pool, { active: BigInt(row.active_count), excluded: row.excluded_count! });
        }
        if (results[row.i]) continue; // no such pool, or inactive
        const pool = locked.get(call.pool)!;
        results[row.i] = outcome(row, call, pool, wanted.get(row.i));
        if (results[row.i]) continue;
        if (row.status === "skipped" && !rebuilt.has(pool.id)) {
          // Free ranges stale (a writer bypassed the allocator): rebuilt below, then retried.
          stale.add(pool.id);
          again.push(call);
        } else if (row.status === "short") {
          if (!short.has(pool.id)) short.set(pool.id, { free: row.free, calls: [] });
          short.get(pool.id)!.calls.push(call);
        } else {
          results[row.i] = { err: new AppError("internal", "Internal error") };
        }
      }
      // Nothing was taken for a pool that could not serve all its calls: in arrival order,
      // the calls that fit in what it has are retried, the others are refused.
      for (const [id, s] of short) {
        let left = s.free;
        for (const call of s.calls) {
          if (call.n <= left) {
            left -= call.n;
            again.push(call);
          } else results[call.i] = { err: exhausted(locked.get(id)!, call.n) };
        }
      }
      for (const id of stale) {
        await rebuildRanges(tx, id, planOf(locked.get(id)!));
        rebuilt.add(id);
      }
      rows = await allocateCalls(tx, again.sort((a, b) => a.i - b.i));
    }

    for (const c of calls) results[c.i] ??= { err: new AppError("internal", "Internal error") };

    // Alerts and events per pool that allocated, in the order its first call arrived.
    const perPool = new Map<string, { actor: Actor; rows: AllocationRow[] }>();
    reqs.forEach((r, i) => {
      const res = results[i];
      if (!res || !("ok" in res) || res.ok.replayed) return;
      if (!perPool.has(r.poolId)) perPool.set(r.poolId, { actor: r.actor, rows: [] });
      perPool.get(r.poolId)!.rows.push(...res.ok.allocations);
    });
    // Each process holds only its own pool's lock: addresses made active in a pool that
    // overlaps others are locked by value too, so that of two transactions taking one address
    // in two overlapping pools, the later one's conflict check sees the earlier one's row.
    const shared = [...perPool].filter(([id]) => locked.get(id)!.overlapped);
    if (shared.length) {
      await lockAddresses(tx, shared.flatMap(([, p]) => p.rows.map((r) => r.ip_address)));
    }
    for (const [id, p] of perPool) {
      const pool = locked.get(id)!;
      if (pool.overlapped) await raiseOverlapConflicts(tx, p.actor, pool, p.rows);
      const { active: before, excluded } = usage.get(id)!;
      await checkPoolThreshold(tx, p.actor, {
        poolId: id,
        poolName: pool.name,
        threshold: pool.alert_threshold,
        // A rebuild stores the excluded count anew; until then it is the one read.
        usable: rebuilt.has(id) ? usableOf(planOf(pool)) : usableFromState(pool.network, excluded),
        before,
        after: before + BigInt(p.rows.length),
      });
      changed.push({ type: "pool-changed", poolId: id, change: "allocated", count: p.rows.length });
    }
  });

  // Calls that repeated a key first used earlier in this same transaction.
  for (const [i, first] of repeats) {
    const owner = results[first]!;
    results[i] = "ok" in owner
      ? { ok: { allocations: owner.ok.allocations, replayed: true } }
      : owner;
  }
  for (const e of changed) announce(db, e);
  return results as Result[];
}

/** A call's result from its row, or undefined when the pool needs another round. */
function outcome(
  row: CallRow,
  call: Call,
  pool: PoolRow,
  ip: IpAddr | undefined,
): Result | undefined {
  switch (row.status) {
    case "ok":
      return { ok: { allocations: row.allocations!, replayed: false } };
    case "replay":
      return { ok: { allocations: row.allocations!, replayed: true } };
    case "outside":
      return {
        err: new AppError(
          "invalid",
          `Cannot allocate ${call.ip} from pool "${pool.name}": it is not inside ${
            planOf(pool).network
          }`,
          { field: "ip", poolId: pool.id },
        ),
      };
    case "taken": {
      const why = isExcluded(planOf(pool), ip!.value)
        ? "it is reserved (network, broadcast, gateway, DNS server or reserved range)"
        : "it is already allocated";
      return {
        err: new AppError(
          "conflict",
          `Cannot allocate ${call.ip} from pool "${pool.name}": ${why}`,
          {
            ip: call.ip,
            poolId: pool.id,
          },
        ),
      };
    }
    default:
      return undefined;
  }
}

function exhausted(pool: PoolRow, n: number): AppError {
  return new AppError(
    "exhausted",
    n === 1
      ? `Cannot allocate from pool "${pool.name}": pool is exhausted`
      : `Cannot allocate ${n} addresses from pool "${pool.name}": pool is exhausted (fewer than ${n} free)`,
    { poolId: pool.id, requested: n },
  );
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
