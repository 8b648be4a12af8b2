// refresh-diagram's merge: a generated diagram's stored XML and the inventory its scope selects
// now, in; the XML a refresh saves, out, with what it added, marked, restored and updated. Pure
// (no I/O); the tool (tools/refresh.ts) reads both and saves the result as a new version.
//
// What a person did to the drawing is theirs and stays as it is: positions, sizes, styles,
// texts, layers, notes, zones and every cell that is not a generated device or cable. A refresh
// only
// - adds devices and cables new to the scope, built as generate-diagram builds them
//   (generated_cells.ts); a device goes next to its drawn neighbours, at the nearest spot free
//   of every shape (refresh_place.ts), or in a row below everything when none is drawn;
// - marks generated cells whose device or cable left the inventory: MISSING_ATTR, a faded dashed
//   look and the MISSING_LAYER layer, at the same place on the page. Their binding attributes
//   (asset_id, the ports) are kept under other names, so that saving the drawing does not bring
//   the device or cable back into the inventory; a device or cable that comes back is restored
//   (its attributes, look and parent as before it was marked);
// - updates what the generator owns in a bound shape: the label (only while it still reads as
//   the generator wrote it), ip_address, netbox_id and the fill that shows the status (only
//   while it is one the generator sets).
//
// One file: its passes (devices, then new devices' places, then cables) share one state (which
// cells are bound, which were marked) and only make sense in that order. A page's structure is
// in refresh_page.ts, placement in refresh_place.ts, the XML editing in refresh_xml.ts.
import { buildPageXml } from "./build.ts";
import { decodeXml, htmlToText } from "./cell_text.ts";
import { DEVICE_SHAPES } from "./device_shapes.ts";
import {
  deviceCellAttributes,
  deviceCellSize,
  deviceCellStyle,
  deviceLabel,
  deviceVertex,
  linkEdge,
  STATUS_FILL,
} from "./generated_cells.ts";
import { deviceName } from "./inventory.ts";
import {
  GENERATED_ATTR,
  type InventoryDevice,
  type InventoryGraph,
  type InventoryLink,
  linkCellId,
  linkKey,
  MISSING_ATTR,
  MISSING_LAYER,
} from "./inventory_graph.ts";
import type { Edge, Vertex } from "./model.ts";
import { PageState } from "./refresh_page.ts";
import type { Rect } from "./refresh_place.ts";
import {
  changeSummaryText,
  type DeviceRef,
  type RefreshSummary,
  type UpdatedField,
} from "./refresh_summary.ts";
import { type AttrChanges, type CellView, DiagramDoc, editCell } from "./refresh_xml.ts";
import { readXml, type XElement } from "./xml.ts";

export { changeSummaryText };
export type { DeviceRef, RefreshSummary, UpdatedField };
import { textToHtml } from "./build.ts";

export interface RefreshResult {
  /** The diagram to save; the stored XML itself when nothing changed. */
  xml: string;
  changed: boolean;
  summary: RefreshSummary;
  /** Ids of the cells added, marked, restored or updated, in that order. */
  changedCellIds: string[];
}

export interface RefreshOptions {
  /** The time written into MISSING_ATTR (default: now). */
  now?: Date;
  /** Largest page, inflated, that is read (bytes). */
  maxBytes?: number;
  maxXmlDepth?: number;
}

/** Where a marked cell's binding attributes are kept: this prefix and the attribute's name. */
export const MISSING_KEPT_PREFIX = "archiflow_missing_";
/** The parent a marked cell had before it was moved into the missing layer. */
const KEPT_PARENT = "archiflow_missing_parent";
/** The values the marked look replaced (JSON: key -> value, null when absent). */
const KEPT_STYLE = "archiflow_missing_style";
/** Attributes that bind cells to the inventory: a save turns them into devices and cables. */
const DEVICE_BINDING = ["asset_id"];
const LINK_BINDING = ["source_port", "target_port"];
/** How a marked cell looks: faded and dashed, wherever it is drawn. */
const MARKED_STYLE: Readonly<Record<string, string>> = {
  dashed: "1",
  opacity: "40",
  textOpacity: "60",
};
/** Fills the generator sets: a status's, or an icon's own. Any other one a person chose. */
const GENERATED_FILLS = new Set<string>([
  ...Object.values(STATUS_FILL),
  ...Object.values(DEVICE_SHAPES).map((s) => s.styleMap.fillColor).filter(Boolean),
].map((c) => c.toLowerCase()));

