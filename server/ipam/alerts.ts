// Alerts the system raises by itself: pool_exhausted, ip_conflict and device_down. Each open
// condition has a dedup key, so a condition is raised once however often it is observed (the
// partial unique index uq_alerts_open_dedup makes that hold across processes), and resolved
// when it no longer holds. Every transition writes an audit row (raising is a "create" of the
// alert, resolving an "update") and publishes an "alert" event inside the caller's transaction.
import { audit } from "../audit.ts";
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import type { Actor } from "../auth/actor.ts";

export type AlertType = "ip_conflict" | "pool_exhausted" | "device_down";
export type Severity = "info" | "warning" | "critical";
export type AlertRow = Record<string, unknown>;

export interface NewAlert {
  type: AlertType;
  severity: Severity;
  title: string;
  message: string;
  source?: string;
  entityType: string;
  entityId: string | number;
  dedupKey: string;
  details?: Record<string, unknown>;
}

/** Who system transitions are recorded as when no user caused them directly. */
export const SYSTEM_USER = "system";

/** Raises an alert unless the same condition is already open; returns the new row or null. */
export async function raiseAlert(
  tx: Queryable,
  actor: Actor,
  alert: NewAlert,
): Promise<AlertRow | null> {
  const [row] = await tx.query<AlertRow>(sql("InsertAlert"), [
    alert.type,
    alert.severity,
    alert.title,
    alert.message,
    alert.source ?? "system",
    alert.entityType,
    String(alert.entityId),
    alert.dedupKey,
    JSON.stringify(alert.details ?? {}),
  ]);
  if (!row) return null;
  await audit(tx, actor, {
    action: "create",
    entityType: "alert",
    entityId: row.id as number,
    newValues: row,
  });
  await publish(tx, { type: "alert", alert: row });
  return row;
}

/** Resolves the open alert of a condition that no longer holds; returns the resolved rows. */
export async function resolveCondition(
  tx: Queryable,
  actor: Actor,
  dedupKey: string,
): Promise<AlertRow[]> {
  const rows = await tx.query<AlertRow>(sql("ResolveAlertsByKey"), [dedupKey, SYSTEM_USER]);
  for (const row of rows) {
    await audit(tx, actor, {
      action: "update",
      entityType: "alert",
      entityId: row.id as number,
      newValues: row,
    });
    await publish(tx, { type: "alert", alert: row });
  }
  return rows;
}

export const poolAlertKey = (poolId: string) => `pool_exhausted:pool:${poolId}`;
export const ipConflictKey = (ip: string) => `ip_conflict:ip:${ip}`;
export const deviceIpConflictKey = (ip: string) => `ip_conflict:device-ip:${ip}`;
export const deviceDownKey = (assetId: string) => `device_down:device:${assetId}`;

/** Whether `active` of `usable` addresses is at or above `threshold` percent (exact). */
export function atOrAbove(active: bigint, usable: bigint, threshold: number): boolean {
  if (usable <= 0n) return true;
  const cents = BigInt(Math.round(threshold * 100));
  return active * 10000n >= cents * usable;
}

export interface PoolUsageChange {
  poolId: string;
  poolName: string;
  threshold: number;
  usable: bigint;
  before: bigint;
  after: bigint;
}

/**
 * Raises pool_exhausted when usage crosses the threshold upwards and resolves it when usage
 * falls back below. A change that stays on one side does nothing, so a pool that stays full
 * is reported once.
 */
export async function checkPoolThreshold(
  tx: Queryable,
  actor: Actor,
  c: PoolUsageChange,
): Promise<void> {
  const was = atOrAbove(c.before, c.usable, c.threshold);
  const is = atOrAbove(c.after, c.usable, c.threshold);
  if (!was && is) await raisePoolAlert(tx, actor, c);
  else if (was && !is) await resolveCondition(tx, actor, poolAlertKey(c.poolId));
}

/** Brings the pool_exhausted alert in line with the current usage (threshold or size changed). */
export async function syncPoolThreshold(
  tx: Queryable,
  actor: Actor,
  c: PoolUsageChange,
): Promise<void> {
  if (atOrAbove(c.after, c.usable, c.threshold)) await raisePoolAlert(tx, actor, c);
  else await resolveCondition(tx, actor, poolAlertKey(c.poolId));
}

