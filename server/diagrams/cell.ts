// What one cell of an `<mxGraphModel>` says, read the way draw.io's mxCellCodec reads it: the
// `<mxCell>` attributes, its geometry, the user object around it, its label as plain text.
// Used by cells.ts, which puts the cells together into a page.

import type { XElement } from "./xml.ts";
import type { Geometry } from "./model.ts";
import { decodeXml, htmlToText } from "./cell_text.ts";

type Attrs = Record<string, string>;

/** One cell as mxCodec decodes it: what its elements say, then its place in the model. */
export class Cell {
  tag: string | null = null;
  /** The user object's attributes (names and values alternating), when the cell is one. */
  uo: readonly string[] | null = null;
  /** Whether the user object's values have entity references (XElement.references). */
  uoReferences = false;
  value: string | undefined = undefined;
  valueReferences = false;
  style: string | undefined = undefined;
  vertex: string | undefined = undefined;
  edge: string | undefined = undefined;
  visible: string | undefined = undefined;
  parentRef: string | undefined = undefined;
  sourceRef: string | undefined = undefined;
  targetRef: string | undefined = undefined;
  geometry: Geometry | null = null;
  parent: Cell | null = null;
  children: Cell[] = [];
  /** The ancestor that is a child of the root (itself for a layer); set once the model is known. */
  layer: Cell | null = null;
  /** Reachable from the root, as found by the walk over the model. */
  inModel = false;
  constructor(public id: string | null) {}
}

function find(attrs: readonly string[], name: string): string | undefined {
  for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === name) return attrs[i + 1];
  return undefined;
}

/** A user object's attributes without label and id; placeholders is kept apart. */
export function userAttributes(
  uo: readonly string[] | null,
  references: boolean,
): { attributes: Attrs; placeholders?: string } {
  const attributes: Attrs = {};
  let placeholders: string | undefined;
  if (uo !== null) {
    for (let i = 0; i < uo.length; i += 2) {
      const k = uo[i];
      if (k === "label" || k === "id" || k === "__proto__") continue;
      if (k === "placeholders") placeholders = decode(uo[i + 1], references);
      else attributes[k] = decode(uo[i + 1], references);
    }
  }
  return placeholders === undefined ? { attributes } : { attributes, placeholders };
}

/** Copies the attributes an `<mxCell>` carries; absent ones keep earlier values (duplicates). */
export function readCell(cell: Cell, inner: XElement): void {
  const a = inner.attrs;
  const refs = inner.references;
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i];
    const v = a[i + 1];
    // Names told apart by length and first letter first, so that each is compared once.
    switch (k.length * 128 + k.charCodeAt(0)) {
      case 5 * 128 + 118: // v
        if (k === "value") {
          cell.value = v;
          cell.valueReferences = refs;
        }
        break;
      case 5 * 128 + 115: // s
        if (k === "style") cell.style = decode(v, refs);
        break;
      case 6 * 128 + 118: // v
        if (k === "vertex") cell.vertex = v;
        break;
      case 4 * 128 + 101: // e
        if (k === "edge") cell.edge = v;
        break;
      case 7 * 128 + 118: // v
        if (k === "visible") cell.visible = v;
        break;
      // A reference that is present but dangling still clears the earlier one, as in
      // mxCellCodec.
      case 6 * 128 + 112: // p
        if (k === "parent") cell.parentRef = decode(v, refs);
        break;
      case 6 * 128 + 115: // s
        if (k === "source") cell.sourceRef = decode(v, refs);
        break;
      case 6 * 128 + 116: // t
        if (k === "target") cell.targetRef = decode(v, refs);
        break;
    }
  }
  const kids = inner.children;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i];
    if (typeof k === "string" || k.name !== "mxGeometry") continue;
    const geometry = readGeometry(k.attrs);
    if (geometry !== null) cell.geometry = geometry;
  }
}

