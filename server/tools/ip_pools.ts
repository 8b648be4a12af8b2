// IP pool tools: create, change and delete pools (validating their addressing and keeping free
// ranges, alerts and audit in step) and read them with usage figures and address samples.
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { formatIp } from "../ipam/addr_format.ts";
import { parseIp } from "../ipam/addr_parse.ts";
import { lockPools, planOf, rebuildRanges, usableOf } from "../ipam/allocator.ts";
import { poolAlertKey, resolveCondition, syncPoolThreshold } from "../ipam/alerts.ts";
import { planPool, type PoolPlan, PoolSpecError } from "../ipam/ranges.ts";
import { listPools } from "../ipam/pool_listing.ts";
import { likeEscape, poolId, shortText } from "./common.ts";
import { defineTool } from "./tool.ts";

/** How many addresses get-ip-pools lists per pool in `allocated` and `available`. */
export const POOL_SAMPLE_SIZE = 10;
/** Largest page of get-ip-pools that carries samples unless sampleSize is given. */
export const SAMPLED_PAGE_SIZE = 100;

export const POOL_TYPES = [
  "static",
  "dhcp",
  "management",
  "infrastructure",
  "loopback",
  "point_to_point",
  "reserved",
] as const;

/** An address as a tool argument. */
export const addrText = z.string().trim().min(1).max(64);
const rangeText = z.string().trim().min(1).max(140);
const threshold = z.number().gt(0).max(100);

/** Validates a pool's addressing with ranges.ts before any SQL runs; errors name the field. */
function plan(spec: Parameters<typeof planPool>[0]): PoolPlan {
  try {
    return planPool(spec);
  } catch (err) {
    if (err instanceof PoolSpecError) {
      throw new AppError("invalid", err.message, { field: err.field });
    }
    throw err;
  }
}

/** The unique constraint a write broke (both drivers), or null for any other error. */
function uniqueViolated(err: unknown): string | null {
  const e = err as { code?: string; constraint_name?: string; constraint?: string };
  return e?.code === "23505" ? e.constraint_name ?? e.constraint ?? "" : null;
}

/**
 * Turns a clash with another pool into a conflict naming the field. A clash of an id the
 * column default made (no id given) is left as it is, for createPool to retry.
 */
const poolClash = (name: string, id: string | undefined) => (err: unknown): never => {
  const broken = uniqueViolated(err);
  if (broken === "ip_pools_pkey" && id !== undefined) {
    throw new AppError("conflict", `A pool with id "${id}" already exists`, { field: "id" });
  }
  if (broken === "ip_pools_name_key") {
    throw new AppError("conflict", `A pool named "${name}" already exists`, { field: "name" });
  }
  throw err;
};

/**
 * How many ids createPool draws from the column default before giving up: a drawn id is taken
 * only when a client chose that very id before, so each draw moves past one such pool.
 */
const GENERATED_ID_ATTEMPTS = 20;

const createPool = defineTool({
  name: "create-ip-pool",
  description:
    "Create an IP pool for a network (CIDR) with optional gateway, DNS servers, reserved ranges (addresses or first-last ranges never handed out) and alert threshold (percent, default 90). `id` chooses the pool's id (e.g. pool-1); without it the next free pool-N is used.",
  scope: "write",
  input: z.object({
    /** The pool's id ("pool-1"); without it the server makes the next "pool-N". */
    id: poolId.optional(),
    name: shortText(200),
    network: z.string().trim().min(2).max(64),
    gateway: addrText.optional(),
    dnsServers: z.array(addrText).max(16).optional(),
    reservedRanges: z.array(rangeText).max(256).optional(),
    alertThreshold: threshold.optional(),
    vlanId: z.number().int().min(1).max(4094).optional(),
    poolType: z.enum(POOL_TYPES).optional(),
    description: z.string().max(2000).optional(),
    site: z.string().max(200).optional(),
    isActive: z.boolean().optional(),
  }).strict(),
  handler: async (args, ctx) => {
    const p = plan(args);
    const values = [
      args.name,
      p.network,
      p.gateway,
      p.dnsServers,
      args.vlanId ?? null,
      args.poolType ?? "static",
      args.description ?? "",
      args.site ?? null,
      p.reservedRanges,
      args.alertThreshold ?? 90,
      args.isActive ?? true,
      ctx.actor.user,
    ];
    const create = () =>
      ctx.db.transaction(async (tx) => {
        const [pool] = await (args.id === undefined
          ? tx.query<Record<string, unknown>>(sql("InsertPool"), values)
          : tx.query<Record<string, unknown>>(sql("InsertPoolWithId"), [...values, args.id]))
          .catch(poolClash(args.name, args.id));
        const id = String(pool.id);
        await rebuildRanges(tx, id, p);
        await audit(tx, ctx.actor, {
          action: "create",
          entityType: "ip_pool",
          entityId: id,
          newValues: pool,
        });
        await publish(tx, { type: "pool-changed", poolId: id, change: "created" });
        return pool;
      });
    // A generated id that a client already chose is drawn again (the sequence has moved on).
    for (let attempt = 1;; attempt++) {
      try {
        return await create();
      } catch (err) {
        if (uniqueViolated(err) !== "ip_pools_pkey") throw err;
        if (attempt >= GENERATED_ID_ATTEMPTS) {
          throw new AppError(
            "conflict",
            `Cannot create pool "${args.name}": the next ${GENERATED_ID_ATTEMPTS} generated ids are all taken; give an id`,
            { field: "id" },
          );
        }
      }
    }
  },
});