async function raisePoolAlert(tx: Queryable, actor: Actor, c: PoolUsageChange): Promise<void> {
  const pct = c.usable <= 0n ? 100 : Number((c.after * 10000n) / c.usable) / 100;
  await raiseAlert(tx, actor, {
    type: "pool_exhausted",
    severity: c.after >= c.usable ? "critical" : "warning",
    title: `Pool "${c.poolName}" is ${pct}% used`,
    message:
      `Pool "${c.poolName}" has ${c.after} of ${c.usable} usable addresses allocated, at or above its ${c.threshold}% threshold`,
    entityType: "ip_pool",
    entityId: c.poolId,
    dedupKey: poolAlertKey(c.poolId),
    details: {
      poolId: c.poolId,
      allocated: c.after.toString(),
      usable: c.usable.toString(),
      usagePercentage: pct,
      threshold: c.threshold,
    },
  });
}

/** A device as alert checks see it; devices are identified by their asset id. */
export interface DeviceSnapshot {
  asset_id: string;
  device_name: string;
  status: string;
  primary_ip: string | null;
  management_ip: string | null;
}

const DOWN_STATUSES = new Set(["offline", "failed"]);

/**
 * Alert checks after a device was created or changed: its addresses clashing with another
 * device's (ip_conflict), and its status leaving active for a down state (device_down, resolved
 * when it comes back to active).
 */
export async function checkDeviceAlerts(
  tx: Queryable,
  actor: Actor,
  device: DeviceSnapshot,
  previous: { status?: string } | null,
): Promise<void> {
  const ips = [...new Set([device.primary_ip, device.management_ip].filter((x) => x))] as string[];
  if (ips.length) {
    const clashes = await tx.query<DeviceSnapshot>(sql("DeviceIpClashes"), [device.asset_id, ips]);
    for (const ip of ips) {
      const others = clashes.filter((o) => o.primary_ip === ip || o.management_ip === ip);
      if (!others.length) continue;
      await raiseAlert(tx, actor, {
        type: "ip_conflict",
        severity: "critical",
        title: `${ip} is used by more than one device`,
        message: `Device ${device.asset_id} (${device.device_name}) uses ${ip}, as does ${
          others.map((o) => `${o.asset_id} (${o.device_name})`).join(", ")
        }`,
        entityType: "device",
        entityId: device.asset_id,
        dedupKey: deviceIpConflictKey(ip),
        details: { ip, devices: [device.asset_id, ...others.map((o) => o.asset_id)] },
      });
    }
  }
  if (previous?.status === "active" && DOWN_STATUSES.has(device.status)) {
    await raiseDeviceDown(tx, actor, device, `status changed from active to ${device.status}`);
  } else if (device.status === "active" && previous && previous.status !== "active") {
    await resolveCondition(tx, actor, deviceDownKey(device.asset_id));
  }
}

/**
 * Alert check after a device's ports changed: every port down raises device_down; any port
 * up again resolves it. Callers that write device_ports call this in the same transaction,
 * with the device's asset id (what device_ports.device_id holds).
 */
export async function checkDevicePorts(
  tx: Queryable,
  actor: Actor,
  assetId: string,
): Promise<void> {
  const [device] = await tx.query<DeviceSnapshot>(sql("GetDeviceBrief"), [assetId]);
  if (!device) return;
  const [ports] = await tx.query<{ total: number; down: number }>(sql("DevicePortStates"), [
    assetId,
  ]);
  if (ports.total > 0 && ports.down === ports.total) {
    await raiseDeviceDown(tx, actor, device, `all ${ports.total} ports are down`);
  } else if (ports.total > 0 && ports.down < ports.total && device.status === "active") {
    await resolveCondition(tx, actor, deviceDownKey(device.asset_id));
  }
}

async function raiseDeviceDown(
  tx: Queryable,
  actor: Actor,
  device: DeviceSnapshot,
  why: string,
): Promise<void> {
  await raiseAlert(tx, actor, {
    type: "device_down",
    severity: "critical",
    title: `Device ${device.device_name} is down`,
    message: `Device ${device.asset_id} (${device.device_name}) is down: ${why}`,
    entityType: "device",
    entityId: device.asset_id,
    dedupKey: deviceDownKey(device.asset_id),
    details: { assetId: device.asset_id, status: device.status, reason: why },
  });
}
