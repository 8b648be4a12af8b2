// Inventory tools: list devices, create or update one by its asset id, delete one, and edit
// the descriptive fields of an IP allocation that names a device.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import { checkDeviceAlerts, type DeviceSnapshot } from "../ipam/alerts.ts";
import type { Queryable } from "../db/db.ts";
import { AppError, conflict, invalid, notFound } from "../errors.ts";
import { MacParseError, validateMac } from "../ipam/addr.ts";
import { releaseIn } from "../ipam/allocator.ts";
import { id, likeEscape, limit, offset, shortText } from "./common.ts";
import { defineTool } from "./tool.ts";

export const DEVICE_STATUSES = [
  "active",
  "planned",
  "staged",
  "offline",
  "failed",
  "inventory",
  "decommissioning",
] as const;

const getDevices = defineTool({
  name: "get-devices",
  description: "List inventory devices, optionally filtered by type, site, status or text.",
  scope: "read",
  input: z.object({
    deviceType: z.string().max(100).optional(),
    site: z.string().max(200).optional(),
    status: z.enum(DEVICE_STATUSES).optional(),
    q: z.string().max(200).optional(),
    limit: limit,
    offset: offset,
  }).strict(),
  handler: async (args, ctx) => {
    const devices = await ctx.db.query(sql("ListDevices"), [
      args.deviceType ?? null,
      args.site ?? null,
      args.status ?? null,
      args.q ? likeEscape(args.q) : null,
      args.limit,
      args.offset,
    ]);
    return { devices };
  },
});

const saveDevice = defineTool({
  name: "save-device",
  description: "Create a device, or update the device with the same assetId.",
  scope: "write",
  input: z.object({
    assetId: shortText(200),
    deviceName: shortText(200),
    deviceType: z.string().trim().min(1).max(100).optional(),
    vendor: z.string().max(200).optional(),
    model: z.string().max(200).optional(),
    serialNumber: z.string().max(200).optional(),
    status: z.enum(DEVICE_STATUSES).optional(),
    site: z.string().max(200).optional(),
    location: z.string().max(200).optional(),
    primaryIp: z.string().max(64).optional(),
    managementIp: z.string().max(64).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx.query<Record<string, unknown>>(sql("UpsertDevice"), [
        args.assetId,
        args.deviceName,
        args.deviceType ?? null,
        args.vendor ?? null,
        args.model ?? null,
        args.serialNumber ?? null,
        args.status ?? null,
        args.site ?? null,
        args.location ?? null,
        args.primaryIp ?? null,
        args.managementIp ?? null,
        args.metadata === undefined ? null : JSON.stringify(args.metadata),
      ]);
      const { old_values: oldValues, ...device } = row;
      await audit(tx, ctx.actor, {
        action: oldValues ? "update" : "create",
        entityType: "network_device",
        entityId: device.id as number,
        oldValues: oldValues ?? undefined,
        newValues: device,
      });
      await publish(tx, { type: "device-changed", deviceId: device.id, assetId: device.asset_id });
      await checkDeviceAlerts(
        tx,
        ctx.actor,
        device as unknown as DeviceSnapshot,
        oldValues as { status?: string } | null,
      );
      return device;
    });
  },
});

