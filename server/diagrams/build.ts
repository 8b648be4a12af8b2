// Builds draw.io XML from `diagram_json` (ARCHITECTURE.md §4.4): an uncompressed `<mxfile>`
// whose parse gives back the same diagram_json. Used for generated diagrams and templates, and
// bundled into the draw.io plugin.

import type { Edge, Layer, Page, Vertex } from "./model.ts";

/** Anything with pages: a full DiagramJson, or just `{ pages }`. */
export interface BuildInput {
  pages: Page[];
}

/** Waypoints of edges by cell id (mxGeometry points, in the edge's parent's coordinates). */
export type EdgePoints = ReadonlyMap<string, readonly { x: number; y: number }[]>;

/** Writes an uncompressed `<mxfile>` holding every page of the model. */
export function buildDiagramXml(model: BuildInput, edgePoints?: EdgePoints): string {
  const out: string[] = ['<mxfile host="ArchiFlow" pages="', String(model.pages.length), '">'];
  for (const page of model.pages) {
    out.push('<diagram id="', esc(page.id), '" name="', esc(page.name), '">');
    out.push(buildPageXml(page, edgePoints));
    out.push("</diagram>");
  }
  out.push("</mxfile>");
  return out.join("");
}

/** Writes one page as `<mxGraphModel>` (what a `<diagram>` holds, or compressPage() takes). */
export function buildPageXml(page: Page, edgePoints?: EdgePoints): string {
  const out: string[] = ["<mxGraphModel><root>"];
  const vertexById = new Map<string, Vertex>();
  for (const v of page.vertices) vertexById.set(v.id, v);
  const edgeById = new Map<string, Edge>();
  for (const e of page.edges) edgeById.set(e.id, e);

  const rootId = findRootId(page);
  if (page.root !== undefined) {
    const tag = userTag(page.root.tag);
    out.push("<", tag);
    userAttributes(out, page.root.attributes, page.root.placeholders);
    out.push(' id="', esc(rootId), '"><mxCell/></', tag, ">");
  } else {
    out.push('<mxCell id="', esc(rootId), '"/>');
  }
  const done = new Set<string>();
  for (const layer of page.layers) {
    const v = vertexById.get(layer.id);
    const e = edgeById.get(layer.id);
    if (v !== undefined || e !== undefined) {
      writeCell(out, v, e, layer, edgeById, edgePoints);
    } else {
      if (layer.tag !== undefined) {
        const tag = userTag(layer.tag);
        out.push("<", tag);
        if (layer.name !== null) out.push(' label="', esc(layer.name), '"');
        userAttributes(out, layer.attributes ?? {}, undefined);
        out.push(' id="', esc(layer.id), '"><mxCell parent="', esc(rootId), '"');
        if (!layer.visible) out.push(' visible="0"');
        out.push("/></", tag, ">");
      } else {
        out.push('<mxCell id="', esc(layer.id), '" parent="', esc(rootId), '"');
        if (layer.name !== null) out.push(' value="', esc(layer.name), '"');
        if (!layer.visible) out.push(' visible="0"');
        out.push("/>");
      }
    }
    done.add(layer.id);
  }
  for (const v of page.vertices) {
    if (done.has(v.id)) continue;
    writeCell(out, v, edgeById.get(v.id), null, edgeById, edgePoints);
    done.add(v.id);
  }
  for (const e of page.edges) {
    if (done.has(e.id)) continue;
    writeCell(out, undefined, e, null, edgeById, edgePoints);
    done.add(e.id);
  }
  out.push("</root></mxGraphModel>");
  return out.join("");
}

/**
 * The root cell is not part of diagram_json. Cells that are both a layer and a vertex name it
 * as their parent; otherwise any id that no cell uses will do.
 */
function findRootId(page: Page): string {
  for (const c of [...page.vertices, ...page.edges]) {
    if (c.layer === c.id && c.parent !== null) return c.parent;
  }
  const used = new Set<string>();
  for (const l of page.layers) used.add(l.id);
  for (const c of page.vertices) used.add(c.id);
  for (const c of page.edges) used.add(c.id);
  if (!used.has("0")) return "0";
  let n = 0;
  while (used.has(`root-${n}`)) n++;
  return `root-${n}`;
}

