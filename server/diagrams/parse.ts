// Parses draw.io files (mxfile, bare mxGraphModel, .drawio.svg, .drawio.png) into
// `diagram_json` (ARCHITECTURE.md §4.4). Cells are decoded the way draw.io's mxCodec does it,
// so vertex, edge and layer counts match what draw.io itself reports for the same file.
// Web APIs only: this module is also bundled into the draw.io plugin.
//
// Every parse runs within DiagramLimits (bytes once pages are inflated, cells, XML depth), so
// that what an input stands for, not only its size, is bounded; and every step is linear in the
// cells, however deeply they nest.

import { ATTRS, parseXmlTree, TEXT, XmlDepthError, XmlSyntaxError, type XNode } from "./xml.ts";
import {
  base64ToBytes,
  decompressPage,
  inflate,
  InflateLimitError,
  uriDecodedSize,
  utf8Length,
} from "./compress.ts";
import {
  DEFAULT_DIAGRAM_LIMITS,
  DiagramJson,
  type DiagramLimits,
  DiagramParseError,
  Edge,
  Geometry,
  Layer,
  Page,
  summarize,
  Vertex,
} from "./model.ts";

export { DEFAULT_DIAGRAM_LIMITS, DiagramParseError } from "./model.ts";
export type { DiagramJson, DiagramLimits, DiagramParseErrorCode } from "./model.ts";

type Attrs = Record<string, string>;

/**
 * Parses draw.io XML text (mxfile, mxGraphModel, or an SVG carrying a diagram). Limits not
 * given are DEFAULT_DIAGRAM_LIMITS; a diagram over one is refused with DiagramParseError
 * (`too_large`, `too_many_cells` or `too_deep`, naming the limit in `limit`).
 */
export async function parseDiagram(
  input: string,
  limits: Partial<DiagramLimits> = {},
): Promise<DiagramJson> {
  return summarize(await pagesFromText(input, 0, new Budget(limits)));
}

/**
 * Parses a draw.io file given as bytes: `.drawio`/`.xml` text, `.drawio.svg`, or `.drawio.png`
 * (detected by the PNG signature; `name` is only used in error messages).
 */
export async function parseDiagramFile(
  bytes: Uint8Array,
  name?: string,
  limits: Partial<DiagramLimits> = {},
): Promise<DiagramJson> {
  const budget = new Budget(limits);
  if (isPng(bytes)) {
    const text = await textFromPng(bytes, budget);
    if (text === null) {
      throw new DiagramParseError(
        "not_a_diagram",
        `Cannot read ${
          name ?? "the PNG file"
        } as a diagram: it carries no embedded draw.io diagram`,
      );
    }
    return summarize(await pagesFromText(text, 1, budget));
  }
  return summarize(await pagesFromText(new TextDecoder().decode(bytes), 0, budget));
}

/** What is left of the limits while one diagram is parsed. */
class Budget {
  readonly limits: DiagramLimits;
  /** Bytes of XML still allowed. */
  bytes: number;
  #cells: number;

  constructor(limits: Partial<DiagramLimits>) {
    this.limits = { ...DEFAULT_DIAGRAM_LIMITS, ...limits };
    this.bytes = this.limits.maxBytes;
    this.#cells = this.limits.maxCells;
  }

  spendBytes(n: number, what: string): void {
    this.bytes -= n;
    if (this.bytes < 0) throw this.tooLarge(what);
  }

  tooLarge(what: string): DiagramParseError {
    const max = this.limits.maxBytes;
    return new DiagramParseError(
      "too_large",
      `Cannot parse the diagram: ${what} takes it over the limit of ${max} bytes`,
      { name: "maxBytes", value: max },
    );
  }

