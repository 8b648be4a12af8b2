// The device palette: the inventory at the top of draw.io's sidebar, each device as its icon
// (from the shared device-shape table) with its name readable under it. Clicking or dragging an
// entry places a shape that carries the device's attributes (ARCHITECTURE §4.3).
/// <reference lib="dom" />
import { deviceAttributes, deviceLabel, type DeviceRecord, shownName } from "./attrs.ts";
import { newDeviceShape } from "./binding.ts";
import { el } from "./dom.ts";
import type { DrawioGlobals, EditorUi, MxCell, Sidebar } from "./drawio_types.ts";

declare const mxUtils: DrawioGlobals["mxUtils"];
declare const mxCell: DrawioGlobals["mxCell"];
declare const mxGeometry: DrawioGlobals["mxGeometry"];

export const PALETTE_ID = "archiflow-devices";
/** Thumbnail size: draw.io's own (32x30) leaves a device icon and its name unreadable. */
const THUMB = { width: 60, height: 44 };

/** A new shape for `device`: its icon, its attributes, "name" and address as its label. */
export function newDeviceCell(device: DeviceRecord): MxCell {
  const doc = mxUtils.createXmlDocument();
  const obj = doc.createElement("object");
  const attrs = deviceAttributes(device);
  for (const [k, v] of Object.entries(attrs)) obj.setAttribute(k, v);
  obj.setAttribute("label", deviceLabel(shownName(device), attrs.ip_address));
  const shape = newDeviceShape(device);
  const cell = new mxCell(obj, new mxGeometry(0, 0, shape.width, shape.height), shape.style);
  cell.vertex = true;
  return cell;
}

/** One palette entry: draw.io's draggable thumbnail, larger, with the device's name under it. */
function entry(sidebar: Sidebar, device: DeviceRecord): HTMLElement {
  const name = shownName(device);
  const title = `${name} (${device.asset_id})${
    device.device_type ? `, ${device.device_type}` : ""
  }`;
  const cell = newDeviceCell(device);
  const sizes = ["thumbWidth", "thumbHeight"] as const;
  const own = sizes.filter((k) => Object.hasOwn(sidebar, k));
  const saved = [sidebar.thumbWidth, sidebar.thumbHeight];
  sidebar.thumbWidth = THUMB.width;
  sidebar.thumbHeight = THUMB.height;
  let item: HTMLElement;
  try {
    // No label in the thumbnail (it would be drawn too small to read); the name goes below.
    item = sidebar.createVertexTemplateFromCells(
      [cell],
      cell.geometry.width,
      cell.geometry.height,
      title,
      false,
      false,
    );
  } finally {
    [sidebar.thumbWidth, sidebar.thumbHeight] = saved;
    // A size the sidebar did not hold itself goes again, so draw.io's default shows through.
    for (const k of sizes) if (!own.includes(k)) Reflect.deleteProperty(sidebar, k);
  }
  item.style.height = "auto";
  item.style.verticalAlign = "top";
  item.append(el("div", {
    class: "archiflow-device-name",
    text: name,
    // Up to two lines, broken after a hyphen where it can: "core-sw-" / "01".
    style: `width:${THUMB.width}px;font-size:11px;line-height:13px;color:#222;text-align:center;` +
      "overflow:hidden;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:2;" +
      "-webkit-box-orient:vertical;margin-bottom:2px",
  }));
  item.setAttribute("data-asset-id", device.asset_id);
  item.setAttribute("title", title);
  item.dataset.search = `${name} ${device.asset_id} ${device.device_type ?? ""} ${
    device.site ?? ""
  } ${device.model ?? ""}`.toLowerCase();
  return item;
}

/** Draws (or redraws) the palette, first in the sidebar, keeping what the filter holds. */
export function renderPalette(ui: EditorUi, devices: DeviceRecord[]): void {
  const sidebar = ui.sidebar;
  if (!sidebar) return;
  const old = sidebar.palettes?.[PALETTE_ID];
  if (old) { for (const e of old) e.remove(); }
  const filter = (document.getElementById("archiflow-device-filter") as HTMLInputElement | null)
    ?.value ?? "";
  sidebar.addPalette(PALETTE_ID, `ArchiFlow devices (${devices.length})`, true, (c) => {
    const input = el("input", {
      id: "archiflow-device-filter",
      type: "search",
      placeholder: "Filter devices",
      style: "width:90%;margin:4px 5%;box-sizing:border-box",
    });
    input.value = filter;
    const apply = () => {
      const q = input.value.toLowerCase();
      for (const item of c.querySelectorAll<HTMLElement>("[data-asset-id]")) {
        item.style.display = (item.dataset.search ?? "").includes(q) ? "" : "none";
      }
    };
    input.addEventListener("input", apply);
    c.append(input);
    if (devices.length === 0) {
      c.append(el("div", {
        style: "padding:6px;color:#666",
        text: "No devices in the inventory yet.",
      }));
    }
    for (const d of devices) c.append(entry(sidebar, d));
    apply();
  });
  // The inventory first: it is what engineers reach for.
  const added = sidebar.palettes?.[PALETTE_ID];
  if (added && sidebar.container.firstChild) {
    sidebar.container.insertBefore(added[1], sidebar.container.firstChild);
    sidebar.container.insertBefore(added[0], added[1]);
  }
}