function writeCell(
  out: string[],
  v: Vertex | undefined,
  e: Edge | undefined,
  layer: Layer | null,
  edgeById: Map<string, Edge>,
  edgePoints: EdgePoints | undefined,
): void {
  const c = (v ?? e)!;
  const style = styleString(c.style);
  const html = c.style.html === "1";
  const label = html ? textToHtml(c.label) : c.label;
  const wrapped = c.tag !== undefined || Object.keys(c.attributes).length > 0;
  const tag = userTag(c.tag);
  if (wrapped) {
    out.push("<", tag, ' label="', esc(label), '"');
    userAttributes(out, c.attributes, c.placeholders);
    out.push(' id="', esc(c.id), '"><mxCell');
  } else {
    out.push('<mxCell id="', esc(c.id), '"');
    if (c.label !== "") out.push(' value="', esc(label), '"');
  }
  if (style !== "") out.push(' style="', esc(style), '"');
  if (v !== undefined) out.push(' vertex="1"');
  if (e !== undefined) out.push(' edge="1"');
  if (layer !== null && !layer.visible) out.push(' visible="0"');
  if (c.parent !== null) out.push(' parent="', esc(c.parent), '"');
  if (e !== undefined && e.source !== null) out.push(' source="', esc(e.source), '"');
  if (e !== undefined && e.target !== null) out.push(' target="', esc(e.target), '"');
  out.push(">");
  if (v !== undefined) {
    const g = v.geometry;
    out.push("<mxGeometry");
    if (g.x !== 0) out.push(' x="', String(g.x), '"');
    if (g.y !== 0) out.push(' y="', String(g.y), '"');
    if (g.width !== 0) out.push(' width="', String(g.width), '"');
    if (g.height !== 0) out.push(' height="', String(g.height), '"');
    // Labels on edges are positioned relative to the edge.
    if (e === undefined && v.parent !== null && edgeById.has(v.parent)) out.push(' relative="1"');
    out.push(' as="geometry"/>');
  } else {
    const points = edgePoints?.get(c.id);
    if (points === undefined || points.length === 0) {
      out.push('<mxGeometry relative="1" as="geometry"/>');
    } else {
      out.push('<mxGeometry relative="1" as="geometry"><Array as="points">');
      for (const p of points) out.push('<mxPoint x="', String(p.x), '" y="', String(p.y), '"/>');
      out.push("</Array></mxGeometry>");
    }
  }
  out.push(wrapped ? `</mxCell></${tag}>` : "</mxCell>");
}

const XML_NAME = /^[A-Za-z_][\w.-]*$/;

/** The user object element name to write: the recorded one when usable, else `object`. */
function userTag(tag: string | undefined): string {
  return tag !== undefined && XML_NAME.test(tag) && tag !== "mxCell" ? tag : "object";
}

function userAttributes(
  out: string[],
  attributes: Record<string, string>,
  placeholders: string | undefined,
): void {
  if (placeholders !== undefined) out.push(' placeholders="', esc(placeholders), '"');
  for (const [k, val] of Object.entries(attributes)) {
    if (!XML_NAME.test(k) || k === "id" || k === "label" || k === "placeholders") {
      throw new TypeError(`Cannot build the diagram: "${k}" is not a usable attribute name`);
    }
    out.push(" ", k, '="', esc(val), '"');
  }
}

/** Serializes a style map; a `shape` naming a built-in style is written as the leading token. */
export function styleString(style: Record<string, string>): string {
  const parts: string[] = [];
  const shape = style.shape;
  const bare = shape !== undefined && shape !== "" && !shape.includes(".") &&
    !shape.includes("=") && !shape.includes(";");
  if (bare) parts.push(shape);
  for (const [k, v] of Object.entries(style)) {
    if (k === "shape" && bare) continue;
    parts.push(`${k}=${v}`);
  }
  return parts.length === 0 ? "" : parts.join(";") + ";";
}

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\n": "&#xa;",
  "\r": "&#xd;",
  "\t": "&#x9;",
};

/** Escapes an attribute value; newlines and tabs survive as character references. */
export function esc(s: string): string {
  return /[&<>"\n\r\t]/.test(s) ? s.replace(/[&<>"\n\r\t]/g, (c) => ESC[c]) : s;
}

/** Plain text as an HTML label that strips back to the same text. */
export function textToHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /\n/g,
    "<br>",
  );
}
