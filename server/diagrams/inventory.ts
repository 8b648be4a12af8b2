// Devices and links taken from shapes (ARCHITECTURE.md §4.3): planInventory() turns a parsed
// diagram into the rows it implies (pure), syncInventory() writes them set-based, one statement
// per table whatever the diagram's size, inside the caller's transaction.
//
// What a save does to inventory:
// - every shape with `asset_id` creates or refreshes its `network_devices` row: name from the
//   label, `device_type`, `ip_address` as primary_ip when it is a valid address, `site` from the
//   shape or the diagram; attributes a shape does not carry keep their stored values;
// - every edge between two such shapes with both `source_port` and `target_port` creates the
//   ports as needed (by device asset id and port name) and connects them both ways (each port's
//   connected_to_device / connected_to_port name the other); the diagram is recorded as the
//   link's maker in `diagram_links`;
// - audit: one row per device created or changed, one per link connected or disconnected
//   between ports that existed before (naming both ports), and in the diagram's own row the
//   counts and the links made between ports the save created (which, like the new ports
//   themselves, get no row each: for a large new drawing those rows would cost more than
//   storing the drawing);
// - a link the diagram made and no longer draws (edge or shape deleted, port renamed) is
//   unplugged unless another diagram also draws it; devices are never deleted by a drawing;
// - a link whose port is already cabled to another port is not made: the save succeeds and
//   reports it under `conflicts`; a cable that existed before any diagram drew it is never
//   claimed, so deleting the edge leaves it alone.
import { auditActor } from "../audit.ts";
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { isValidIp } from "../ipam/addr_parse.ts";
import type { Actor } from "../auth/actor.ts";
import type { DiagramJson } from "./model.ts";

export interface PlannedDevice {
  assetId: string;
  name: string;
  deviceType: string | null;
  primaryIp: string | null;
  site: string | null;
}

export interface PlannedLink {
  pageId: string;
  edgeId: string;
  sourceAsset: string;
  sourcePort: string;
  targetAsset: string;
  targetPort: string;
}

export interface SkippedLink {
  page_id: string;
  edge_id: string;
  reason: "missing_port" | "same_port" | "port_used_twice" | "port_connected_elsewhere";
  detail?: string;
}

export interface InventoryPlan {
  devices: PlannedDevice[];
  links: PlannedLink[];
  skipped: SkippedLink[];
}

export interface InventorySummary {
  devices_created: number;
  devices_updated: number;
  ports_created: number;
  links_connected: number;
  links_disconnected: number;
  links_skipped: number;
  /** The first skipped links (at most 100), with why. */
  skipped: SkippedLink[];
}

const MAX_REPORTED = 100;

/**
 * The links a save made between ports it created, as the diagram's audit row lists them: one
 * row per link, its values in the order `columns` names (a table rather than one object per
 * link: a tenth of the keys to store for a large drawing).
 */
export interface NewLinks {
  columns: typeof NEW_LINK_COLUMNS;
  rows: [number, number, string, string][];
}
const NEW_LINK_COLUMNS = ["port_a_id", "port_b_id", "page_id", "edge_id"] as const;

/** What syncInventory did: the summary callers report, and the new links their audit lists. */
export interface InventoryWrite {
  summary: InventorySummary;
  newLinks: NewLinks;
}

/** The address part of `ip_address` when it is a valid IPv4/IPv6 address (a prefix is dropped). */
export function deviceIp(raw: string | null): string | null {
  if (raw === null) return null;
  const text = raw.trim().replace(/\/\d{1,3}$/, "");
  return text !== "" && isValidIp(text) ? text : null;
}

