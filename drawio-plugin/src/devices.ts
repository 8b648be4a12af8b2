// Shapes bound to inventory devices: "Bind to device" on a selected shape, and bringing bound
// shapes up to date with the inventory (their attributes, "name" and address label, and icon),
// from the menu or as device changes arrive. Each change is one undoable edit that the next
// save stores.
/// <reference lib="dom" />
import { type DeviceRecord, shownName } from "./attrs.ts";
import { boundShape, type ShapeState, type ShapeUpdate } from "./binding.ts";
import type { EditorContext } from "./context.ts";
import { button, el, message, openDialog } from "./dom.ts";
import { cellAttr } from "./drawio_hooks.ts";
import type { Graph, MxCell } from "./drawio_types.ts";

export function selectedVertex(graph: Graph): MxCell | null {
  const cell = graph.getSelectionCell();
  return cell && graph.model.isVertex(cell) ? cell : null;
}

export function cellLabel(graph: Graph, cell: MxCell): string {
  return String(graph.convertValueToString(cell) ?? "");
}

/** Writes attributes (null removes one) and the label in one undoable change. */
export function writeAttrs(
  graph: Graph,
  cell: MxCell,
  attrs: Record<string, string | null>,
  label?: string,
): void {
  graph.model.beginUpdate();
  try {
    for (const [k, v] of Object.entries(attrs)) graph.setAttributeForCell(cell, k, v);
    if (label !== undefined) graph.setAttributeForCell(cell, "label", label);
  } finally {
    graph.model.endUpdate();
  }
}

/**
 * Whether a cell's user object is an XML element with attributes (a bound shape's) rather than
 * label text. Tested by shape, not instanceof: the element may come from another document.
 */
function isXmlNode(v: unknown): v is Element {
  return typeof v === "object" && v !== null && "attributes" in v && Boolean(v.attributes);
}

/** A shape as binding.ts reads it. */
function shapeState(graph: Graph, cell: MxCell): ShapeState {
  const attrs: Record<string, string | null> = {};
  const v: unknown = cell.value;
  if (isXmlNode(v)) {
    for (const a of Array.from(v.attributes)) attrs[a.name] = a.value;
  }
  return {
    attrs,
    label: cellLabel(graph, cell),
    style: graph.model.getStyle(cell) ?? "",
    html: graph.isHtmlLabel(cell),
  };
}

/** Applies an update inside the caller's model change; a new icon keeps the shape's centre. */
function apply(graph: Graph, cell: MxCell, update: ShapeUpdate): void {
  const model = graph.model;
  if (update.restyle) {
    model.setStyle(cell, update.restyle.style);
    const g = model.getGeometry(cell);
    if (g) {
      const next = g.clone();
      next.x = g.x + (g.width - update.restyle.width) / 2;
      next.y = g.y + (g.height - update.restyle.height) / 2;
      next.width = update.restyle.width;
      next.height = update.restyle.height;
      model.setGeometry(cell, next);
    }
  }
  for (const [k, v] of Object.entries(update.attrs)) graph.setAttributeForCell(cell, k, v);
  graph.setAttributeForCell(cell, "label", update.label);
}

/** Makes `cell` stand for `device`. */
export function bindCell(graph: Graph, cell: MxCell, device: DeviceRecord): void {
  const update = boundShape(shapeState(graph, cell), device, "bind");
  if (!update) return;
  graph.model.beginUpdate();
  try {
    apply(graph, cell, update);
  } finally {
    graph.model.endUpdate();
  }
}

/**
 * Brings bound shapes up to date with `devices`, in one undoable change; returns how many
 * changed. `only` limits it to those asset ids; `before` (the devices as known before a change
 * arrived) carries over only what changed in the inventory. The shape being edited is left as it
 * is.
 */
export function syncShapes(
  graph: Graph,
  devices: DeviceRecord[],
  options: { only?: Set<string> | null; before?: Map<string, DeviceRecord> } = {},
): number {
  const byAsset = new Map(devices.map((d) => [d.asset_id, d]));
  const model = graph.model;
  const editing = graph.cellEditor?.getEditingCell?.() ?? null;
  let changed = 0;
  model.beginUpdate();
  try {
    for (const cell of Object.values<MxCell>(model.cells ?? {})) {
      const asset = cellAttr(cell, "asset_id");
      if (!asset || !model.isVertex(cell) || cell === editing) continue;
      if (options.only && !options.only.has(asset)) continue;
      const device = byAsset.get(asset);
      if (!device) continue;
      const before = options.before?.get(asset);
      // A change to a device not known before: nothing to tell what changed, so leave it.
      if (options.before && !before) continue;
      const update = boundShape(shapeState(graph, cell), device, "refresh", before);
      if (!update) continue;
      apply(graph, cell, update);
      changed++;
    }
  } finally {
    model.endUpdate();
  }
  return changed;
}

/** "Bind to device": picks a device for the selected shape. */
export function bindDeviceDialog(ctx: EditorContext): void {
  const graph = ctx.graph;
  const cell = selectedVertex(graph);
  if (!cell) return void message("archiflow-error", "Bind to device", "Select a shape first.");
  const list = el("div", { id: "archiflow-bind-list" });
  const search = el("input", {
    id: "archiflow-bind-search",
    type: "search",
    placeholder: "Search devices",
    style: "width:100%;box-sizing:border-box",
  });
  const render = () => {
    const q = search.value.toLowerCase();
    const found = ctx.state.devices.filter((d) =>
      `${d.device_name ?? ""} ${d.asset_id} ${d.device_type ?? ""}`.toLowerCase().includes(q)
    );
    list.replaceChildren(
      ...found.slice(0, 100).map((d) => {
        const b = button(
          `archiflow-bind-${d.asset_id}`,
          `${shownName(d)} (${d.asset_id})${d.device_type ? ` ${d.device_type}` : ""}`,
          () => {
            bindCell(graph, cell, d);
            dlg.close();
            ctx.setStatus(`bound to ${shownName(d)} (unsaved)`);
          },
        );
        b.dataset.assetId = d.asset_id;
        b.style.display = "block";
        b.style.margin = "3px 0";
        return b;
      }),
    );
    if (found.length === 0) {
      list.textContent = ctx.state.devices.length ? "No device matches." : "No devices yet.";
    }
  };
  search.addEventListener("input", render);
  const dlg = openDialog("archiflow-bind", "Bind shape to device", search, list);
  render();
  search.focus();
}