  spendCell(): void {
    if (--this.#cells >= 0) return;
    const max = this.limits.maxCells;
    throw new DiagramParseError(
      "too_many_cells",
      `Cannot parse the diagram: it has more than ${max} cells, the limit`,
      { name: "maxCells", value: max },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Text to pages

async function pagesFromText(input: string, depth: number, budget: Budget): Promise<Page[]> {
  const text = cleanText(input);
  const root = rootElementName(text);
  if (root.name === "svg") {
    if (depth > 1) throw notADiagram("an SVG nested inside a diagram");
    // The drawing around the diagram is not counted: only the diagram it carries is.
    return await pagesFromText(contentOfSvg(text, root.start, budget), depth + 1, budget);
  }
  budget.spendBytes(utf8Length(text), "its XML");
  if (root.doctype) {
    throw new DiagramParseError(
      "doctype_forbidden",
      "Cannot parse the diagram: it declares a DOCTYPE, which diagrams never need and which could expand entities",
    );
  }
  if (root.name !== "mxfile" && root.name !== "mxGraphModel" && root.name !== "diagram") {
    throw notADiagram(`root element <${root.name}>`);
  }
  const doc = parseXml(text, budget);
  const top = firstElement(doc);
  if (top === null) throw notADiagram("a document without elements");
  const topName = nameOf(top);
  if (topName === "mxGraphModel") return [pageFromModel(top, "page-1", "Page-1")];
  const diagrams = topName === "diagram" ? [top] : childElements(top, "diagram");
  const pages: Page[] = [];
  for (let i = 0; i < diagrams.length; i++) {
    const d = diagrams[i];
    const a = attrsOf(d);
    const id = a.id !== undefined ? decodeXml(a.id) : `page-${i + 1}`;
    const name = a.name !== undefined ? decodeXml(a.name) : `Page-${i + 1}`;
    pages.push(await pageFromDiagram(d, id, name, budget));
  }
  return pages;
}

async function pageFromDiagram(
  diagram: XNode,
  id: string,
  name: string,
  budget: Budget,
): Promise<Page> {
  const children = childrenOf(diagram);
  const model = children.find((c) => nameOf(c) !== TEXT);
  if (model !== undefined) return pageFromModel(model, id, name);
  const compressed = children.map((c) => c[TEXT] as string).join("").trim();
  if (compressed === "") return emptyPage(id, name);
  // The page's inflated XML takes the place of its base64 text, counted with the file's XML.
  budget.bytes += compressed.length;
  let xml: string;
  try {
    xml = await decompressPage(compressed, budget.bytes);
  } catch (e) {
    if (e instanceof InflateLimitError) throw budget.tooLarge(`page "${name}", inflated,`);
    throw new DiagramParseError(
      "bad_compression",
      `Cannot decompress page "${name}": ${(e as Error).message}`,
    );
  }
  budget.spendBytes(utf8Length(xml), `page "${name}", inflated,`);
  xml = cleanText(xml);
  const root = rootElementName(xml);
  if (root.doctype) {
    throw new DiagramParseError(
      "doctype_forbidden",
      `Cannot parse page "${name}": it declares a DOCTYPE`,
    );
  }
  if (root.name !== "mxGraphModel") {
    throw notADiagram(`page "${name}" whose content is <${root.name}>`);
  }
  const top = firstElement(parseXml(xml, budget));
  return pageFromModel(top as XNode, id, name);
}

function emptyPage(id: string, name: string): Page {
  return { id, name, layers: [], vertices: [], edges: [] };
}

// ---------------------------------------------------------------------------------------------
// Model decoding, following mxCodec: cells may be listed before their parent; duplicate ids
// decode into one cell; the root is the last cell decoded without a parent; only cells reachable
// from the root are in the model; cells without an id get one from mxGraphModel.createId.

interface Cell {
  id: string | null;
  tag: string | null;
  uo: Attrs | null;
  value: string | undefined;
  style: string | undefined;
  vertex: string | undefined;
  edge: string | undefined;
  visible: string | undefined;
  parentRef: string | undefined;
  sourceRef: string | undefined;
  targetRef: string | undefined;
  geometry: Geometry | null;
  parent: Cell | null;
  children: Cell[];
  /** The ancestor that is a child of the root (itself for a layer); set once the model is known. */
  layer: Cell | null;
}

function pageFromModel(model: XNode, id: string, name: string): Page {
  if (nameOf(model) !== "mxGraphModel") return emptyPage(id, name);
  const rootEl = childrenOf(model).find((c) => nameOf(c) === "root");
  if (rootEl === undefined) return emptyPage(id, name);

  const byId = new Map<string, Cell>();
  const order: Cell[] = [];
  const decoded: Cell[] = [];
  for (const node of childrenOf(rootEl)) {
    const tag = nameOf(node);
    if (tag === TEXT) continue;
    const outer = attrsOf(node);
    let inner: XNode | null = node;
    let uo: Attrs | null = null;
    let cellId: string | undefined;
    if (tag === "mxCell") {
      cellId = outer.id;
    } else {
      inner = innerCell(node);
      uo = outer;
      cellId = outer.id;
    }
    const key = cellId === undefined ? undefined : decodeXml(cellId);
    let cell = key === undefined ? undefined : byId.get(key);
    if (cell === undefined) {
      cell = newCell(key ?? null);
      if (key !== undefined) byId.set(key, cell);
      order.push(cell);
    }
    if (uo !== null) {
      cell.tag = tag;
      cell.uo = uo;
    }
    if (inner !== null) readCell(cell, inner);
    decoded.push(cell);
  }

  // Structure is restored once every cell is known, in decode order, as mxCodec does when it
  // resolves forward references.
  let root: Cell | null = null;
  for (const cell of decoded) {
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

  // Ids for id-less cells and the set of cells in the model, in mxGraphModel.cellAdded order.
  // A cell is only ever in its own parent's children, so the walk also hands each cell its
  // layer from its parent: one step per cell, however deep the nesting.
  const inModel = new Set<Cell>();
  const idTaken = new Map<string, Cell>();
  let nextId = 0;
  const stack: Cell[] = [root];
  while (stack.length > 0) {
    const cell = stack.pop() as Cell;
    if (inModel.has(cell)) continue;
    inModel.add(cell);
    if (cell.id === null || (idTaken.has(cell.id) && idTaken.get(cell.id) !== cell)) {
      do {
        cell.id = String(nextId++);
      } while (idTaken.has(cell.id));
    }
    idTaken.set(cell.id, cell);
    const n = Number(cell.id);
    if (cell.id.trim() !== "" && Number.isFinite(n) && !/0x/i.test(cell.id) && n > nextId) {
      nextId = n;
    }
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
      layer.attributes = userAttributes(l.uo).attributes;
    }
    layers.push(layer);
  }

  const vertices: Vertex[] = [];
  const edges: Edge[] = [];
  // A drawing repeats a few styles many times (one per kind of device, one for its links): each
  // distinct style is parsed once, and its cells share the (frozen) result.
  const styles = new Map<string | undefined, Readonly<Record<string, string>>>();
  for (const cell of order) {
    if (!inModel.has(cell)) continue;
    const isVertex = flag(cell.vertex, false);
    const isEdge = flag(cell.edge, false);
    if (!isVertex && !isEdge) continue;
    let style = styles.get(cell.style);
    if (style === undefined) {
      style = Object.freeze(parseStyle(cell.style));
      styles.set(cell.style, style);
    }
    const rawLabel = cell.uo !== null ? cell.uo.label : cell.value;
    const label = rawLabel === undefined
      ? ""
      : style.html === "1"
      ? htmlToText(decodeXml(rawLabel))
      : decodeXml(rawLabel);
    const { attributes, placeholders } = userAttributes(cell.uo);
    const base = {
      id: cell.id as string,
      parent: cell.parent === null ? null : cell.parent.id,
      layer: cell.layer === null ? null : cell.layer.id,
      label,
      style,
      attributes,
    } as Vertex & Edge;
    if (cell.tag !== null) base.tag = cell.tag;
    if (placeholders !== undefined) base.placeholders = placeholders;
    if (isVertex) {
      vertices.push({ ...base, geometry: cell.geometry ?? { x: 0, y: 0, width: 0, height: 0 } });
    }
    if (isEdge) {
      const src = cell.sourceRef === undefined ? undefined : byId.get(cell.sourceRef);
      const tgt = cell.targetRef === undefined ? undefined : byId.get(cell.targetRef);
      edges.push({
        ...base,
        source: src === undefined ? null : src.id,
        target: tgt === undefined ? null : tgt.id,
      });
    }
  }
  const page: Page = { id, name, layers, vertices, edges };
  if (root.uo !== null) {
    page.root = { id: root.id as string, tag: root.tag as string, ...userAttributes(root.uo) };
    if (page.root.placeholders === undefined) delete page.root.placeholders;
  }
  return page;
}

/** A user object's attributes without label and id; placeholders is kept apart. */
function userAttributes(uo: Attrs | null): { attributes: Attrs; placeholders?: string } {
  const attributes: Attrs = {};
  let placeholders: string | undefined;
  if (uo !== null) {
    for (const k in uo) {
      if (k === "label" || k === "id" || k === "__proto__") continue;
      if (k === "placeholders") placeholders = decodeXml(uo[k]);
      else attributes[k] = decodeXml(uo[k]);
    }
  }
  return placeholders === undefined ? { attributes } : { attributes, placeholders };
}

function newCell(id: string | null): Cell {
  return {
    id,
    tag: null,
    uo: null,
    value: undefined,
    style: undefined,
    vertex: undefined,
    edge: undefined,
    visible: undefined,
    parentRef: undefined,
    sourceRef: undefined,
    targetRef: undefined,
    geometry: null,
    parent: null,
    children: [],
    layer: null,
  };
}

/** Copies the attributes an `<mxCell>` carries; absent ones keep earlier values (duplicates). */
function readCell(cell: Cell, inner: XNode): void {
  const a = attrsOf(inner);
  if (a.value !== undefined) cell.value = a.value;
  if (a.style !== undefined) cell.style = decodeXml(a.style);
  if (a.vertex !== undefined) cell.vertex = a.vertex;
  if (a.edge !== undefined) cell.edge = a.edge;
  if (a.visible !== undefined) cell.visible = a.visible;
  // A reference that is present but dangling still clears the earlier one, as in mxCellCodec.
  if (a.parent !== undefined) cell.parentRef = decodeXml(a.parent);
  if (a.source !== undefined) cell.sourceRef = decodeXml(a.source);
  if (a.target !== undefined) cell.targetRef = decodeXml(a.target);
  const kids = inner[nameOf(inner)] as XNode[];
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i];
    if (nameOf(k) !== "mxGeometry") continue;
    const g = attrsOf(k);
    if (g.as !== "geometry") continue;
    cell.geometry = { x: num(g.x), y: num(g.y), width: num(g.width), height: num(g.height) };
  }
}

/**
 * The `<mxCell>` inside a user object. Like mxCellCodec, only the first `<mxCell>` of the
 * subtree counts, and only when it is a direct child.
 */
function innerCell(node: XNode): XNode | null {
  for (const child of childrenOf(node)) {
    const n = nameOf(child);
    if (n === "mxCell") return child;
    if (n !== TEXT && containsCell(child)) return null;
  }
  return null;
}

/** Whether an `<mxCell>` is anywhere below `node` (a walk with its own stack, not recursion). */
function containsCell(node: XNode): boolean {
  const stack = [node];
  while (stack.length > 0) {
    for (const child of childrenOf(stack.pop() as XNode)) {
      const n = nameOf(child);
      if (n === "mxCell") return true;
      if (n !== TEXT) stack.push(child);
    }
  }
  return false;
}

function layerName(l: Cell): string | null {
  const raw = l.uo !== null ? l.uo.label : l.value;
  return raw === undefined ? null : decodeXml(raw);
}

/** mxCell flags are truthy unless numerically zero (`vertex="1"`, `visible="0"`). */
function flag(raw: string | undefined, dflt: boolean): boolean {
  return raw === undefined ? dflt : Number(raw) !== 0;
}

function num(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = parseFloat(raw);
  return Number.isFinite(n) ? n : 0;
}

/** `key=value;` pairs; a leading token without `=` is the shape (draw.io's named style). */
export function parseStyle(style: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (style === undefined || style === "") return out;
  const parts = style.split(";");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq < 0) {
      if (i === 0) out.shape = p;
      continue;
    }
    const key = p.slice(0, eq);
    if (key === "__proto__") continue;
    out[key] = p.slice(eq + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

const XML_ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  laquo: "«",
  raquo: "»",
  euro: "€",
  bull: "•",
  middot: "·",
  deg: "°",
};

function entity(m: string, body: string): string {
  if (body.charCodeAt(0) === 35) {
    const code = body[1] === "x" || body[1] === "X"
      ? parseInt(body.slice(2), 16)
      : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  }
  return NAMED[body] ?? m;
}

/** Decodes the five XML entities and character references in an attribute value. */
export function decodeXml(s: string): string {
  return s.indexOf("&") < 0 ? s : s.replace(XML_ENTITY, entity);
}

const HTML_ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g;

/** Plain text of an HTML label: line breaks and block ends become newlines, tags are dropped. */
export function htmlToText(html: string): string {
  if (html.indexOf("<") < 0 && html.indexOf("&") < 0) return html.trim();
  const text = html
    .replace(/[\r\n\t]+/g, " ")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(div|p|li|tr|h[1-6])\s*>/gi, "\n")
    .replace(/<\/?[a-zA-Z][^>]*>/g, "")
    .replace(HTML_ENTITY, entity)
    .replace(/\u00a0/g, " ");
  return text.replace(/[ \t]*\n[ \t]*/g, "\n").trim();
}

// C0 control characters other than tab, newline and carriage return are not allowed in XML;
// draw.io removes them before parsing (Graph.zapGremlins), so do we.
// deno-lint-ignore no-control-regex
const GREMLINS = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;

function cleanText(s: string): string {
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  return s.replace(GREMLINS, "");
}

interface RootInfo {
  name: string;
  start: number;
  doctype: boolean;
}

/**
 * Where the first `<!DOCTYPE` is (-1 if none) and whether `<!ENTITY` occurs anywhere, either in
 * any letter case: one pass over the `<!` markup starts, which a diagram has few of.
 */
function declarations(text: string): { entity: boolean; doctypeAt: number } {
  let doctypeAt = -1;
  for (let i = text.indexOf("<!"); i >= 0; i = text.indexOf("<!", i + 2)) {
    const word = text.slice(i + 2, i + 9).toUpperCase();
    if (word.startsWith("ENTITY")) return { entity: true, doctypeAt };
    if (word === "DOCTYPE" && doctypeAt < 0) doctypeAt = i;
  }
  return { entity: false, doctypeAt };
}

/** Finds the root element's name, skipping the prolog; refuses entity declarations anywhere. */
function rootElementName(text: string): RootInfo {
  const decl = declarations(text);
  if (decl.entity) {
    throw new DiagramParseError(
      "doctype_forbidden",
      "Cannot parse the diagram: it declares XML entities, which are refused",
    );
  }
  let doctype = false;
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith("<?", i)) {
      const end = text.indexOf("?>", i);
      if (end < 0) throw malformed("unterminated processing instruction");
      i = end + 2;
    } else if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i);
      if (end < 0) throw malformed("unterminated comment");
      i = end + 3;
    } else if (/^<!DOCTYPE/i.test(text.slice(i, i + 9))) {
      const end = text.indexOf(">", i);
      if (end < 0) throw malformed("unterminated DOCTYPE");
      // An internal subset is where entities would be declared: refused outright.
      if (text.slice(i, end).includes("[")) {
        throw new DiagramParseError(
          "doctype_forbidden",
          "Cannot parse the diagram: its DOCTYPE has an internal subset, which is refused",
        );
      }
      doctype = true;
      i = end + 1;
    } else break;
  }
  if (i >= text.length) throw notADiagram("an empty document");
  if (text[i] !== "<") {
    throw notADiagram("text that is not XML (CSV or plain text?)");
  }
  const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i, i + 200));
  if (m === null) throw malformed(`unexpected markup at offset ${i}`);
  if (decl.doctypeAt >= i) doctype = true;
  return { name: m[1], start: i, doctype };
}