const updatePool = defineTool({
  name: "update-ip-pool",
  description:
    "Change a pool's fields; null clears gateway, vlanId or site. New exclusions may not cover allocated addresses.",
  scope: "write",
  input: z.object({
    poolId,
    name: shortText(200).optional(),
    network: z.string().trim().min(2).max(64).optional(),
    gateway: addrText.nullable().optional(),
    dnsServers: z.array(addrText).max(16).optional(),
    reservedRanges: z.array(rangeText).max(256).optional(),
    alertThreshold: threshold.optional(),
    vlanId: z.number().int().min(1).max(4094).nullable().optional(),
    poolType: z.enum(POOL_TYPES).optional(),
    description: z.string().max(2000).optional(),
    site: z.string().max(200).nullable().optional(),
    isActive: z.boolean().optional(),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [locked] = await lockPools(tx, [args.poolId]);
      if (!locked) throw notFound(`Cannot update pool ${args.poolId}: no such pool`);
      const [old] = await tx.query<Record<string, unknown>>(sql("GetPool"), [args.poolId]);
      const p = plan({
        network: args.network ?? locked.network,
        gateway: args.gateway === undefined ? locked.gateway : args.gateway,
        dnsServers: args.dnsServers ?? locked.dns_servers,
        reservedRanges: args.reservedRanges ?? locked.reserved_ranges,
      });
      const oldPlan = planOf(locked);
      const exclusionsChanged = p.network !== oldPlan.network || p.gateway !== oldPlan.gateway ||
        p.dnsServers.join() !== oldPlan.dnsServers.join() ||
        p.reservedRanges.join() !== oldPlan.reservedRanges.join();
      if (exclusionsChanged) await refuseCoveringAllocations(tx, locked.id, locked.name, p);
      const [pool] = await tx.query<Record<string, unknown>>(sql("UpdatePool"), [
        locked.id,
        args.name ?? old.name,
        p.network,
        p.gateway,
        p.dnsServers,
        args.vlanId === undefined ? old.vlan_id : args.vlanId,
        args.poolType ?? old.pool_type,
        args.description ?? old.description,
        args.site === undefined ? old.site : args.site,
        p.reservedRanges,
        args.alertThreshold ?? locked.alert_threshold,
        args.isActive ?? locked.is_active,
      ]).catch(poolClash(args.name ?? String(old.name), undefined));
      if (exclusionsChanged || !locked.ranges_ready) await rebuildRanges(tx, locked.id, p);
      const active = BigInt(locked.active_count);
      await syncPoolThreshold(tx, ctx.actor, {
        poolId: locked.id,
        poolName: String(pool.name),
        threshold: Number(pool.alert_threshold),
        usable: usableOf(p),
        before: active,
        after: active,
      });
      await audit(tx, ctx.actor, {
        action: "update",
        entityType: "ip_pool",
        entityId: locked.id,
        oldValues: old,
        newValues: pool,
      });
      await publish(tx, { type: "pool-changed", poolId: locked.id, change: "updated" });
      return pool;
    });
  },
});

