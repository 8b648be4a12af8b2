// Reads the part of the inventory a generated diagram's scope selects (its devices and the cables
// between them) as an InventoryGraph, for generate-diagram and refresh-diagram alike. A scope over
// the configured device limit is refused here, before anything is laid out.
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { invalid } from "../errors.ts";
import {
  type DiagramScope,
  type InventoryDevice,
  type InventoryGraph,
  type InventoryLink,
  linkKey,
} from "./inventory_graph.ts";

/** The setting behind ScopeLimits.maxDevices, named in refusals. */
export const MAX_DEVICES_SETTING = "ARCHIFLOW_GENERATE_MAX_DEVICES";

export interface ScopeLimits {
  /** Most devices one generated diagram may show (ARCHIFLOW_GENERATE_MAX_DEVICES). */
  maxDevices: number;
}

/** A device of the graph, and whether only includeNeighbors brought it in. */
export interface ScopedDevice extends InventoryDevice {
  neighbor: boolean;
}

export interface ScopedGraph extends InventoryGraph {
  devices: ScopedDevice[];
}

/** Whether the scope selects devices by anything; a scope that does not would take them all. */
export function scopeSelects(scope: DiagramScope): boolean {
  return Boolean(
    scope.site?.trim() || scope.tag?.trim() || scope.role?.trim() ||
      (scope.deviceIds && scope.deviceIds.length > 0),
  );
}

/** Refuses a scope without any device selector. */
export function checkScope(scope: DiagramScope): void {
  if (!scopeSelects(scope)) {
    throw invalid(
      "Cannot read the inventory for a diagram: the scope selects no devices; give a site, tag, role or deviceIds",
      { field: "scope", reason: "no_selector" },
    );
  }
}

interface DeviceRow {
  asset_id: string;
  device_name: string;
  device_type: string;
  role: string | null;
  site: string | null;
  rack: string | null;
  status: string;
  ip: string | null;
  netbox_id: number | null;
  neighbor: boolean;
  total: number;
}

const text = (s: string | undefined) => (s === undefined || s.trim() === "" ? null : s.trim());

/**
 * The devices and cables of a scope, devices ordered by asset id and links by key (the same
 * inventory gives the same graph). An empty scope gives an empty graph; a scope with no
 * selector, or over `limits.maxDevices` devices, is refused (`invalid`).
 */
export async function readInventoryScope(
  db: Queryable,
  scope: DiagramScope,
  limits: ScopeLimits,
): Promise<ScopedGraph> {
  checkScope(scope);
  const ids = scope.deviceIds && scope.deviceIds.length > 0 ? scope.deviceIds : null;
  const rows = await db.query<DeviceRow>(sql("InventoryScopeDevices"), [
    text(scope.site),
    text(scope.tag),
    text(scope.role),
    ids,
    scope.includeNeighbors === true,
    limits.maxDevices + 1,
  ]);
  const total = rows.length === 0 ? 0 : Number(rows[0].total);
  if (total > limits.maxDevices) {
    throw invalid(
      `Cannot draw ${total} devices in one diagram: the limit is ${limits.maxDevices} (set by ${MAX_DEVICES_SETTING}); choose a narrower scope (a site, tag or role${
        scope.includeNeighbors ? ", or without includeNeighbors" : ""
      })`,
      {
        field: "scope",
        reason: "too_many_devices",
        devices: total,
        limit: limits.maxDevices,
        setting: MAX_DEVICES_SETTING,
      },
    );
  }
  const devices: ScopedDevice[] = rows.map((r) => ({
    assetId: r.asset_id,
    name: r.device_name,
    deviceType: r.device_type,
    role: r.role,
    site: r.site,
    rack: r.rack,
    status: r.status,
    ip: r.ip,
    netboxId: r.netbox_id === null ? null : Number(r.netbox_id),
    neighbor: r.neighbor === true,
  }));
  devices.sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
  if (devices.length === 0) return { devices, links: [] };
  const ends = await db.query<{ a: string; a_port: string; b: string; b_port: string }>(
    sql("InventoryScopeLinks"),
    [devices.map((d) => d.assetId)],
  );
  const links = new Map<string, InventoryLink>();
  for (const e of ends) {
    const key = linkKey(e.a, e.a_port, e.b, e.b_port);
    if (links.has(key)) continue;
    // The end that sorts first is the source, whichever end the row was read from.
    const first = `${e.a}:${e.a_port}` < `${e.b}:${e.b_port}`;
    links.set(key, {
      key,
      sourceAssetId: first ? e.a : e.b,
      sourcePort: first ? e.a_port : e.b_port,
      targetAssetId: first ? e.b : e.a,
      targetPort: first ? e.b_port : e.a_port,
    });
  }
  return {
    devices,
    links: [...links.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}
