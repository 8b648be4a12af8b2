// Inventory tools: list devices, create or update one by its asset id (the device's key
// everywhere: ports, events, audit), delete one, and edit the descriptive fields of an IP
// allocation that names a device.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import { checkDeviceAlerts, type DeviceSnapshot } from "../ipam/alerts.ts";
import type { Queryable } from "../db/db.ts";
import { AppError, conflict, invalid, notFound } from "../errors.ts";
import { validateMac } from "../ipam/addr_parse.ts";
import { MacParseError } from "../ipam/addr_types.ts";
import { releaseIn } from "../ipam/allocator.ts";
import { assetId, id, likeEscape, shortText } from "./common.ts";
import { defineTool } from "./tool.ts";

/** The document's statuses, then NetBox's (which a sync brings in). */
export const DEVICE_STATUSES = [
  "active",
  "inactive",
  "maintenance",
  "decommissioned",
  "planned",
  "staged",
  "offline",
  "failed",
  "inventory",
  "decommissioning",
] as const;

const deviceFilters = {
  deviceType: z.string().max(50).optional(),
  site: z.string().max(200).optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  q: z.string().max(200).optional(),
};

const getDevices = defineTool({
  name: "get-devices",
  description:
    "List inventory devices, optionally filtered by type, site, status or text. Every matching device is returned unless limit is given; count is the number of all matching devices.",
  scope: "read",
  input: z.object({
    ...deviceFilters,
    limit: z.number().int().min(1).optional(),
    offset: z.number().int().min(0).default(0),
  }).strict(),
  handler: async (args, ctx) => {
    const filters = [
      args.deviceType ?? null,
      args.site ?? null,
      args.status ?? null,
      args.q ? likeEscape(args.q) : null,
    ];
    const rows = await ctx.db.query<Record<string, unknown>>(sql("ListDevices"), [
      ...filters,
      args.limit ?? null,
      args.offset,
    ]);
    // Each row carries the total; a page past the end has no row to carry it.
    const count = rows.length
      ? Number(rows[0].total)
      : args.offset > 0
      ? (await ctx.db.query<{ total: number }>(sql("CountDevices"), filters))[0].total
      : 0;
    const devices = rows.map(({ total: _total, ...device }) => device);
    return { devices, count };
  },
});

const saveDevice = defineTool({
  name: "save-device",
  description: "Create a device, or update the device with the same assetId.",
  scope: "write",
  input: z.object({
    assetId,
    deviceName: shortText(255),
    deviceType: z.string().trim().min(1).max(50).optional(),
    vendor: z.string().max(100).optional(),
    model: z.string().max(100).optional(),
    serialNumber: z.string().max(255).optional(),
    status: z.enum(DEVICE_STATUSES).optional(),
    site: z.string().max(200).optional(),
    location: z.string().max(255).optional(),
    rackPosition: z.string().max(50).optional(),
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
        args.rackPosition ?? null,
        ctx.actor.user,
      ]);
      const { old_values: oldValues, ...device } = row;
      await audit(tx, ctx.actor, {
        action: oldValues ? "update" : "create",
        entityType: "device",
        entityId: device.asset_id as string,
        oldValues: oldValues ?? undefined,
        newValues: device,
      });
      await publishDevices(tx, [device.asset_id as string]);
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
    "Delete a device (by assetId; id is the same asset id) and its ports. Refused while the device's asset holds active IP allocations, unless force, which releases them in the same transaction.",
  scope: "write",
  input: z.object({
    id: assetId.optional(),
    assetId: assetId.optional(),
    force: z.boolean().default(false),
  }).strict().refine((a) => a.id !== undefined || a.assetId !== undefined, {
    message: "Give assetId",
  }),
  handler: async (args, ctx) => {
    if (args.id !== undefined && args.assetId !== undefined && args.id !== args.assetId) {
      throw invalid(`id ${args.id} and assetId ${args.assetId} name different devices`, {
        field: "assetId",
      });
    }
    const wanted = (args.assetId ?? args.id)!;
    return await ctx.db.transaction(async (tx) => {
      const [device] = await tx.query<Record<string, unknown>>(sql("LockDevice"), [wanted]);
      if (!device) {
        throw notFound(`Device ${wanted} does not exist`, { assetId: wanted });
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
      const peers = await tx.query<{
        id: number;
        device_id: string;
        connected_to_device: string;
        connected_to_port: string;
      }>(sql("DeleteDevice"), [assetId]);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "device",
        entityId: assetId,
        oldValues: device,
      });
      for (const peer of peers) {
        await audit(tx, ctx.actor, {
          action: "update",
          entityType: "port",
          entityId: peer.id,
          oldValues: {
            connected_to_device: peer.connected_to_device,
            connected_to_port: peer.connected_to_port,
          },
          newValues: { connected_to_device: null, connected_to_port: null },
        });
      }
      await publish(tx, {
        type: "device-changed",
        deviceId: assetId,
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

/** Publishes device-changed once for each existing device among the asset ids. */
export async function publishDevices(tx: Queryable, assetIds: string[]): Promise<void> {
  const wanted = [...new Set(assetIds.filter((a) => a !== ""))];
  if (!wanted.length) return;
  const rows = await tx.query<{ asset_id: string }>(sql("DeviceAssetIds"), [wanted]);
  for (const row of rows) {
    await publish(tx, { type: "device-changed", deviceId: row.asset_id, assetId: row.asset_id });
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
    "Change the descriptive fields of an active IP allocation (notes, also accepted as description, hostname, macAddress, deviceName, assetId, deviceType); null clears one. The address and pool never change.",
  scope: "write",
  input: z.object({
    id,
    notes: z.string().max(1000).nullable().optional(),
    description: z.string().max(1000).nullable().optional(),
    hostname: optText(253),
    macAddress: optText(32),
    deviceName: optText(255),
    assetId: optText(100),
    deviceType: optText(50),
  }).strict().refine(
    (a) => a.notes === undefined || a.description === undefined || a.notes === a.description,
    { message: "notes and description are the same field; give one" },
  ),
  handler: async (args, ctx) => {
    const mac = macArg(args.macAddress, "macAddress");
    const notes = args.notes !== undefined ? args.notes : args.description;
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
      // '' is "no asset" in the table; null clears it.
      const [row] = await tx.query<Record<string, unknown>>(sql("UpdateIpAllocation"), [
        args.id,
        notes === undefined ? old.notes : (notes ?? ""),
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
      await publishDevices(tx, assets);
      return row;
    });
  },
});

export const deviceTools = [getDevices, saveDevice, deleteDevice, updateIpAllocation];
