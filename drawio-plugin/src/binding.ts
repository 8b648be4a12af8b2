// How a shape bound to an inventory device looks: its attributes (ARCHITECTURE §4.3), its
// label ("name" and the address on a second line) and the device's icon from the shared table
// (server/diagrams/device_shapes.ts). Pure: the editor reads a shape into a ShapeState, asks
// boundShape() what it should become, and applies the answer as one undoable change.
import {
  type DeviceDescription,
  deviceShape,
  kindOfShape,
} from "../../server/diagrams/device_shapes.ts";
import {
  DEVICE_ATTRIBUTES,
  deviceAttributes,
  deviceLabel,
  type DeviceRecord,
  shownName,
} from "./attrs.ts";

/** The style key that marks a shape the editor drew for a device, so it may redraw it. */
export const DEVICE_MARK = "archiflowDevice";

/** Label settings of the editor's device shapes: plain text keeps "name\naddress". */
const LABEL_STYLE = `html=0;${DEVICE_MARK}=1;`;

/** Font settings a user gave a shape, kept when its icon changes. */
const KEPT_KEYS = ["fontSize", "fontColor", "fontStyle", "fontFamily"];

/** What the shape table needs to know about an inventory device. */
export function describeDevice(device: DeviceRecord): DeviceDescription {
  return {
    deviceType: device.device_type,
    role: device.metadata?.netbox?.role ?? null,
    model: device.model,
    vendor: device.vendor,
  };
}

/** The style and size of a new shape for a device (the palette, a device placed). */
export function newDeviceShape(device: DeviceRecord): Size & { style: string } {
  const shape = deviceShape(describeDevice(device));
  return { style: shape.style + LABEL_STYLE, width: shape.width, height: shape.height };
}

export interface Size {
  width: number;
  height: number;
}

/** A draw.io style string as a map; a leading bare name ("ellipse;...") is kept under "". */
export function parseStyle(style: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (style ?? "").split(";")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) out.set("", part);
    else out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/**
 * The style a shape takes when it stands for `device`, or null when it keeps its own. Shapes the
 * editor drew for a device (marked) and plain ones (rectangles, ellipses, text) become the
 * device's icon; a stencil or image the user chose stays as drawn unless it is one of the
 * table's device icons. With `onlyMarked`, plain shapes stay too (a refresh redraws only what
 * the editor drew).
 */
export function deviceStyleFor(
  current: string | null | undefined,
  device: DeviceRecord,
  onlyMarked = false,
): (Size & { style: string }) | null {
  const style = parseStyle(current);
  const marked = style.get(DEVICE_MARK) === "1";
  const shape = style.get("shape");
  const own = style.has("image") || (shape !== undefined && kindOfShape(shape) === null);
  if (!marked && (onlyMarked || own)) return null;
  const target = newDeviceShape(device);
  if (marked && shape === deviceShape(describeDevice(device)).shape) return null;
  const kept = KEPT_KEYS.filter((k) => style.has(k)).map((k) => `${k}=${style.get(k)};`);
  return { ...target, style: target.style + kept.join("") };
}

/** A shape as the editor reads it from the canvas. */
export interface ShapeState {
  /** Its user-object attributes; absent ones are null or missing. */
  attrs: Record<string, string | null | undefined>;
  label: string;
  style: string;
  /** Whether its label is HTML (draw.io's html=1). */
  html: boolean;
}

export interface ShapeUpdate {
  /** Attributes to set; null removes one. */
  attrs: Record<string, string | null>;
  label: string;
  /** The new style and size, or null to keep both. */
  restyle: (Size & { style: string }) | null;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * What a shape should become to show `device`, or null when it already does. "bind" makes any
 * plain shape the device's icon; "refresh" follows the inventory and redraws only the editor's
 * own device shapes. An address the shape holds from a pool (pool_id) is an allocation and
 * stays; otherwise the address is the inventory's (primary, else management), and goes when the
 * inventory has none.
 *
 * With `before` (the device as the editor knew it before a change arrived), only what changed
 * in the inventory is carried over: a name, address or type the user edited on the canvas and
 * has not saved yet is not overwritten by a change to some other field.
 */
export function boundShape(
  current: ShapeState,
  device: DeviceRecord,
  mode: "bind" | "refresh",
  before?: DeviceRecord,
): ShapeUpdate | null {
  const want = deviceAttributes(device);
  const was = before && mode === "refresh" ? deviceAttributes(before) : null;
  const changed = (key: string) => !was || (was[key] ?? null) !== (want[key] ?? null);
  const allocated = Boolean(current.attrs.pool_id && current.attrs.ip_address);
  const attrs: Record<string, string | null> = {};
  for (const key of DEVICE_ATTRIBUTES) {
    if (key === "pool_id" || (key === "ip_address" && allocated) || !changed(key)) continue;
    const value = want[key] ?? null;
    if ((current.attrs[key] ?? null) !== value) attrs[key] = value;
  }
  const allocatedIp = allocated ? current.attrs.ip_address : null;
  const name = shownName(device, allocatedIp);
  const renamed = !was || shownName(before!, allocatedIp) !== name;
  const retyped = !was ||
    deviceShape(describeDevice(before!)).kind !== deviceShape(describeDevice(device)).kind;
  const restyle = retyped ? deviceStyleFor(current.style, device, mode === "refresh") : null;
  const html = restyle ? false : current.html;
  const readdressed = !allocated && changed("ip_address");
  let label = current.label;
  if (renamed || readdressed || restyle) {
    const ip = allocated || !readdressed
      ? current.attrs.ip_address ?? null
      : want.ip_address ?? null;
    // Not renamed: the label's own text stays, with the address line replaced.
    const base = renamed || restyle ? (html ? escapeHtml(name) : name) : current.label;
    label = deviceLabel(base, ip, html);
  }
  if (Object.keys(attrs).length === 0 && label === current.label && !restyle) return null;
  return { attrs, label, restyle };
}
