// The stored draw.io XML of a diagram as refresh-diagram edits it: pages (compressed or not)
// whose cells can be read and replaced one by one, and written back with everything it did not
// touch kept as it was. Cells are edited in the XML tree (xml.ts), never through diagram_json:
// a round trip through the model would drop what it does not keep (HTML labels, waypoints,
// edge label offsets). A page that no edit touched is written back as it was read; a changed
// compressed page is compressed again.
// Slightly over 400 lines: the reading and writing of cells are one data structure, split only
// at the cost of exposing its internals.
import { readXml, XElement } from "./xml.ts";
import { compressPage, decompressPage } from "./compress.ts";
import { decodeXml, parseStyle } from "./cell_text.ts";
import { esc } from "./build.ts";

/** What one change of a cell's attributes sets: a value, or null to remove the attribute. */
export type AttrChanges = Record<string, string | null>;

/** A cell's geometry as mxGeometry says it (`relative` cells are placed within another). */
export interface CellGeometry {
  x: number;
  y: number;
  width: number;
  height: number;
  relative: boolean;
}

/** One cell of a page: an `<mxCell>`, or a user object with its `<mxCell>` inside. */
export class CellView {
  readonly id: string;
  /** The `<mxCell>` (the element itself for a plain cell). */
  readonly inner: XElement | null;
  constructor(readonly el: XElement) {
    this.id = value(el, "id") ?? "";
    this.inner = el.name === "mxCell" ? el : innerCellOf(el);
  }

  get isObject(): boolean {
    return this.el.name !== "mxCell";
  }

  /** A user object attribute (decoded); undefined for plain cells. */
  attr(name: string): string | undefined {
    return this.isObject ? value(this.el, name) : undefined;
  }

  /** An `<mxCell>` attribute (decoded). */
  cellAttr(name: string): string | undefined {
    return this.inner === null ? undefined : value(this.inner, name);
  }

  get parent(): string | null {
    return this.cellAttr("parent") ?? null;
  }
  get vertex(): boolean {
    return this.cellAttr("vertex") === "1";
  }
  get edge(): boolean {
    return this.cellAttr("edge") === "1";
  }
  get source(): string | null {
    return this.cellAttr("source") ?? null;
  }
  get target(): string | null {
    return this.cellAttr("target") ?? null;
  }
  get styleText(): string {
    return this.cellAttr("style") ?? "";
  }
  #style: Record<string, string> | null = null;
  get style(): Record<string, string> {
    return this.#style ??= parseStyle(this.styleText);
  }
  /** The label as stored: the user object's `label`, else the cell's `value` (decoded). */
  get label(): string {
    return (this.isObject ? this.attr("label") : this.cellAttr("value")) ?? "";
  }

  get geometry(): CellGeometry | null {
    const g = geometryElement(this.inner);
    if (g === null) return null;
    const n = (name: string) => {
      const raw = g.attr(name);
      const v = raw === undefined ? 0 : parseFloat(raw);
      return Number.isFinite(v) ? v : 0;
    };
    return {
      x: n("x"),
      y: n("y"),
      width: n("width"),
      height: n("height"),
      relative: g.attr("relative") === "1",
    };
  }
}

function value(el: XElement, name: string): string | undefined {
  const raw = el.attr(name);
  return raw === undefined ? undefined : el.references ? decodeXml(raw) : raw;
}

function innerCellOf(el: XElement): XElement | null {
  for (const c of el.children) if (typeof c !== "string" && c.name === "mxCell") return c;
  return null;
}

function geometryElement(inner: XElement | null): XElement | null {
  if (inner === null) return null;
  for (const c of inner.children) {
    if (typeof c !== "string" && c.name === "mxGeometry" && c.attr("as") === "geometry") return c;
  }
  return null;
}

