// One page of a diagram as refresh-diagram's merge (refresh.ts) sees it: its root and layers,
// where its cells are on the page (a cell's geometry is relative to its container), the free
// space between its shapes, and the layer that holds what left the inventory. Pure: no I/O.
import type { Edge, Vertex } from "./model.ts";
import { MISSING_LAYER } from "./inventory_graph.ts";
import { FreeSpace, type Rect, withLabel } from "./refresh_place.ts";
import type { CellView, PageDoc } from "./refresh_xml.ts";
import { XElement } from "./xml.ts";

/** Id of the missing layer when a refresh makes it (another free id if taken). */
const MISSING_LAYER_ID = "af-layer-missing";

/** One page's structure as the merge needs it. */
export class PageState {
  rootId: string | null;
  #space: FreeSpace | null = null;
  /** Device cells drawn (bound, not marked) on this page, by asset id. */
  readonly live = new Map<string, string>();
  readonly cellsToAdd: { vertices: Vertex[]; edges: Edge[] } = { vertices: [], edges: [] };

  constructor(readonly doc: PageDoc, readonly index: number) {
    let root: string | null = null;
    for (const c of doc.cells()) {
      if (c.parent === null && c.id !== "") {
        root = c.id;
        break;
      }
    }
    this.rootId = root;
  }

  /** Ids of the page's layers (the root's children), in order. */
  layers(): string[] {
    const out: string[] = [];
    for (const c of this.doc.cells()) {
      if (c.parent !== null && c.parent === this.rootId) out.push(c.id);
    }
    return out;
  }

  /** The layer a cell is in (its ancestor that is a child of the root). */
  layerOf(id: string): string | null {
    let cell = this.doc.get(id);
    for (let steps = 0; cell !== null && steps < 10_000; steps++) {
      if (cell.parent === this.rootId) return cell.id;
      cell = this.doc.get(cell.parent);
    }
    return null;
  }

  /** The page position of a cell's coordinate origin (the sum of its ancestors' positions). */
  origin(parentId: string | null): { x: number; y: number } {
    let x = 0;
    let y = 0;
    let cell = this.doc.get(parentId);
    for (let steps = 0; cell !== null && steps < 10_000; steps++) {
      if (cell.parent === null || cell.parent === this.rootId || !cell.vertex) break;
      const g = cell.geometry;
      if (g !== null && !g.relative) {
        x += g.x;
        y += g.y;
      }
      cell = this.doc.get(cell.parent);
    }
    return { x, y };
  }

  /** A vertex's bounds on the page; null for cells placed relative to another. */
  bounds(cell: CellView): Rect | null {
    if (!cell.vertex) return null;
    const g = cell.geometry;
    if (g === null || g.relative) return null;
    const parent = this.doc.get(cell.parent);
    if (parent !== null && parent.edge) return null;
    const o = this.origin(cell.parent);
    return { x: o.x + g.x, y: o.y + g.y, width: g.width, height: g.height };
  }

  /** The free space between the page's shapes, built once (after marks, which move nothing). */
  space(): FreeSpace {
    if (this.#space === null) {
      const rects: Rect[] = [];
      for (const c of this.doc.cells()) {
        const b = this.bounds(c);
        if (b === null) continue;
        rects.push(c.style.verticalLabelPosition === "bottom" ? withLabel(b) : b);
      }
      this.#space = new FreeSpace(rects);
    }
    return this.#space;
  }

  /** The missing layer, created (as the topmost layer) the first time a page needs it. */
  missingLayer(): string {
    for (const c of this.doc.cells()) {
      if (c.parent === this.rootId && c.parent !== null && c.label === MISSING_LAYER) return c.id;
    }
    const root = this.ensureRoot();
    const id = this.doc.freeId(MISSING_LAYER_ID);
    const layers = this.layers();
    const after = layers.length === 0
      ? this.doc.indexOf(root)
      : Math.max(...layers.map((l) => this.doc.indexOf(l)));
    const el = new XElement(
      "mxCell",
      ["id", id, "value", MISSING_LAYER, "parent", root],
      [],
      false,
    );
    this.doc.insert(el, after);
    return id;
  }

  /** The page's root cell, made (with a first layer) on a page that has none. */
  ensureRoot(): string {
    if (this.rootId !== null) return this.rootId;
    const root = this.doc.freeId("0");
    this.doc.insert(new XElement("mxCell", ["id", root], [], false));
    this.rootId = root;
    const layer = this.doc.freeId("1");
    this.doc.insert(new XElement("mxCell", ["id", layer, "parent", root], [], false));
    return root;
  }

  /** The layer new cells go into: the first that is not the missing layer. */
  defaultLayer(): string {
    const root = this.ensureRoot();
    for (const id of this.layers()) {
      if (this.doc.get(id)?.label !== MISSING_LAYER) return id;
    }
    const layer = this.doc.freeId("1");
    this.doc.insert(new XElement("mxCell", ["id", layer, "parent", root], [], false));
    return layer;
  }
}