// Entities are left alone by the reader and decoded here, in one pass, only in the attribute
// values that are read: no entity is ever expanded from a DTD.
function parseXml(text: string, budget: Budget, what = "diagram"): XNode[] {
  const max = budget.limits.maxXmlDepth;
  try {
    // Cells are counted as they are read: a page with too many is refused before it is whole.
    return parseXmlTree(text, {
      maxDepth: max,
      onElement: (_, open) => {
        const n = open.length;
        if (n >= 2 && open[n - 1] === "root" && open[n - 2] === "mxGraphModel") budget.spendCell();
      },
    });
  } catch (err) {
    if (err instanceof XmlDepthError) {
      throw new DiagramParseError(
        "too_deep",
        `Cannot parse the ${what}: its XML elements nest more than ${max} deep, the limit`,
        { name: "maxXmlDepth", value: max },
      );
    }
    if (!(err instanceof XmlSyntaxError)) throw err;
    throw new DiagramParseError(
      "malformed_xml",
      `Cannot parse the ${what}: malformed XML at line ${err.line}, column ${err.col}: ${err.message}`,
    );
  }
}

/** The diagram inside a `.drawio.svg`: the root `<svg>`'s `content` attribute. */
function contentOfSvg(text: string, start: number, budget: Budget): string {
  const svg = firstElement(parseXml(text.slice(start), budget, "SVG"));
  const raw = svg === null ? undefined : attrsOf(svg).content;
  if (raw === undefined) throw notADiagram("an SVG without an embedded draw.io diagram");
  let content = decodeXml(raw).trim();
  // As draw.io reads it: plain XML, URI-encoded XML, or base64 of URI-encoded XML. Some
  // exporters also escape the XML once more.
  if (content.startsWith("&lt;")) content = decodeXml(content);
  try {
    if (content !== "" && content[0] !== "<" && content[0] !== "%") {
      content = new TextDecoder().decode(base64ToBytes(content));
    }
    if (content[0] === "%") content = decodeURIComponent(content);
  } catch {
    throw notADiagram("an SVG whose content attribute cannot be decoded");
  }
  return content;
}