const fills = new Map<string, string | undefined>();
/** The fill generate-diagram gives a device (its status's, else its icon's own). */
function generatedFill(d: InventoryDevice): string | undefined {
  const key = `${d.status}\n${d.deviceType}\n${d.role ?? ""}`;
  if (!fills.has(key)) fills.set(key, deviceCellStyle(d).fillColor);
  return fills.get(key);
}

/** Merges the inventory's current graph into a generated diagram's stored XML. */
export async function refreshDiagramXml(
  xml: string,
  graph: InventoryGraph,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const doc = await DiagramDoc.read(xml, options.maxBytes, options.maxXmlDepth);
  const merge = new Merge(doc, graph, (options.now ?? new Date()).toISOString());
  merge.run();
  if (!doc.changed) return { xml, changed: false, summary: merge.summary, changedCellIds: [] };
  return {
    xml: await doc.write(),
    changed: true,
    summary: merge.summary,
    changedCellIds: merge.changedCellIds(),
  };
}

/** A generated cell found on a page. */
interface Found {
  page: PageState;
  id: string;
}

class Merge {
  readonly summary: RefreshSummary = {
    added: { devices: [], links: [] },
    marked: { devices: [], links: [] },
    restored: { devices: [], links: [] },
    updated: { devices: [] },
  };
  readonly #changed = {
    added: [] as string[],
    marked: [] as string[],
    restored: [] as string[],
    updated: [] as string[],
  };
  readonly #pages: PageState[];
  readonly #devices = new Map<string, InventoryDevice>();
  readonly #links = new Map<string, InventoryLink>();
  /** Inventory neighbours of each device. */
  readonly #neighbours = new Map<string, string[]>();

  constructor(doc: DiagramDoc, graph: InventoryGraph, readonly now: string) {
    this.#pages = doc.pages.map((p, i) => new PageState(p, i));
    for (const d of graph.devices) this.#devices.set(d.assetId, d);
    for (const l of graph.links) {
      this.#links.set(l.key, l);
      for (
        const [a, b] of [[l.sourceAssetId, l.targetAssetId], [l.targetAssetId, l.sourceAssetId]]
      ) {
        const list = this.#neighbours.get(a);
        if (list) list.push(b);
        else this.#neighbours.set(a, [b]);
      }
    }
  }

  changedCellIds(): string[] {
    const c = this.#changed;
    return [...new Set([...c.added, ...c.marked, ...c.restored, ...c.updated])];
  }

  run(): void {
    this.#devicesPass();
    this.#addDevices();
    this.#linksPass();
    for (const page of this.#pages) {
      const { vertices, edges } = page.cellsToAdd;
      if (vertices.length + edges.length === 0) continue;
      for (const el of cellElements(vertices, edges)) page.doc.insert(el);
    }
  }

  // -- Devices ----------------------------------------------------------------------------------

  #devicesPass(): void {
    const generated: (Found & { asset: string; missing: boolean })[] = [];
    for (const page of this.#pages) {
      for (const c of page.doc.cells()) {
        if (!c.vertex) continue;
        const asset = c.attr("asset_id");
        if (asset !== undefined && asset.trim() !== "") page.live.set(asset.trim(), c.id);
        if (c.attr(GENERATED_ATTR) !== "device") continue;
        const kept = asset ?? c.attr(MISSING_KEPT_PREFIX + "asset_id");
        if (kept === undefined || kept.trim() === "") continue;
        generated.push({
          page,
          id: c.id,
          asset: kept.trim(),
          missing: c.attr(MISSING_ATTR) !== undefined,
        });
      }
    }
    const drawn = (asset: string) => this.#pages.some((p) => p.live.has(asset));
    const marked = new Set<string>();
    const restored = new Set<string>();
    const updated = new Map<string, Set<UpdatedField>>();
    for (const g of generated) {
      const device = this.#devices.get(g.asset);
      if (device === undefined) {
        if (g.missing) continue;
        const name = this.#nameOf(g.page.doc.get(g.id)!, g.asset);
        this.#mark(g.page, g.id, DEVICE_BINDING);
        g.page.live.delete(g.asset);
        this.#changed.marked.push(g.id);
        if (!marked.has(g.asset)) {
          marked.add(g.asset);
          this.summary.marked.devices.push({ assetId: g.asset, name });
        }
        continue;
      }
      if (g.missing) {
        // A device drawn again meanwhile (by hand, or restored from another cell) stays marked here.
        if (drawn(g.asset)) continue;
        this.#restore(g.page, g.id, DEVICE_BINDING);
        g.page.live.set(g.asset, g.id);
        this.#changed.restored.push(g.id);
        if (!restored.has(g.asset)) {
          restored.add(g.asset);
          this.summary.restored.devices.push({ assetId: g.asset, name: device.name });
        }
      }
      const fields = this.#update(g.page, g.id, device);
      if (fields.length === 0) continue;
      this.#changed.updated.push(g.id);
      const known = updated.get(g.asset) ?? new Set<UpdatedField>();
      for (const f of fields) known.add(f);
      updated.set(g.asset, known);
    }
    for (const [assetId, fields] of updated) {
      this.summary.updated.devices.push({
        assetId,
        name: this.#devices.get(assetId)!.name,
        fields: [...fields],
      });
    }
  }

  /** A device's name as its shape shows it (for devices no longer in the inventory). */
  #nameOf(cell: CellView, assetId: string): string {
    const text = cell.style.html === "1" ? htmlToText(cell.label) : cell.label;
    return deviceName(text) || assetId;
  }

  /** Updates what the generator owns in a device's shape; returns the fields that changed. */
  #update(page: PageState, id: string, d: InventoryDevice): UpdatedField[] {
    const cell = page.doc.get(id)!;
    const fields: UpdatedField[] = [];
    const object: AttrChanges = {};
    const style: AttrChanges = {};
    const fresh = deviceCellAttributes(d);
    for (const key of ["ip_address", "netbox_id"] as const) {
      const now = fresh[key] ?? null;
      if ((cell.attr(key) ?? null) !== now) {
        object[key] = now;
        fields.push(key);
      }
    }
    // The label is the generator's while it reads as the generator would have written it.
    const html = cell.style.html === "1";
    const label = cell.label;
    const text = html ? htmlToText(label) : label;
    const ip = cell.attr("ip_address") ?? null;
    const written = deviceLabel({ name: deviceName(text), ip });
    if (html ? label === textToHtml(written) : label === written) {
      const wanted = deviceLabel(d);
      if (text !== wanted) {
        object.label = html ? textToHtml(wanted) : wanted;
        if (deviceName(text) !== d.name) fields.push("name");
        else if (!fields.includes("ip_address")) fields.push("label");
      }
    }
    const fill = generatedFill(d);
    const current = cell.style.fillColor;
    if (
      fill !== undefined && current !== fill &&
      (current === undefined || GENERATED_FILLS.has(current.toLowerCase()))
    ) {
      style.fillColor = fill;
      fields.push("status");
    }
    if (fields.length > 0) page.doc.replace(id, editCell(cell, { object, style }));
    return fields;
  }

  /** Moves a cell into the missing layer with the marked look, keeping its place on the page. */
  #mark(page: PageState, id: string, binding: string[]): void {
    const layer = page.missingLayer();
    const cell = page.doc.get(id)!;
    const object: AttrChanges = { [MISSING_ATTR]: this.now };
    for (const key of binding) {
      const v = cell.attr(key);
      if (v !== undefined) {
        object[MISSING_KEPT_PREFIX + key] = v;
        object[key] = null;
      }
    }
    const style = cell.style;
    const before: Record<string, string | null> = {};
    for (const key of Object.keys(MARKED_STYLE)) before[key] = style[key] ?? null;
    object[KEPT_STYLE] = JSON.stringify(before);
    const parent = cell.parent;
    let shift = { dx: 0, dy: 0 };
    if (parent !== layer) {
      if (parent !== null) object[KEPT_PARENT] = parent;
      const o = page.origin(parent);
      shift = { dx: o.x, dy: o.y };
    }
    page.doc.replace(
      id,
      editCell(cell, { object, cell: { parent: layer }, style: { ...MARKED_STYLE }, shift }),
    );
  }

  /** Undoes #mark: attributes, look and parent as they were, at the same place on the page. */
  #restore(page: PageState, id: string, binding: string[]): void {
    const cell = page.doc.get(id)!;
    const object: AttrChanges = { [MISSING_ATTR]: null, [KEPT_STYLE]: null, [KEPT_PARENT]: null };
    for (const key of binding) {
      const v = cell.attr(MISSING_KEPT_PREFIX + key);
      if (v !== undefined) {
        object[key] = v;
        object[MISSING_KEPT_PREFIX + key] = null;
      }
    }
    let style: AttrChanges = {};
    try {
      const kept = JSON.parse(cell.attr(KEPT_STYLE) ?? "null");
      if (kept !== null && typeof kept === "object") {
        for (const key of Object.keys(MARKED_STYLE)) {
          const v = (kept as Record<string, unknown>)[key];
          style[key] = typeof v === "string" ? v : null;
        }
      }
    } catch {
      style = {};
    }
    if (Object.keys(style).length === 0) {
      // Without a record of the look before, the marked look is taken off.
      for (const key of Object.keys(MARKED_STYLE)) style[key] = null;
    }
    const keptParent = cell.attr(KEPT_PARENT);
    const missing = cell.parent;
    const parent = keptParent !== undefined && page.doc.has(keptParent) &&
        keptParent !== missing
      ? keptParent
      : page.defaultLayer();
    const o = page.origin(parent);
    page.doc.replace(
      id,
      editCell(cell, { object, cell: { parent }, style, shift: { dx: -o.x, dy: -o.y } }),
    );
  }

  /** Draws the devices of the scope that no page shows, next to their drawn neighbours. */
  #addDevices(): void {
    const pending = new Map<string, InventoryDevice>();
    for (const d of this.#devices.values()) {
      if (!this.#pages.some((p) => p.live.has(d.assetId))) pending.set(d.assetId, d);
    }
    if (pending.size === 0) return;
    if (this.#pages.length === 0) throw new TypeError("the diagram has no page to draw on");
    const drawnNeighbours = (asset: string) =>
      (this.#neighbours.get(asset) ?? []).filter((n) => this.#pages.some((p) => p.live.has(n)));
    const alone: InventoryDevice[] = [];
    while (pending.size > 0) {
      // The device with the most drawn neighbours goes first; its place then guides the others.
      let next: InventoryDevice | null = null;
      let most = 0;
      for (const d of pending.values()) {
        const n = drawnNeighbours(d.assetId).length;
        if (n > most || (n === most && n > 0 && next !== null && d.assetId < next.assetId)) {
          next = d;
          most = n;
        }
      }
      if (next === null) {
        alone.push(...pending.values());
        break;
      }
      pending.delete(next.assetId);
      this.#place(next, drawnNeighbours(next.assetId));
    }
    for (const d of alone.sort((a, b) => (a.assetId < b.assetId ? -1 : 1))) this.#place(d, []);
  }

  #place(d: InventoryDevice, neighbours: string[]): void {
    // The page showing most of its neighbours; without any, the one with most of its site.
    let page = this.#pages[0];
    let best = 0;
    for (const p of this.#pages) {
      const n = neighbours.filter((a) => p.live.has(a)).length;
      if (n > best) {
        best = n;
        page = p;
      }
    }
    if (best === 0 && d.site) {
      let most = 0;
      for (const p of this.#pages) {
        let n = 0;
        for (const c of p.doc.cells()) if (c.attr("site") === d.site) n++;
        if (n > most) {
          most = n;
          page = p;
        }
      }
    }
    const size = deviceCellSize(d);
    const centres: { x: number; y: number }[] = [];
    let layer: string | null = null;
    for (const a of neighbours) {
      const id = page.live.get(a);
      if (id === undefined) continue;
      const b = this.#boundsOf(page, id);
      if (b !== null) centres.push({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
      const l = this.#layerOfLive(page, id);
      if (layer === null && l !== null && page.doc.get(l)?.label !== MISSING_LAYER) layer = l;
    }
    const space = page.space();
    const rect = centres.length === 0 ? space.placeBelow(size.width, size.height) : space.placeNear(
      {
        x: centres.reduce((s, c) => s + c.x, 0) / centres.length,
        y: centres.reduce((s, c) => s + c.y, 0) / centres.length,
      },
      size.width,
      size.height,
    );
    layer ??= page.defaultLayer();
    const vertex = deviceVertex(d, { x: rect.x, y: rect.y, ...size }, layer, layer);
    vertex.id = this.#freeId(page, vertex.id);
    page.cellsToAdd.vertices.push(vertex);
    page.live.set(d.assetId, vertex.id);
    this.#changed.added.push(vertex.id);
    this.summary.added.devices.push({ assetId: d.assetId, name: d.name });
  }

  /** A drawn device's bounds on the page, the cells this refresh adds included. */
  #boundsOf(page: PageState, id: string): Rect | null {
    const cell = page.doc.get(id);
    if (cell !== null) return page.bounds(cell);
    // Added cells sit in a layer: their geometry is their place on the page.
    const v = page.cellsToAdd.vertices.find((x) => x.id === id);
    return v === undefined ? null : { ...v.geometry };
  }

  #freeId(page: PageState, base: string): string {
    const taken = (id: string) =>
      page.doc.has(id) || page.cellsToAdd.vertices.some((v) => v.id === id) ||
      page.cellsToAdd.edges.some((e) => e.id === id);
    if (!taken(base)) return base;
    let n = 2;
    while (taken(`${base}-${n}`)) n++;
    return `${base}-${n}`;
  }

  // -- Links ------------------------------------------------------------------------------------

  #linksPass(): void {
    const drawn = new Set<string>();
    const generated: (Found & { key: string; missing: boolean; wanted: boolean })[] = [];
    for (const page of this.#pages) {
      // An end is live while its shape is bound (a marked shape has its asset id put aside).
      const live = (id: string | null) => {
        const cell = page.doc.get(id);
        return cell !== null && cell.vertex && (cell.attr("asset_id") ?? "").trim() !== "";
      };
      for (const c of page.doc.cells()) {
        if (!c.edge) continue;
        const isGenerated = c.attr(GENERATED_ATTR) === "link";
        const missing = c.attr(MISSING_ATTR) !== undefined;
        if (!isGenerated && missing) continue;
        const key = this.#keyOf(page, c, isGenerated);
        if (key === null) continue;
        const wanted = this.#links.has(key) && live(c.source) && live(c.target);
        if (!missing && (wanted || !isGenerated)) drawn.add(key);
        if (isGenerated) generated.push({ page, id: c.id, key, missing, wanted });
      }
    }
    const marked = new Set<string>();
    const restored = new Set<string>();
    for (const g of generated) {
      if (!g.missing && !g.wanted) {
        this.#mark(g.page, g.id, LINK_BINDING);
        this.#changed.marked.push(g.id);
        if (!marked.has(g.key)) {
          marked.add(g.key);
          this.summary.marked.links.push(g.key);
        }
      } else if (g.missing && g.wanted && !drawn.has(g.key)) {
        this.#restore(g.page, g.id, LINK_BINDING);
        this.#changed.restored.push(g.id);
        drawn.add(g.key);
        if (!restored.has(g.key)) {
          restored.add(g.key);
          this.summary.restored.links.push(g.key);
        }
      }
    }
    for (const link of this.#links.values()) {
      if (drawn.has(link.key)) continue;
      // Drawn on the first page that shows both its devices; a cable between pages is not.
      const page = this.#pages.find((p) =>
        p.live.has(link.sourceAssetId) && p.live.has(link.targetAssetId)
      );
      if (page === undefined) continue;
      const source = page.live.get(link.sourceAssetId)!;
      const target = page.live.get(link.targetAssetId)!;
      const sl = this.#layerOfLive(page, source);
      const tl = this.#layerOfLive(page, target);
      const layer = sl !== null && sl === tl ? sl : page.defaultLayer();
      const edge = linkEdge(link, layer);
      edge.id = this.#freeId(page, linkCellId(link));
      edge.source = source;
      edge.target = target;
      page.cellsToAdd.edges.push(edge);
      drawn.add(link.key);
      this.#changed.added.push(edge.id);
      this.summary.added.links.push(link.key);
    }
  }

  #layerOfLive(page: PageState, id: string): string | null {
    if (page.doc.has(id)) return page.layerOf(id);
    return page.cellsToAdd.vertices.find((v) => v.id === id)?.layer ?? null;
  }

  /** The cable an edge draws: its ends' asset ids and ports (kept ones for marked cells). */
  #keyOf(page: PageState, c: CellView, generated: boolean): string | null {
    const port = (k: string) =>
      c.attr(k) ?? (generated ? c.attr(MISSING_KEPT_PREFIX + k) : undefined);
    const asset = (id: string | null) => {
      const cell = page.doc.get(id);
      if (cell === null) return undefined;
      return cell.attr("asset_id") ?? cell.attr(MISSING_KEPT_PREFIX + "asset_id");
    };
    const sp = port("source_port");
    const tp = port("target_port");
    const sa = asset(c.source);
    const ta = asset(c.target);
    if (sp && tp && sa && ta) return linkKey(sa.trim(), sp.trim(), ta.trim(), tp.trim());
    // A generated edge whose end was deleted by hand still names its cable in its id.
    if (generated && c.id.startsWith("af-link-")) return c.id.slice("af-link-".length);
    return null;
  }
}

/** The XML elements of cells built from the model, as build.ts writes them for generate. */
function cellElements(vertices: Vertex[], edges: Edge[]): XElement[] {
  const xml = buildPageXml({ id: "new", name: "new", layers: [], vertices, edges });
  const model = readXml(xml);
  const root = model.children.find((c): c is XElement =>
    typeof c !== "string" && c.name === "root"
  );
  const wanted = new Set([...vertices.map((v) => v.id), ...edges.map((e) => e.id)]);
  return (root?.children ?? []).filter((c): c is XElement =>
    typeof c !== "string" && wanted.has(decodeXml(c.attr("id") ?? ""))
  );
}
