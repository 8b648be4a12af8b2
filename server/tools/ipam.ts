// IP pool tools: create and list pools, allocate and release addresses.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { AppError, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { id, shortText } from "./common.ts";
import { defineTool } from "./tool.ts";

/** How many addresses get-ip-pools lists per pool in `allocated` and `available`. */
export const POOL_SAMPLE_SIZE = 10;

const createPool = defineTool({
  name: "create-ip-pool",
  description: "Create an IP pool for a network (CIDR), with optional gateway and DNS servers.",
  scope: "write",
  input: z.object({
    name: shortText(200),
    network: z.string().min(2).max(64),
    gateway: z.string().max(64).optional(),
    dnsServers: z.array(z.string().max(64)).max(16).optional(),
    vlanId: z.number().int().min(1).max(4094).optional(),
    poolType: z.enum([
      "static",
      "dhcp",
      "management",
      "infrastructure",
      "loopback",
      "point_to_point",
      "reserved",
    ]).optional(),
    description: z.string().max(2000).optional(),
    site: z.string().max(200).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [pool] = await tx.query(sql("InsertPool"), [
        args.name,
        args.network,
        args.gateway ?? null,
        args.dnsServers ?? [],
        args.vlanId ?? null,
        args.poolType ?? "static",
        args.description ?? "",
        args.site ?? null,
      ]).catch((err) => {
        if (err?.code === "23505") {
          throw new AppError("conflict", `A pool named "${args.name}" already exists`);
        }
        throw err;
      });
      await audit(tx, ctx.actor, {
        action: "create",
        entityType: "ip_pool",
        entityId: pool.id as number,
        newValues: pool,
      });
      await publish(tx, { type: "pool-changed", poolId: pool.id, change: "created" });
      return pool;
    });
  },
});

const getPools = defineTool({
  name: "get-ip-pools",
  description:
    "List IP pools with usage: allocated_count, available_count, usage_percentage and bounded samples of allocated and available addresses.",
  scope: "read",
  input: z.object({}).strict(),
  handler: async (_args, ctx) => {
    const pools = await ctx.db.query<Record<string, unknown>>(sql("ListPools"), [
      POOL_SAMPLE_SIZE,
    ]);
    for (const pool of pools) {
      const free = await ctx.db.query<{ ip_address: string }>(sql("FindFreeAddresses"), [
        pool.id,
        POOL_SAMPLE_SIZE,
      ]);
      pool.available = free.map((r) => r.ip_address);
      pool.available_count = countValue(pool.available_count as string);
      pool.usable_count = countValue(pool.usable_count as string);
    }
    return { pools };
  },
});

/** Counts up to 2^53 as numbers; larger ones (IPv6) as exact decimal strings. */
export function countValue(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const allocateIp = defineTool({
  name: "allocate-ip",
  description: "Allocate the lowest free address of a pool to a device.",
  scope: "write",
  input: z.object({
    poolId: id,
    assetId: z.string().trim().min(1).max(200).optional(),
    deviceName: z.string().trim().min(1).max(200).optional(),
    deviceType: z.string().trim().min(1).max(100).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [pool] = await tx.query<{ id: number; name: string; is_active: boolean }>(
        sql("LockPool"),
        [args.poolId],
      );
      if (!pool) throw notFound(`Cannot allocate from pool ${args.poolId}: no such pool`);
      if (!pool.is_active) {
        throw new AppError(
          "conflict",
          `Cannot allocate from pool "${pool.name}": pool is inactive`,
        );
      }
      const [free] = await tx.query<{ ip_address: string }>(sql("FindFreeAddresses"), [
        pool.id,
        1,
      ]);
      if (!free) {
        throw new AppError(
          "exhausted",
          `Cannot allocate from pool "${pool.name}": pool is exhausted`,
          {
            poolId: pool.id,
          },
        );
      }
      const [allocation] = await tx.query(sql("InsertAllocation"), [
        pool.id,
        free.ip_address,
        args.assetId ?? null,
        args.deviceName ?? null,
        args.deviceType ?? null,
        null,
        null,
        null,
        ctx.actor.user,
      ]);
      await audit(tx, ctx.actor, {
        action: "allocate",
        entityType: "ip_allocation",
        entityId: allocation.id as number,
        newValues: allocation,
      });
      await publish(tx, { type: "pool-changed", poolId: pool.id, change: "allocated" });
      return allocation;
    });
  },
});

const releaseIp = defineTool({
  name: "release-ip",
  description: "Release an allocated address of a pool; its history is kept.",
  scope: "write",
  input: z.object({ ip: z.string().min(2).max(64), poolId: id }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [released] = await tx.query(sql("ReleaseAllocation"), [
        args.poolId,
        args.ip,
        ctx.actor.user,
      ]);
      if (!released) {
        throw notFound(`Cannot release ${args.ip}: it is not allocated in pool ${args.poolId}`);
      }
      await audit(tx, ctx.actor, {
        action: "release",
        entityType: "ip_allocation",
        entityId: released.id as number,
        newValues: released,
      });
      await publish(tx, { type: "pool-changed", poolId: args.poolId, change: "released" });
      return released;
    });
  },
});

export const ipamTools = [createPool, getPools, allocateIp, releaseIp];
