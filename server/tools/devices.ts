// Inventory tools: list devices and create or update one by its asset id.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import { checkDeviceAlerts, type DeviceSnapshot } from "../ipam/alerts.ts";
import { likeEscape, limit, offset, shortText } from "./common.ts";
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

export const deviceTools = [getDevices, saveDevice];