/** The rows a diagram implies. Devices drawn twice count once (the first shape wins). */
export function planInventory(dj: DiagramJson, diagramSite: string | null): InventoryPlan {
  const devices: PlannedDevice[] = [];
  const seen = new Set<string>();
  // Shapes' own sites, by page and cell id.
  const siteOf = new Map<string, Map<string, string>>();
  for (const page of dj.pages) {
    const sites = new Map<string, string>();
    for (const v of page.vertices) if (v.attributes.site) sites.set(v.id, v.attributes.site);
    siteOf.set(page.id, sites);
  }
  for (const d of dj.devices) {
    const assetId = d.assetId.trim();
    if (assetId === "" || assetId.length > 200 || seen.has(assetId)) continue;
    seen.add(assetId);
    const name = deviceName(d.name);
    const site = siteOf.get(d.pageId)?.get(d.cellId)?.trim() || diagramSite;
    devices.push({
      assetId,
      name: name === "" ? assetId : name,
      deviceType: d.deviceType?.trim() || null,
      primaryIp: deviceIp(d.ipAddress),
      site: site || null,
    });
  }
  const links: PlannedLink[] = [];
  const skipped: SkippedLink[] = [];
  // Ports taken by a link so far, by asset.
  const used = new Map<string, Set<string>>();
  const taken = (asset: string, port: string) => used.get(asset)?.has(port) ?? false;
  const take = (asset: string, port: string) => {
    const ports = used.get(asset);
    if (ports) ports.add(port);
    else used.set(asset, new Set([port]));
  };
  for (const l of dj.links) {
    const sourcePort = l.source.port?.trim() ?? "";
    const targetPort = l.target.port?.trim() ?? "";
    const sourceAsset = l.source.assetId.trim();
    const targetAsset = l.target.assetId.trim();
    const at = { page_id: l.pageId, edge_id: l.edgeId };
    if (
      sourcePort === "" || targetPort === "" || !seen.has(sourceAsset) || !seen.has(targetAsset)
    ) {
      skipped.push({ ...at, reason: "missing_port" });
      continue;
    }
    if (sourceAsset === targetAsset && sourcePort === targetPort) {
      skipped.push({ ...at, reason: "same_port" });
      continue;
    }
    // A port takes one cable: the first edge drawn on it wins.
    const sourceTaken = taken(sourceAsset, sourcePort);
    if (sourceTaken || taken(targetAsset, targetPort)) {
      skipped.push({
        ...at,
        reason: "port_used_twice",
        detail: sourceTaken ? `${sourceAsset} ${sourcePort}` : `${targetAsset} ${targetPort}`,
      });
      continue;
    }
    take(sourceAsset, sourcePort);
    take(targetAsset, targetPort);
    links.push({
      pageId: l.pageId,
      edgeId: l.edgeId,
      sourceAsset,
      sourcePort,
      targetAsset,
      targetPort,
    });
  }
  return { devices, links, skipped };
}

/** Who made the changes, as the inventory statements' audit rows take it. */
function actorParams(actor: Actor): unknown[] {
  return auditActor(actor);
}

/**
 * Writes a plan for one diagram: devices, ports, unplugged stale links, new links. A diagram
 * that has made no links (`noLinks`: created in the caller's transaction, or without network
 * shapes so far) has none to unplug, and a plan without devices and links then writes nothing,
 * not even the inventory lock.
 */