/** An `<mxGeometry>`'s bounds, when it is the cell's geometry (`as="geometry"`). */
function readGeometry(a: readonly string[]): Geometry | null {
  let as: string | undefined;
  let x: string | undefined;
  let y: string | undefined;
  let width: string | undefined;
  let height: string | undefined;
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i];
    const v = a[i + 1];
    switch (k.length * 128 + k.charCodeAt(0)) {
      case 2 * 128 + 97: // a
        if (k === "as") as = v;
        break;
      case 1 * 128 + 120: // x
        if (k === "x") x = v;
        break;
      case 1 * 128 + 121: // y
        if (k === "y") y = v;
        break;
      case 5 * 128 + 119: // w
        if (k === "width") width = v;
        break;
      case 6 * 128 + 104: // h
        if (k === "height") height = v;
        break;
    }
  }
  if (as !== "geometry") return null;
  return { x: num(x), y: num(y), width: num(width), height: num(height) };
}

/**
 * The `<mxCell>` inside a user object. Like mxCellCodec, only the first `<mxCell>` of the
 * subtree counts, and only when it is a direct child.
 */
export function innerCell(node: XElement): XElement | null {
  const kids = node.children;
  for (let i = 0; i < kids.length; i++) {
    const child = kids[i];
    if (typeof child === "string") continue;
    if (child.name === "mxCell") return child;
    if (containsCell(child)) return null;
  }
  return null;
}

/** Whether an `<mxCell>` is anywhere below `node` (a walk with its own stack, not recursion). */
function containsCell(node: XElement): boolean {
  const stack = [node];
  while (stack.length > 0) {
    const kids = (stack.pop() as XElement).children;
    for (let i = 0; i < kids.length; i++) {
      const child = kids[i];
      if (typeof child === "string") continue;
      if (child.name === "mxCell") return true;
      stack.push(child);
    }
  }
  return false;
}

export function layerName(l: Cell): string | null {
  const raw = l.uo !== null ? find(l.uo, "label") : l.value;
  return raw === undefined ? null : decode(raw, l.uo !== null ? l.uoReferences : l.valueReferences);
}

/** A vertex's or edge's label as plain text: HTML labels are stripped. */
export function labelOf(cell: Cell, html: boolean): string {
  const fromObject = cell.uo !== null;
  const raw = fromObject ? find(cell.uo as readonly string[], "label") : cell.value;
  if (raw === undefined) return "";
  if (!(fromObject ? cell.uoReferences : cell.valueReferences)) {
    // No reference, so no markup either ('<' is refused in values): only spaces to trim.
    return html ? raw.trim() : raw;
  }
  return html ? htmlToText(decodeXml(raw)) : decodeXml(raw);
}

/** A value as text: decoded when its element has references (XElement.references). */
export function decode(raw: string, references: boolean): string {
  return references ? decodeXml(raw) : raw;
}

/** mxCell flags are truthy unless numerically zero (`vertex="1"`, `visible="0"`). */
export function flag(raw: string | undefined, dflt: boolean): boolean {
  if (raw === undefined) return dflt;
  // One digit, as draw.io writes them, read without the general conversion.
  if (raw.length === 1) {
    const d = raw.charCodeAt(0) - 48;
    if (d >= 0 && d <= 9) return d !== 0;
  }
  return Number(raw) !== 0;
}

/** A coordinate as parseFloat reads it (0 when it reads none). */
function num(raw: string | undefined): number {
  if (raw === undefined) return 0;
  // Most coordinates are short decimals: "120", "-40.5". With at most 15 digits, the digits
  // and the power of ten are exact doubles, so one division rounds just as parseFloat does.
  const n = raw.length;
  if (n > 0 && n <= 16) {
    let i = raw.charCodeAt(0) === 45 /* - */ ? 1 : 0;
    let m = 0;
    let digits = 0;
    let scale = 1;
    let point = false;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (point) scale *= 10;
      } else if (c === 46 /* . */ && !point && digits > 0) {
        point = true;
      } else break;
    }
    if (i === n && digits > 0 && digits <= 15) {
      const v = m / scale;
      return raw.charCodeAt(0) === 45 ? -v : v;
    }
  }
  const v = parseFloat(raw);
  return Number.isFinite(v) ? v : 0;
}
