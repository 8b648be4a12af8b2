// The cells a generated diagram draws for the inventory: a device's shape (icon by type or role,
// label "name" + primary IP, fill by status), a cable's edge, and the container of a group.
// generate-diagram and refresh-diagram both build their cells here, so a device drawn by either
// looks the same and carries the same attributes. Pure: no I/O.
import { deviceShape } from "./device_shapes.ts";
import {
  deviceCellId,
  GENERATED_ATTR,
  type InventoryDevice,
  type InventoryLink,
  linkCellId,
} from "./inventory_graph.ts";
import type { Edge, Geometry, Vertex } from "./model.ts";

/** Fill colour by device status; statuses not listed keep the icon's own colour. */
export const STATUS_FILL: Readonly<Record<string, string>> = {
  planned: "#6C8EBF",
  staged: "#8E7CC3",
  maintenance: "#D79B00",
  decommissioning: "#D79B00",
  offline: "#999999",
  inactive: "#999999",
  inventory: "#B3B3B3",
  decommissioned: "#666666",
  failed: "#B85450",
};

/** What a device's label reads: its name, and its primary IP on a second line. */
export function deviceLabel(d: Pick<InventoryDevice, "name" | "ip">): string {
  return d.ip ? `${d.name}\n${d.ip}` : d.name;
}

/** The shape's style: the icon its type or role calls for, filled by its status. */
export function deviceCellStyle(
  d: Pick<InventoryDevice, "deviceType" | "role" | "status">,
): Record<string, string> {
  const style: Record<string, string> = {
    ...deviceShape({ deviceType: d.deviceType, role: d.role }).styleMap,
  };
  const fill = STATUS_FILL[d.status];
  if (fill !== undefined) style.fillColor = fill;
  return style;
}

/** The icon's size for the device (draw.io keeps the stencil's proportions). */
export function deviceCellSize(
  d: Pick<InventoryDevice, "deviceType" | "role">,
): { width: number; height: number } {
  const s = deviceShape({ deviceType: d.deviceType, role: d.role });
  return { width: s.width, height: s.height };
}

/** The bound attributes of a device's shape; empty values are left out. */
export function deviceCellAttributes(d: InventoryDevice): Record<string, string> {
  const attrs: Record<string, string> = { asset_id: d.assetId, device_type: d.deviceType };
  if (d.ip) attrs.ip_address = d.ip;
  if (d.netboxId !== null) attrs.netbox_id = String(d.netboxId);
  if (d.site) attrs.site = d.site;
  attrs[GENERATED_ATTR] = "device";
  return attrs;
}

/** A device's shape at `geometry` (relative to `parent`, a layer or a group container). */
export function deviceVertex(
  d: InventoryDevice,
  geometry: Geometry,
  parent: string,
  layer: string,
): Vertex {
  return {
    id: deviceCellId(d.assetId),
    parent,
    layer,
    label: deviceLabel(d),
    style: deviceCellStyle(d),
    attributes: deviceCellAttributes(d),
    tag: "object",
    geometry,
  };
}

/** Where an edge leaves its source and enters its target, as fractions of their bounds. */
export interface EdgeEnds {
  exitX: number;
  exitY: number;
  entryX: number;
  entryY: number;
}

/** A cable's style: orthogonal routing without arrows, ends pinned where given. */
export function linkCellStyle(ends?: EdgeEnds): Record<string, string> {
  const style: Record<string, string> = {
    edgeStyle: "orthogonalEdgeStyle",
    rounded: "0",
    orthogonalLoop: "1",
    jettySize: "auto",
    html: "1",
    startArrow: "none",
    endArrow: "none",
    strokeColor: "#4D4D4D",
  };
  if (ends !== undefined) {
    style.exitX = fraction(ends.exitX);
    style.exitY = fraction(ends.exitY);
    style.exitDx = "0";
    style.exitDy = "0";
    style.entryX = fraction(ends.entryX);
    style.entryY = fraction(ends.entryY);
    style.entryDx = "0";
    style.entryDy = "0";
  }
  return style;
}

const fraction = (v: number) => String(Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000);

/** The bound attributes of a cable's edge. */
export function linkCellAttributes(l: InventoryLink): Record<string, string> {
  return { source_port: l.sourcePort, target_port: l.targetPort, [GENERATED_ATTR]: "link" };
}

/** A cable's edge between the two device shapes, in `layer`. */
export function linkEdge(l: InventoryLink, layer: string, ends?: EdgeEnds): Edge {
  return {
    id: linkCellId(l),
    parent: layer,
    layer,
    label: "",
    style: linkCellStyle(ends),
    attributes: linkCellAttributes(l),
    tag: "object",
    source: deviceCellId(l.sourceAssetId),
    target: deviceCellId(l.targetAssetId),
  };
}

/** Cell id of the container holding a group's devices (groupBy), e.g. a rack's. */
export function groupCellId(groupBy: string, key: string): string {
  return `af-group-${groupBy}-${key}`;
}

/** A group's container: a titled, unfilled box draw.io moves with what it holds. */
export function groupVertex(
  id: string,
  label: string,
  geometry: Geometry,
  parent: string,
  layer: string,
): Vertex {
  return {
    id,
    parent,
    layer,
    label,
    style: {
      rounded: "1",
      arcSize: "2",
      whiteSpace: "wrap",
      html: "1",
      container: "1",
      collapsible: "0",
      recursiveResize: "0",
      fillColor: "none",
      dashed: "1",
      strokeColor: "#7F7F7F",
      verticalAlign: "top",
      align: "left",
      spacingLeft: "8",
      fontStyle: "1",
    },
    attributes: { [GENERATED_ATTR]: "group" },
    tag: "object",
    geometry,
  };
}
