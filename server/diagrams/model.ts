// The `diagram_json` contract (ARCHITECTURE.md §4.4): what a parsed draw.io diagram looks like
// to the server, the draw.io plugin and automation. Shared by parse.ts and build.ts.

export const DIAGRAM_FORMAT = "archiflow.diagram/1";

export interface Geometry {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layer {
  id: string;
  /** The layer cell's label; null when the cell has none. */
  name: string | null;
  visible: boolean;
  /** Present only when the layer cell is a user object: its element name and attributes. */
  tag?: string;
  attributes?: Record<string, string>;
}

/**
 * The page's root cell, present only when it is a user object (draw.io keeps page-wide
 * properties and placeholder variables there).
 */
export interface RootCell {
  id: string;
  tag: string;
  attributes: Record<string, string>;
  placeholders?: string;
}

/** Fields common to vertices and edges. */
export interface CellBase {
  id: string;
  /** Id of the parent cell (a layer, a group, or an edge for edge labels). */
  parent: string | null;
  /** Id of the layer the cell sits in (the ancestor that is a child of the root cell). */
  layer: string | null;
  /** Plain text: HTML labels are stripped. */
  label: string;
  style: Record<string, string>;
  /** User object attributes, without `label`, `placeholders` and `id`. */
  attributes: Record<string, string>;
  /**
   * Element name of the user object wrapping the cell (`object`, `UserObject` or a custom
   * tag); absent for a plain `<mxCell>`. Kept so that a rebuilt diagram writes the same XML.
   */
  tag?: string;
  /** The user object's `placeholders` attribute, when it has one. */
  placeholders?: string;
}

export interface Vertex extends CellBase {
  geometry: Geometry;
}

export interface Edge extends CellBase {
  /** Id of the source cell; null when absent or not a cell of the page (draw.io drops those). */
  source: string | null;
  target: string | null;
}

export interface Page {
  id: string;
  name: string;
  layers: Layer[];
  root?: RootCell;
  vertices: Vertex[];
  edges: Edge[];
}

export interface Device {
  pageId: string;
  cellId: string;
  assetId: string;
  name: string;
  deviceType: string | null;
  ipAddress: string | null;
  netboxId: number | null;
}

export interface LinkEnd {
  cellId: string;
  assetId: string;
  port: string | null;
}

export interface Link {
  pageId: string;
  edgeId: string;
  source: LinkEnd;
  target: LinkEnd;
}

export interface DiagramStats {
  pages: number;
  vertices: number;
  edges: number;
  devices: number;
  links: number;
}

export interface DiagramJson {
  format: typeof DIAGRAM_FORMAT;
  pages: Page[];
  devices: Device[];
  links: Link[];
  stats: DiagramStats;
}

export type DiagramParseErrorCode =
  | "not_a_diagram"
  | "malformed_xml"
  | "doctype_forbidden"
  | "bad_compression"
  | "invalid_model"
  | "too_large"
  | "too_many_cells"
  | "too_deep";

/**
 * How much one parse may take on, whatever the input claims: a compressed page can stand for
 * far more than its size, and deep structures for far more work than their size.
 */
export interface DiagramLimits {
  /**
   * UTF-8 bytes of the diagram's XML with its compressed pages written out, all pages
   * together; a page stops inflating as soon as it passes what is left.
   */
  maxBytes: number;
  /** Cells (the elements in an mxGraphModel's root) over all pages, counted as they are read. */
  maxCells: number;
  /** Deepest element nesting in any one XML document (a page, the file, an SVG carrier). */
  maxXmlDepth: number;
}

/** The server's default settings (ARCHIFLOW_MAX_DIAGRAM_BYTES, _CELLS, ARCHIFLOW_MAX_XML_DEPTH). */
export const DEFAULT_DIAGRAM_LIMITS: Readonly<DiagramLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxCells: 250_000,
  maxXmlDepth: 256,
});

/** Why a text or file could not be read as a draw.io diagram. */
export class DiagramParseError extends Error {
  readonly code: DiagramParseErrorCode;
  /** For a refusal by one of the limits: which, and its value. */
  readonly limit?: { name: keyof DiagramLimits; value: number };
  constructor(
    code: DiagramParseErrorCode,
    message: string,
    limit?: { name: keyof DiagramLimits; value: number },
  ) {
    super(message);
    this.name = "DiagramParseError";
    this.code = code;
    if (limit !== undefined) this.limit = limit;
  }
}

/** Devices, links and stats derived from pages, so parse and build agree on them. */
export function summarize(pages: Page[]): DiagramJson {
  const devices: Device[] = [];
  const links: Link[] = [];
  let vertices = 0;
  let edges = 0;
  for (const page of pages) {
    vertices += page.vertices.length;
    edges += page.edges.length;
    const byCell = new Map<string, Device>();
    for (let i = 0; i < page.vertices.length; i++) {
      const v = page.vertices[i];
      const assetId = v.attributes.asset_id;
      if (assetId === undefined || assetId === "") continue;
      const device: Device = {
        pageId: page.id,
        cellId: v.id,
        assetId,
        name: v.label,
        deviceType: v.attributes.device_type ?? null,
        ipAddress: v.attributes.ip_address ?? null,
        netboxId: toNetboxId(v.attributes.netbox_id),
      };
      devices.push(device);
      byCell.set(v.id, device);
    }
    // A link joins two devices: a page without devices has none to look for.
    if (byCell.size === 0) continue;
    for (let i = 0; i < page.edges.length; i++) {
      const e = page.edges[i];
      const s = e.source === null ? undefined : byCell.get(e.source);
      const t = e.target === null ? undefined : byCell.get(e.target);
      if (s === undefined || t === undefined) continue;
      links.push({
        pageId: page.id,
        edgeId: e.id,
        source: { cellId: s.cellId, assetId: s.assetId, port: e.attributes.source_port ?? null },
        target: { cellId: t.cellId, assetId: t.assetId, port: e.attributes.target_port ?? null },
      });
    }
  }
  return {
    format: DIAGRAM_FORMAT,
    pages,
    devices,
    links,
    stats: { pages: pages.length, vertices, edges, devices: devices.length, links: links.length },
  };
}

function toNetboxId(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}