export async function syncInventory(
  tx: Queryable,
  actor: Actor,
  diagramId: string,
  plan: InventoryPlan,
  noLinks = false,
): Promise<InventoryWrite> {
  const summary: InventorySummary = {
    devices_created: 0,
    devices_updated: 0,
    ports_created: 0,
    links_connected: 0,
    links_disconnected: 0,
    links_skipped: plan.skipped.length,
    skipped: plan.skipped.slice(0, MAX_REPORTED),
  };
  const newLinks: NewLinks = { columns: NEW_LINK_COLUMNS, rows: [] };
  if (noLinks && plan.devices.length === 0 && plan.links.length === 0) {
    return { summary, newLinks };
  }
  const who = actorParams(actor);
  const n = plan.links.length;
  // The lock, the devices and the ports go out together (each queues behind the one before on
  // the transaction's connection, and the ports find their devices by asset id), so the
  // database is never idle waiting for this process between them.
  const [, devices, ports] = await Promise.all([
    tx.query(sql("LockDiagramInventory")),
    plan.devices.length === 0 ? [] : tx.query<{ created: number; updated: number }>(
      sql("UpsertDiagramDevices"),
      [
        plan.devices.map((d) => d.assetId),
        plan.devices.map((d) => d.name),
        plan.devices.map((d) => d.deviceType),
        plan.devices.map((d) => d.primaryIp),
        plan.devices.map((d) => d.site),
        ...who,
        diagramId,
      ],
    ),
    n === 0 ? [] : tx.query<
      { created: number; src: number[] | null; dst: number[] | null; fresh: boolean[] | null }
    >(sql("InsertDiagramPorts"), [
      plan.links.map((l) => l.sourceAsset),
      plan.links.map((l) => l.sourcePort),
      plan.links.map((l) => l.targetAsset),
      plan.links.map((l) => l.targetPort),
    ]),
  ]);
  if (devices.length > 0) {
    summary.devices_created = devices[0].created;
    summary.devices_updated = devices[0].updated;
  }
  let src: number[] = [];
  let dst: number[] = [];
  let fresh: boolean[] = [];
  if (ports.length > 0) {
    const [p] = ports;
    summary.ports_created = p.created;
    src = (p.src ?? []).map(Number);
    dst = (p.dst ?? []).map(Number);
    fresh = p.fresh ?? [];
    if (src.length !== n || dst.length !== n || fresh.length !== n) {
      // Only a writer outside diagram saves deleting a device mid-save can cause this.
      throw new AppError("conflict", "Devices changed during the save; try again");
    }
  }
  if (!noLinks) {
    const [cut] = await tx.query<{ disconnected: number }>(sql("DisconnectDiagramLinks"), [
      diagramId,
      src.map((a, i) => Math.min(a, dst[i])),
      src.map((a, i) => Math.max(a, dst[i])),
      ...who,
    ]);
    summary.links_disconnected = cut.disconnected;
  }
  const skipped = [...plan.skipped];
  if (n > 0) {
    const rows = await tx.query<
      { outcome: string; n: number; page_id: string; edge_id: string; detail: string }
    >(sql("ConnectDiagramLinks"), [
      diagramId,
      src,
      dst,
      plan.links.map((l) => l.pageId),
      plan.links.map((l) => l.edgeId),
      plan.links.map((l) => `${l.sourceAsset} ${l.sourcePort}`),
      plan.links.map((l) => `${l.targetAsset} ${l.targetPort}`),
      ...who,
      // As text: postgres.js cannot send a boolean[] parameter.
      fresh.map((f) => (f ? "t" : "f")),
    ]);
    for (let i = 0; i < n; i++) {
      if (!fresh[i]) continue;
      const l = plan.links[i];
      newLinks.rows.push([Math.min(src[i], dst[i]), Math.max(src[i], dst[i]), l.pageId, l.edgeId]);
    }
    for (const r of rows) {
      if (r.outcome === "connected") summary.links_connected = r.n;
      else {
        skipped.push({
          page_id: r.page_id,
          edge_id: r.edge_id,
          reason: "port_connected_elsewhere",
          detail: r.detail,
        });
      }
    }
  }
  summary.links_skipped = skipped.length;
  summary.skipped = skipped.slice(0, MAX_REPORTED);
  return { summary, newLinks };
}

/** Unplugs every link a diagram made that no other diagram draws (before deleting it). */
export async function releaseInventory(
  tx: Queryable,
  actor: Actor,
  diagramId: string,
): Promise<number> {
  await tx.query(sql("LockDiagramInventory"));
  const [cut] = await tx.query<{ disconnected: number }>(sql("DisconnectDiagramLinks"), [
    diagramId,
    [],
    [],
    ...actorParams(actor),
  ]);
  return cut.disconnected;
}

/**
 * A device's name from its shape's label: the label's text on one line, without a last line
 * that is an address (shapes show "core-sw-01" over "10.20.0.1"; the address is the device's
 * IP, not part of its name, and keeping it would grow the name at every refresh and save).
 */
export function deviceName(label: string): string {
  const lines = label.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length > 1 && isValidIp(lines[lines.length - 1].replace(/\/\d{1,3}$/, ""))) {
    lines.pop();
  }
  return lines.join(" ").replace(/\s+/g, " ");
}