// ---------------------------------------------------------------------------------------------
// PNG

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

/** The draw.io XML carried by a PNG's text chunk (`mxfile`, or the older `mxGraphModel`). */
async function textFromPng(b: Uint8Array, budget: Budget): Promise<string | null> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 8 <= b.length) {
    const len = view.getUint32(at);
    const type = latin1.decode(b.subarray(at + 4, at + 8));
    const data = b.subarray(at + 8, Math.min(at + 8 + len, b.length));
    at += 12 + len;
    if (type === "IEND") break;
    if (type !== "tEXt" && type !== "zTXt" && type !== "iTXt") continue;
    const nul = data.indexOf(0);
    if (nul < 0) continue;
    const keyword = latin1.decode(data.subarray(0, nul));
    if (keyword !== "mxfile" && keyword !== "mxGraphModel") continue;
    let raw: string;
    if (type === "tEXt") {
      raw = latin1.decode(data.subarray(nul + 1));
    } else if (type === "zTXt") {
      raw = latin1.decode(await inflateEither(data.subarray(nul + 2), budget));
    } else {
      const compressed = data[nul + 1] === 1;
      let p = nul + 3;
      p = data.indexOf(0, p) + 1; // language tag
      p = data.indexOf(0, p) + 1; // translated keyword
      if (p <= 0) continue;
      const body = data.subarray(p);
      raw = utf8.decode(compressed ? await inflateEither(body, budget) : body);
    }
    try {
      // Java's URL encoder writes spaces as '+'.
      return decodeURIComponent(type === "zTXt" ? raw.replace(/\+/g, " ") : raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/**
 * A PNG text chunk inflated (zlib, or raw deflate from some writers), stopped once its URI-decoded
 * size passes what is left of the byte budget; the text is then counted by pagesFromText.
 */
async function inflateEither(data: Uint8Array, budget: Budget): Promise<Uint8Array> {
  const tooLarge = () => budget.tooLarge("the PNG's diagram chunk, inflated,");
  try {
    return await inflate(data, "deflate", budget.bytes, uriDecodedSize);
  } catch (e) {
    if (e instanceof InflateLimitError) throw tooLarge();
    try {
      return await inflate(data, "deflate-raw", budget.bytes, uriDecodedSize);
    } catch (e) {
      if (e instanceof InflateLimitError) throw tooLarge();
      throw new DiagramParseError(
        "bad_compression",
        `Cannot inflate the PNG's diagram chunk: ${(e as Error).message}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tree helpers (xml.ts nodes)

function nameOf(node: XNode): string {
  for (const k in node) if (k !== ATTRS) return k;
  return "";
}

function attrsOf(node: XNode): Attrs {
  return (node[ATTRS] as Attrs | undefined) ?? EMPTY;
}
const EMPTY: Attrs = Object.freeze({}) as Attrs;

function childrenOf(node: XNode): XNode[] {
  const c = node[nameOf(node)];
  return Array.isArray(c) ? (c as XNode[]) : [];
}

function childElements(node: XNode, name: string): XNode[] {
  return childrenOf(node).filter((c) => nameOf(c) === name);
}

function firstElement(nodes: XNode[]): XNode | null {
  for (const n of nodes) if (nameOf(n) !== TEXT) return n;
  return null;
}

function notADiagram(what: string): DiagramParseError {
  return new DiagramParseError(
    "not_a_diagram",
    `Cannot parse ${what}: it is not a draw.io diagram`,
  );
}

function malformed(what: string): DiagramParseError {
  return new DiagramParseError("malformed_xml", `Cannot parse the diagram: ${what}`);
}