/** An element with some attributes set (values given as text, escaped here) or removed. */
export function withAttrs(el: XElement, changes: AttrChanges): XElement {
  const attrs: string[] = [];
  const done = new Set<string>();
  let references = el.references;
  for (let i = 0; i < el.attrs.length; i += 2) {
    const k = el.attrs[i];
    if (!(k in changes)) {
      attrs.push(k, el.attrs[i + 1]);
      continue;
    }
    done.add(k);
    const v = changes[k];
    if (v === null) continue;
    const raw = esc(v);
    references ||= raw.includes("&");
    attrs.push(k, raw);
  }
  for (const [k, v] of Object.entries(changes)) {
    if (done.has(k) || v === null) continue;
    const raw = esc(v);
    references ||= raw.includes("&");
    attrs.push(k, raw);
  }
  return new XElement(el.name, attrs, el.children, references);
}

/** What one edit of a cell changes. */
export interface CellEdit {
  /** User object attributes (label included); a plain cell becomes a user object. */
  object?: AttrChanges;
  /** `<mxCell>` attributes (style, parent...). */
  cell?: AttrChanges;
  /** Style keys set, or removed with null; the other keys and their order are kept. */
  style?: AttrChanges;
  /** Moves the cell's geometry (and an edge's points) by this much. */
  shift?: { dx: number; dy: number };
}

/** A cell's element with an edit applied. */
export function editCell(view: CellView, edit: CellEdit): XElement {
  let inner = view.inner ?? new XElement("mxCell", [], [], false);
  const cellChanges: AttrChanges = { ...edit.cell };
  if (edit.style !== undefined) {
    const style = editStyle(view.styleText, edit.style);
    cellChanges.style = style === "" ? null : style;
  }
  if (Object.keys(cellChanges).length > 0) inner = withAttrs(inner, cellChanges);
  if (edit.shift !== undefined && (edit.shift.dx !== 0 || edit.shift.dy !== 0)) {
    inner = shiftGeometry(inner, edit.shift.dx, edit.shift.dy);
  }
  if (edit.object === undefined || Object.keys(edit.object).length === 0) {
    if (!view.isObject) return inner;
    return replaceChild(view.el, view.inner, inner);
  }
  if (view.isObject) return replaceChild(withAttrs(view.el, edit.object), view.inner, inner);
  // A plain cell becomes a user object: its value is the object's label, its id the object's.
  const label = view.cellAttr("value");
  const bare = withAttrs(inner, { id: null, value: null });
  const base: AttrChanges = { label: label ?? "", ...edit.object, id: view.id };
  const object = withAttrs(new XElement("object", [], [], false), base);
  return new XElement(object.name, object.attrs, [bare], object.references);
}

function replaceChild(el: XElement, old: XElement | null, now: XElement): XElement {
  const children = old === null
    ? [...el.children, now]
    : el.children.map((c) => c === old ? now : c);
  return new XElement(el.name, el.attrs, children, el.references);
}

/** A style with keys set or removed; the other keys keep their place and text. */
export function editStyle(style: string, changes: AttrChanges): string {
  const parts = style.split(";").filter((p) => p !== "");
  const done = new Set<string>();
  const out: string[] = [];
  for (const p of parts) {
    const eq = p.indexOf("=");
    const key = eq < 0 ? null : p.slice(0, eq);
    if (key === null || !(key in changes)) {
      out.push(p);
      continue;
    }
    done.add(key);
    const v = changes[key];
    if (v !== null) out.push(`${key}=${v}`);
  }
  for (const [k, v] of Object.entries(changes)) {
    if (!done.has(k) && v !== null) out.push(`${k}=${v}`);
  }
  return out.length === 0 ? "" : out.join(";") + ";";
}

