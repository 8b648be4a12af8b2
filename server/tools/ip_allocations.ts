// IP allocation tools: allocate-ip and release-ip. The allocator (server/ipam/allocator.ts) does
// the work; these handlers check the arguments and shape the replies.
import { z } from "zod";
import { AppError } from "../errors.ts";
import { validateMac } from "../ipam/addr_parse.ts";
import { MacParseError } from "../ipam/addr_types.ts";
import { allocate, type AllocationRow, release } from "../ipam/allocator.ts";
import { assetId, poolId } from "./common.ts";
import { addrText } from "./ip_pools.ts";
import { defineTool } from "./tool.ts";

const allocateIp = defineTool({
  name: "allocate-ip",
  description:
    "Allocate the lowest free address of a pool (or a specific `ip`, or `count` addresses all or nothing). A retried call with the same idempotencyKey returns the same allocation. `notes` (or `description`) is stored with each address.",
  scope: "write",
  input: z.object({
    poolId,
    assetId: assetId.optional(),
    deviceName: z.string().trim().min(1).max(255).optional(),
    deviceType: z.string().trim().min(1).max(50).optional(),
    ip: addrText.optional(),
    count: z.number().int().min(1).max(1024).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
    macAddress: z.string().trim().min(1).max(32).optional(),
    hostname: z.string().trim().min(1).max(253).optional(),
    notes: z.string().max(2000).optional(),
    /** The older name of notes. */
    description: z.string().max(2000).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    if (
      args.notes !== undefined && args.description !== undefined &&
      args.notes !== args.description
    ) {
      throw new AppError("invalid", "notes: give notes or description (its older name), not both", {
        field: "notes",
      });
    }
    if (args.ip !== undefined && (args.count ?? 1) !== 1) {
      throw new AppError("invalid", "count: a specific ip allocates exactly one address", {
        field: "count",
      });
    }
    let mac: string | null = null;
    if (args.macAddress !== undefined) {
      try {
        mac = validateMac(args.macAddress);
      } catch (err) {
        if (err instanceof MacParseError) {
          throw new AppError("invalid", `macAddress: ${err.message}`, { field: "macAddress" });
        }
        throw err;
      }
    }
    const out = await allocate(ctx.db, {
      poolId: args.poolId,
      count: args.count,
      ip: args.ip,
      idempotencyKey: args.idempotencyKey,
      assetId: args.assetId,
      deviceName: args.deviceName,
      deviceType: args.deviceType,
      macAddress: mac,
      hostname: args.hostname,
      notes: args.notes ?? args.description,
      actor: ctx.actor,
    });
    // The first allocation's fields stay at the top level, as single allocations always were.
    return { ...out.allocations[0], allocations: out.allocations, replayed: out.replayed };
  },
});

const releaseIp = defineTool({
  name: "release-ip",
  description:
    "Release an allocated address of a pool (ip and poolId), or every address of an asset (assetId); history is kept.",
  scope: "write",
  input: z.object({
    ip: addrText.optional(),
    poolId: poolId.optional(),
    assetId: assetId.optional(),
  }).strict().refine(
    (a) => a.assetId !== undefined || (a.ip !== undefined && a.poolId !== undefined),
    {
      message: "Give ip and poolId, or assetId",
    },
  ),
  handler: async (args, ctx) => {
    const released: AllocationRow[] = await release(ctx.db, {
      poolId: args.poolId,
      ip: args.assetId === undefined ? args.ip : undefined,
      assetId: args.assetId,
      actor: ctx.actor,
    });
    return { ...released[0], released, released_count: released.length };
  },
});

export const ipAllocationTools = [allocateIp, releaseIp];