/** Refuses new exclusions or a new network that would strand an active allocation. */
async function refuseCoveringAllocations(
  tx: Queryable,
  poolId: string,
  name: string,
  p: PoolPlan,
): Promise<void> {
  const rows = await tx.query<{ ip_address: string }>(sql("ListActiveAddresses"), [poolId]);
  for (const r of rows) {
    const a = parseIp(r.ip_address);
    const inside = a.version === p.cidr.version && a.value >= p.usable.first &&
      a.value <= p.usable.last;
    const hit = inside && p.exclusions.find((s) => a.value >= s.first && a.value <= s.last);
    if (!inside || hit) {
      throw new AppError(
        "conflict",
        `Cannot update pool "${name}": ${formatIp(a)} is allocated and would be ${
          inside ? "excluded" : "outside the pool"
        }; release it first`,
        { ip: formatIp(a), poolId },
      );
    }
  }
}

const deletePool = defineTool({
  name: "delete-ip-pool",
  description:
    "Delete a pool with its allocation history. Refused while addresses are allocated unless force is true.",
  scope: "write",
  input: z.object({ poolId, force: z.boolean().optional() }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [locked] = await lockPools(tx, [args.poolId]);
      if (!locked) throw notFound(`Cannot delete pool ${args.poolId}: no such pool`);
      if (locked.active_count > 0 && !args.force) {
        throw new AppError(
          "conflict",
          `Cannot delete pool "${locked.name}": ${locked.active_count} addresses are allocated; release them or pass force`,
          { poolId: locked.id, allocated: locked.active_count },
        );
      }
      const [pool] = await tx.query<Record<string, unknown>>(sql("DeletePool"), [locked.id]);
      await resolveCondition(tx, ctx.actor, poolAlertKey(locked.id));
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "ip_pool",
        entityId: locked.id,
        oldValues: { ...pool, allocated_count: locked.active_count },
      });
      await publish(tx, { type: "pool-changed", poolId: locked.id, change: "deleted" });
      return { ...pool, deleted: true, released_count: locked.active_count };
    });
  },
});

const sampleSize = z.number().int().min(0).max(100).default(POOL_SAMPLE_SIZE);

const getPool = defineTool({
  name: "get-ip-pool",
  description: "One pool with usage figures and bounded samples of allocated and free addresses.",
  scope: "read",
  input: z.object({ poolId, sampleSize }).strict(),
  handler: async (args, ctx) => {
    const [pool] = await listPools(ctx.db, {
      poolId: args.poolId,
      limit: 1,
      offset: 0,
      sampleSize: args.sampleSize,
    });
    if (!pool) throw notFound(`Pool ${args.poolId} does not exist`, { poolId: args.poolId });
    return pool;
  },
});

const getPools = defineTool({
  name: "get-ip-pools",
  description:
    "List IP pools with usage: allocated_count, available_count, usage_percentage and bounded samples of allocated and available addresses (sampleSize per pool; by default 10 for pages of up to 100 pools, none for larger pages). Filters: poolType, vlanId, active, q.",
  scope: "read",
  input: z.object({
    poolType: z.enum(POOL_TYPES).optional(),
    vlanId: z.number().int().min(1).max(4094).optional(),
    active: z.boolean().optional(),
    q: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
    offset: z.number().int().min(0).default(0),
    sampleSize: z.number().int().min(0).max(100).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    const query = { ...args, q: args.q ? likeEscape(args.q) : undefined };
    if (args.sampleSize !== undefined) {
      return { pools: await listPools(ctx.db, { ...query, sampleSize: args.sampleSize }) };
    }
    // Samples cost two index probes per pool: by default only pages of up to
    // SAMPLED_PAGE_SIZE pools carry them, so a listing of 10,000 pools stays a plain scan.
    // One pool more than that is read with samples; a page that long is read again without.
    const pools = await listPools(ctx.db, {
      ...query,
      limit: Math.min(args.limit, SAMPLED_PAGE_SIZE + 1),
      sampleSize: POOL_SAMPLE_SIZE,
    });
    if (pools.length <= SAMPLED_PAGE_SIZE) return { pools };
    return { pools: await listPools(ctx.db, { ...query, sampleSize: 0 }) };
  },
});

export const ipPoolTools = [createPool, updatePool, deletePool, getPool, getPools];