/** Moves a cell's geometry; for an edge, its terminal points and waypoints. */
function shiftGeometry(inner: XElement, dx: number, dy: number): XElement {
  const geo = geometryElement(inner);
  if (geo === null) return inner;
  const move = (el: XElement, withXY: boolean): XElement => {
    let out = el;
    if (withXY) {
      const x = parseFloat(el.attr("x") ?? "0") || 0;
      const y = parseFloat(el.attr("y") ?? "0") || 0;
      out = withAttrs(out, { x: num(x + dx), y: num(y + dy) });
    }
    const kids = out.children.map((c) => {
      if (typeof c === "string") return c;
      // An edge label's offset is relative to the edge, not a position on the page.
      if (c.name === "mxPoint" && c.attr("as") !== "offset") return move(c, true);
      if (c.name === "Array") return move(c, false);
      return c;
    });
    return new XElement(out.name, out.attrs, kids, out.references);
  };
  return replaceChild(inner, geo, move(geo, geo.attr("relative") !== "1"));
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/** One page of the diagram: its `<root>` children, editable in place. */
export class PageDoc {
  /** The `<root>` element's children, in document order. */
  readonly items: (XElement | string)[];
  readonly #index = new Map<string, number>();
  changed = false;

  constructor(
    readonly id: string,
    readonly name: string,
    /** The `<mxGraphModel>`; null for an empty page. */
    readonly model: XElement | null,
    /** Whether the page was stored compressed. */
    readonly compressed: boolean,
  ) {
    const root = model === null ? null : childNamed(model, "root");
    this.items = root === null ? [] : [...root.children];
    for (let i = 0; i < this.items.length; i++) {
      const el = this.items[i];
      if (typeof el === "string") continue;
      const id = value(el, "id");
      // The last element of an id is the one draw.io keeps (its decoder overwrites).
      if (id !== undefined) this.#index.set(id, i);
    }
  }

  get(id: string | null): CellView | null {
    if (id === null) return null;
    const i = this.#index.get(id);
    return i === undefined ? null : new CellView(this.items[i] as XElement);
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** Every cell, in document order. */
  *cells(): Generator<CellView> {
    for (const el of this.items) if (typeof el !== "string") yield new CellView(el);
  }

  /** Replaces a cell's element with an edited one. */
  replace(id: string, el: XElement): void {
    const i = this.#index.get(id);
    if (i === undefined) throw new Error(`no cell ${id}`);
    this.items[i] = el;
    this.changed = true;
  }

  /** Adds a cell after the element at `after` (-1: at the end). */
  insert(el: XElement, after = -1): void {
    const at = after < 0 ? this.items.length : after + 1;
    this.items.splice(at, 0, el);
    if (at < this.items.length - 1) {
      for (const [k, i] of this.#index) if (i >= at) this.#index.set(k, i + 1);
    }
    this.#index.set(value(el, "id") ?? "", at);
    this.changed = true;
  }

  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /** An id no cell of the page has: `base`, else `base-2`, `base-3`... */
  freeId(base: string): string {
    if (!this.#index.has(base)) return base;
    let n = 2;
    while (this.#index.has(`${base}-${n}`)) n++;
    return `${base}-${n}`;
  }

  /** The page's `<mxGraphModel>` with its edited cells. */
  modelElement(): XElement {
    const root = new XElement("root", [], this.items, false);
    if (this.model === null) return new XElement("mxGraphModel", [], [root], false);
    let replaced = false;
    const children = this.model.children.map((c) => {
      if (typeof c !== "string" && c.name === "root" && !replaced) {
        replaced = true;
        return root;
      }
      return c;
    });
    if (!replaced) children.push(root);
    return new XElement(this.model.name, this.model.attrs, children, this.model.references);
  }
}

function childNamed(el: XElement, name: string): XElement | null {
  for (const c of el.children) if (typeof c !== "string" && c.name === name) return c;
  return null;
}

/** A diagram's stored XML read into pages. */
export class DiagramDoc {
  private constructor(
    private readonly top: XElement,
    readonly pages: PageDoc[],
    /** The `<diagram>` element of each page; null when the document is a bare model. */
    private readonly diagrams: (XElement | null)[],
  ) {}

  /**
   * Reads mxfile, `<diagram>` and bare `<mxGraphModel>` documents; compressed pages are
   * inflated up to `maxBytes` each. Anything else is refused with a TypeError.
   */
  static async read(xml: string, maxBytes = Infinity, maxDepth = 256): Promise<DiagramDoc> {
    const top = readXml(xml, { maxDepth });
    if (top.name === "mxGraphModel") {
      return new DiagramDoc(top, [new PageDoc("page-1", "Page-1", top, false)], [null]);
    }
    const diagrams = top.name === "diagram"
      ? [top]
      : top.name === "mxfile"
      ? top.children.filter((c): c is XElement => typeof c !== "string" && c.name === "diagram")
      : null;
    if (diagrams === null) {
      throw new TypeError(`a document whose root is <${top.name}> cannot be refreshed`);
    }
    const pages: PageDoc[] = [];
    for (let i = 0; i < diagrams.length; i++) {
      const d = diagrams[i];
      const id = value(d, "id") ?? `page-${i + 1}`;
      const name = value(d, "name") ?? `Page-${i + 1}`;
      const model = d.children.find((c): c is XElement => typeof c !== "string");
      if (model !== undefined) {
        pages.push(new PageDoc(id, name, model.name === "mxGraphModel" ? model : null, false));
        continue;
      }
      const text = d.children.join("").trim();
      if (text === "") {
        pages.push(new PageDoc(id, name, null, false));
        continue;
      }
      const inflated = readXml(await decompressPage(text, maxBytes), { maxDepth });
      pages.push(new PageDoc(id, name, inflated.name === "mxGraphModel" ? inflated : null, true));
    }
    return new DiagramDoc(top, pages, diagrams);
  }

  get changed(): boolean {
    return this.pages.some((p) => p.changed);
  }

  /** The document with its changed pages written anew (compressed ones compressed again). */
  async write(): Promise<string> {
    if (this.top.name === "mxGraphModel") return writeXml(this.pages[0].modelElement());
    const replaced = new Map<XElement, XElement>();
    for (let i = 0; i < this.pages.length; i++) {
      const page = this.pages[i];
      const d = this.diagrams[i]!;
      if (!page.changed) continue;
      const model = page.modelElement();
      const children = page.compressed ? [await compressPage(writeXml(model))] : [model];
      replaced.set(d, new XElement(d.name, d.attrs, children, d.references));
    }
    if (this.top.name === "diagram") return writeXml(replaced.get(this.top) ?? this.top);
    const children = this.top.children.map((c) =>
      typeof c !== "string" && replaced.has(c) ? replaced.get(c)! : c
    );
    return writeXml(new XElement(this.top.name, this.top.attrs, children, this.top.references));
  }
}

/** Writes an element tree as XML; attribute values and text keep their entity references. */
export function writeXml(el: XElement): string {
  // Recursion is bounded: the tree was read within the reader's depth limit.
  let out = "<" + el.name;
  const a = el.attrs;
  for (let i = 0; i < a.length; i += 2) {
    // Values read from single quotes may hold a double quote.
    const v = a[i + 1];
    out += " " + a[i] + '="' + (v.includes('"') ? v.replaceAll('"', "&quot;") : v) + '"';
  }
  const kids = el.children;
  if (kids.length === 0) return out + "/>";
  out += ">";
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i];
    out += typeof k === "string" ? textOut(k) : writeXml(k);
  }
  return out + "</" + el.name + ">";
}

const STRAY_AMP = /&(?!(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][\w.-]*);)/g;

/** Text as read (references kept; CDATA content raw) made safe to write as character data. */
function textOut(text: string): string {
  if (text.indexOf("<") < 0 && text.indexOf("&") < 0 && text.indexOf(">") < 0) return text;
  return text.replace(STRAY_AMP, "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
