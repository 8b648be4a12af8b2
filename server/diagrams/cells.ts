// Decodes one `<mxGraphModel>` element (xml.ts's lean tree) into a Page of `diagram_json`, the
// way draw.io's mxCodec does, so vertex, edge and layer counts match what draw.io reports: cells
// may be listed before their parent; duplicate ids decode into one cell; the root is the last
// cell decoded without a parent; only cells reachable from the root are in the model; cells
// without an id get one from mxGraphModel.createId. Every step is linear in the cells, however
// deeply they nest. Web APIs only: bundled into the draw.io plugin with parse.ts.

import type { XElement } from "./xml.ts";
import { DiagramParseError, type Edge, type Layer, type Page, type Vertex } from "./model.ts";
import {
  Cell,
  decode,
  flag,
  innerCell,
  labelOf,
  layerName,
  readCell,
  userAttributes,
} from "./cell.ts";
import { StringTable } from "./string_table.ts";
import { parseStyle } from "./cell_text.ts";

export function emptyPage(id: string, name: string): Page {
  return { id, name, layers: [], vertices: [], edges: [] };
}

const HEX_PREFIX = /0x/i;

/** The page an `<mxGraphModel>` element stands for; any other element is an empty page. */
export function pageFromModel(model: XElement, id: string, name: string): Page {
  if (model.name !== "mxGraphModel") return emptyPage(id, name);
  const rootEl = model.children.find((c) => typeof c !== "string" && c.name === "root") as
    | XElement
    | undefined;
  if (rootEl === undefined) return emptyPage(id, name);

  const byId = new StringTable<Cell>(rootEl.children.length);
  const order: Cell[] = [];
  const decoded: Cell[] = [];
  let idless = false;
  const nodes = rootEl.children;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n];
    if (typeof node === "string") continue;
    const rawId = node.attr("id");
    const key = rawId === undefined ? undefined : decode(rawId, node.references);
    let cell = key === undefined ? undefined : byId.get(key);
    if (cell === undefined) {
      cell = new Cell(key ?? null);
      if (key !== undefined) byId.set(key, cell);
      else idless = true;
      order.push(cell);
    }
    if (node.name === "mxCell") {
      readCell(cell, node);
    } else {
      cell.tag = node.name;
      cell.uo = node.attrs;
      cell.uoReferences = node.references;
      const inner = innerCell(node);
      if (inner !== null) readCell(cell, inner);
    }
    decoded.push(cell);
  }

  // Structure is restored once every cell is known, in decode order, as mxCodec does when it
  // resolves forward references.
  let root: Cell | null = null;
  for (let n = 0; n < decoded.length; n++) {
    const cell = decoded[n];
    const parent = cell.parentRef === undefined ? null : byId.get(cell.parentRef) ?? null;
    if (parent === cell) {
      throw new DiagramParseError(
        "invalid_model",
        `Cannot parse page "${name}": cell "${cell.id}" is its own parent`,
      );
    }
    cell.parent = parent;
    if (parent !== null) parent.children.push(cell);
    else root = cell;
  }
  if (root === null) return emptyPage(id, name);

  // The set of cells in the model, and ids for id-less cells, in mxGraphModel.cellAdded order.
  // A cell is only ever in its own parent's children, so the walk also hands each cell its
  // layer from its parent: one step per cell, however deep the nesting. When every cell has an
  // id, the ids are already distinct (duplicates decoded into one cell) and none is made.
  const ids = idless ? new IdMaker() : null;
  const stack: Cell[] = [root];
  while (stack.length > 0) {
    const cell = stack.pop() as Cell;
    if (cell.inModel) continue;
    cell.inModel = true;
    ids?.add(cell);
    for (let i = cell.children.length - 1; i >= 0; i--) {
      const child = cell.children[i];
      child.layer = cell === root ? child : cell.layer;
      stack.push(child);
    }
  }

  const layers: Layer[] = [];
  const seenLayer = new Set<Cell>();
  for (const l of root.children) {
    if (seenLayer.has(l)) continue;
    seenLayer.add(l);
    const layer: Layer = { id: l.id as string, name: layerName(l), visible: flag(l.visible, true) };
    if (l.uo !== null) {
      layer.tag = l.tag as string;
      layer.attributes = userAttributes(l.uo, l.uoReferences).attributes;
    }
    layers.push(layer);
  }

  const vertices: Vertex[] = [];
  const edges: Edge[] = [];
  // A drawing repeats a few styles many times (one per kind of device, one for its links): each
  // distinct style is parsed once, and its cells share the (frozen) result.
  // Cells of one kind usually follow each other: the last style is tried before the table.
  const styles = new StringTable<Readonly<Record<string, string>>>();
  const noStyle = Object.freeze(parseStyle(undefined));
  let lastRaw: string | undefined;
  let last: Readonly<Record<string, string>> = noStyle;
  for (let n = 0; n < order.length; n++) {
    const cell = order[n];
    if (!cell.inModel) continue;
    const isVertex = flag(cell.vertex, false);
    const isEdge = flag(cell.edge, false);
    if (!isVertex && !isEdge) continue;
    const raw = cell.style;
    let style = raw === lastRaw ? last : raw === undefined ? noStyle : styles.get(raw);
    if (style === undefined) {
      style = Object.freeze(parseStyle(raw));
      styles.set(raw as string, style);
    }
    lastRaw = raw;
    last = style;
    const label = labelOf(cell, style.html === "1");
    const cellId = cell.id as string;
    const parent = cell.parent === null ? null : cell.parent.id;
    const layer = cell.layer === null ? null : cell.layer.id;
    // A user object always has a tag; its placeholders, when it has them, come after the tag.
    const tag = cell.tag;
    const uo = cell.uo === null ? null : userAttributes(cell.uo, cell.uoReferences);
    const attributes = uo === null ? {} : uo.attributes;
    const placeholders = uo === null ? undefined : uo.placeholders;
    // Each shape of object written out whole, so every cell has its keys in the same order.
    if (isVertex) {
      const geometry = cell.geometry ?? { x: 0, y: 0, width: 0, height: 0 };
      vertices.push(
        tag === null
          ? { id: cellId, parent, layer, label, style, attributes, geometry }
          : placeholders === undefined
          ? { id: cellId, parent, layer, label, style, attributes, tag, geometry }
          : { id: cellId, parent, layer, label, style, attributes, tag, placeholders, geometry },
      );
    }
    if (isEdge) {
      const src = cell.sourceRef === undefined ? undefined : byId.get(cell.sourceRef);
      const tgt = cell.targetRef === undefined ? undefined : byId.get(cell.targetRef);
      const source = src === undefined ? null : src.id;
      const target = tgt === undefined ? null : tgt.id;
      edges.push(
        tag === null
          ? { id: cellId, parent, layer, label, style, attributes, source, target }
          : placeholders === undefined
          ? { id: cellId, parent, layer, label, style, attributes, tag, source, target }
          : {
            id: cellId,
            parent,
            layer,
            label,
            style,
            attributes,
            tag,
            placeholders,
            source,
            target,
          },
      );
    }
  }
  const page: Page = { id, name, layers, vertices, edges };
  if (root.uo !== null) {
    page.root = {
      id: root.id as string,
      tag: root.tag as string,
      ...userAttributes(root.uo, root.uoReferences),
    };
    if (page.root.placeholders === undefined) delete page.root.placeholders;
  }
  return page;
}

/** mxGraphModel's ids: cells are taken in cellAdded order; one without an id, or whose id is
 * taken, gets the next free number, and numeric ids move the next number past themselves. */
class IdMaker {
  #taken = new Map<string, Cell>();
  #next = 0;

  add(cell: Cell): void {
    const taken = this.#taken;
    if (cell.id === null || (taken.has(cell.id) && taken.get(cell.id) !== cell)) {
      do {
        cell.id = String(this.#next++);
      } while (taken.has(cell.id));
    }
    taken.set(cell.id, cell);
    const n = Number(cell.id);
    if (
      n > this.#next && Number.isFinite(n) && cell.id.trim() !== "" && !HEX_PREFIX.test(cell.id)
    ) {
      this.#next = n;
    }
  }
}