const deleteDevice = defineTool({
  name: "delete-device",
  description:
    "Delete a device (by id or assetId) and its ports. Refused while the device's asset holds active IP allocations, unless force, which releases them in the same transaction.",
  scope: "write",
  input: z.object({
    id: id.optional(),
    assetId: z.string().trim().min(1).max(200).optional(),
    force: z.boolean().default(false),
  }).strict().refine((a) => a.id !== undefined || a.assetId !== undefined, {
    message: "Give id or assetId",
  }),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [device] = await tx.query<Record<string, unknown>>(sql("LockDevice"), [
        args.id ?? null,
        args.assetId ?? null,
      ]);
      const named = args.id !== undefined ? `Device ${args.id}` : `Device ${args.assetId}`;
      if (!device) {
        throw notFound(`${named} does not exist`, { id: args.id, assetId: args.assetId });
      }
      if (args.id !== undefined && args.assetId !== undefined && device.asset_id !== args.assetId) {
        throw invalid(`Device ${args.id} has asset id ${device.asset_id}, not ${args.assetId}`, {
          field: "assetId",
        });
      }
      const assetId = device.asset_id as string;
      const [{ active }] = await tx.query<{ active: number }>(sql("CountAssetAllocations"), [
        assetId,
      ]);
      if (active > 0 && !args.force) {
        throw conflict(
          `Cannot delete device ${assetId}: it holds ${active} active IP allocations; release them or pass force`,
          { assetId, activeAllocations: active },
        );
      }
      // Releasing through the allocator keeps free ranges, pool counts, alerts and events right;
      // it runs in this transaction, so a later failure also undoes the release.
      const released = active > 0 ? await releaseIn(tx, { assetId, actor: ctx.actor }) : [];
      const peers = await tx.query<{ id: number; device_id: number }>(sql("DeleteDevice"), [
        device.id,
      ]);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "network_device",
        entityId: device.id as number,
        oldValues: device,
      });
      for (const peer of peers) {
        await audit(tx, ctx.actor, {
          action: "update",
          entityType: "device_port",
          entityId: peer.id,
          oldValues: { connected_port_id: "deleted with device " + assetId },
          newValues: { connected_port_id: null },
        });
      }
      await publish(tx, {
        type: "device-changed",
        deviceId: device.id,
        assetId,
        change: "deleted",
      });
      await publishDevices(tx, peers.map((p) => p.device_id));
      return {
        ...device,
        deleted: true,
        released_count: released.length,
        released,
        disconnected_port_ids: peers.map((p) => p.id),
      };
    });
  },
});

/** Publishes device-changed once for each device named by id or by asset id. */
export async function publishDevices(
  tx: Queryable,
  ids: number[],
  assetIds: string[] = [],
): Promise<void> {
  if (!ids.length && !assetIds.length) return;
  const rows = await tx.query<{ id: number; asset_id: string }>(sql("DeviceAssetIds"), [
    [...new Set(ids.map(Number))],
    [...new Set(assetIds)],
  ]);
  for (const row of rows) {
    await publish(tx, { type: "device-changed", deviceId: row.id, assetId: row.asset_id });
  }
}

/** Normalises a MAC address argument; null clears it. */
export function macArg(value: string | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  try {
    return validateMac(value);
  } catch (err) {
    if (err instanceof MacParseError) {
      throw new AppError("invalid", `${field}: ${err.message}`, { field });
    }
    throw err;
  }
}

const optText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

const updateIpAllocation = defineTool({
  name: "update-ip-allocation",
  description:
    "Change the descriptive fields of an active IP allocation (description, hostname, macAddress, deviceName, assetId, deviceType); null clears one. The address and pool never change.",
  scope: "write",
  input: z.object({
    id,
    description: z.string().max(1000).nullable().optional(),
    hostname: optText(253),
    macAddress: optText(32),
    deviceName: optText(200),
    assetId: optText(200),
    deviceType: optText(100),
  }).strict(),
  handler: async (args, ctx) => {
    const mac = macArg(args.macAddress, "macAddress");
    return await ctx.db.transaction(async (tx) => {
      const [old] = await tx.query<Record<string, unknown>>(sql("LockIpAllocation"), [args.id]);
      if (!old) throw notFound(`IP allocation ${args.id} does not exist`, { id: args.id });
      if (!old.is_active) {
        throw conflict(
          `IP allocation ${args.id} (${old.ip_address}) was released; released rows are history and do not change`,
          { id: args.id },
        );
      }
      const pick = <T>(v: T | undefined, was: unknown) => v === undefined ? was : v;
      const [row] = await tx.query<Record<string, unknown>>(sql("UpdateIpAllocation"), [
        args.id,
        args.description === undefined ? old.description : (args.description ?? ""),
        pick(args.hostname, old.hostname),
        pick(mac, old.mac_address),
        pick(args.deviceName, old.device_name),
        pick(args.assetId, old.asset_id),
        pick(args.deviceType, old.device_type),
      ]);
      await audit(tx, ctx.actor, {
        action: "update",
        entityType: "ip_allocation",
        entityId: row.id as number,
        oldValues: old,
        newValues: row,
      });
      await publish(tx, {
        type: "pool-changed",
        poolId: row.pool_id,
        change: "allocation-updated",
        count: 1,
      });
      const assets = [old.asset_id, row.asset_id].filter((a): a is string => typeof a === "string");
      await publishDevices(tx, [], assets);
      return row;
    });
  },
});

export const deviceTools = [getDevices, saveDevice, deleteDevice, updateIpAllocation];
