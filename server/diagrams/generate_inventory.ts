// Turns an InventoryGraph into a generated diagram: pages (one per site when several sites are
// in scope, unless grouped by site), group containers, ELK's layout, and the draw.io XML with a
// bound shape per device and an edge per cable. Pure but for the layout worker; saving is the
// caller's (generate-diagram hands the XML to the same create path as save-diagram).
import { buildDiagramXml } from "./build.ts";
import { type DeviceKind, deviceKind } from "./device_shapes.ts";
import {
  deviceCellSize,
  deviceLabel,
  deviceVertex,
  type EdgeEnds,
  groupCellId,
  groupVertex,
  linkEdge,
} from "./generated_cells.ts";
import {
  deviceCellId,
  type DiagramScope,
  type InventoryDevice,
  type InventoryLink,
  linkCellId,
} from "./inventory_graph.ts";
import {
  type LayoutEdge,
  type LayoutGraph,
  layoutGraph,
  type LayoutOptions,
  type LayoutResult,
  type Point,
} from "./layout.ts";
import type { Edge, Page, Vertex } from "./model.ts";

/** The drawing's one layer on every page. */
export const GENERATED_LAYER = "1";

/** Which way up a kind of device goes: lower ranks are drawn above higher ones. */
const RANK: Record<DeviceKind, number> = {
  "router": 0,
  "firewall": 1,
  "load-balancer": 2,
  "core-switch": 3,
  "wireless-controller": 4,
  "switch": 5,
  "generic": 6,
  "access-point": 7,
  "server": 8,
  "storage": 8,
};

export interface PagePlan {
  id: string;
  name: string;
  /** The site the page draws, or null (one page for all, or devices without a site). */
  site: string | null;
  devices: InventoryDevice[];
  links: InventoryLink[];
}

export interface PagesPlan {
  pages: PagePlan[];
  /** Cables whose ends landed on different pages: not drawn. */
  crossPageLinks: InventoryLink[];
}

const NO_SITE = "No site";

/**
 * The pages of a diagram: one per site of the devices the scope selected (devices brought in as
 * neighbours join the page of the device they are cabled to), or a single page when there is one
 * site or the groups are sites.
 */
export function planPages(
  graph: { devices: (InventoryDevice & { neighbor?: boolean })[]; links: InventoryLink[] },
  scope: DiagramScope,
  title: string,
): PagesPlan {
  const sites = new Set(graph.devices.filter((d) => !d.neighbor).map((d) => d.site ?? NO_SITE));
  if (sites.size <= 1 || scope.groupBy === "site") {
    const only = sites.size === 1 ? [...sites][0] : null;
    const site = only === NO_SITE ? null : only;
    return {
      pages: [{
        id: "af-page-1",
        name: site ?? title,
        site,
        devices: graph.devices,
        links: graph.links,
      }],
      crossPageLinks: [],
    };
  }
  const pageOf = new Map<string, string>();
  for (const d of graph.devices) if (!d.neighbor) pageOf.set(d.assetId, d.site ?? NO_SITE);
  // A neighbour goes with the first selected device it is cabled to.
  for (const l of graph.links) {
    const s = pageOf.get(l.sourceAssetId);
    const t = pageOf.get(l.targetAssetId);
    if (s !== undefined && t === undefined) pageOf.set(l.targetAssetId, s);
    if (t !== undefined && s === undefined) pageOf.set(l.sourceAssetId, t);
  }
  const bySite = new Map<string, PagePlan>();
  for (const site of [...sites].sort()) {
    bySite.set(site, {
      id: `af-page-${site}`,
      name: site,
      site: site === NO_SITE ? null : site,
      devices: [],
      links: [],
    });
  }
  for (const d of graph.devices) bySite.get(pageOf.get(d.assetId) ?? NO_SITE)?.devices.push(d);
  const crossPageLinks: InventoryLink[] = [];
  for (const l of graph.links) {
    const s = pageOf.get(l.sourceAssetId);
    if (s !== undefined && s === pageOf.get(l.targetAssetId)) bySite.get(s)!.links.push(l);
    else crossPageLinks.push(l);
  }
  return { pages: [...bySite.values()].filter((p) => p.devices.length > 0), crossPageLinks };
}

/** The group a device belongs to under `groupBy`: its key and label, or null for none. */
export function deviceGroup(
  d: InventoryDevice,
  groupBy: DiagramScope["groupBy"],
): { key: string; label: string } | null {
  switch (groupBy) {
    case "site":
      return { key: d.site ?? NO_SITE, label: d.site ?? NO_SITE };
    case "rack":
      // Rack names repeat between sites: the site is part of the key.
      return d.rack ? { key: `${d.site ?? ""}/${d.rack}`, label: d.rack } : null;
    case "role": {
      const role = d.role ?? d.deviceType;
      return { key: role, label: role };
    }
    default:
      return null;
  }
}

/** How much room a device's label takes below its icon (draw.io's default 11px font). */
function labelSize(d: InventoryDevice): { width: number; height: number } {
  const lines = deviceLabel(d).split("\n");
  const longest = Math.max(...lines.map((l) => l.length));
  return { width: Math.ceil(longest * 6.5) + 8, height: lines.length * 14 + 4 };
}

const rankOf = (d: InventoryDevice) => RANK[deviceKind({ deviceType: d.deviceType, role: d.role })];

/** The ELK graph of one page, and which edges ELK sees reversed (drawn upwards). */
export function pageLayoutGraph(
  page: PagePlan,
  groupBy: DiagramScope["groupBy"],
): { graph: LayoutGraph; reversed: Set<string> } {
  const groups = new Map<string, { id: string; label: string }>();
  const byId = new Map(page.devices.map((d) => [d.assetId, d]));
  const nodes = page.devices.map((d) => {
    const g = deviceGroup(d, groupBy);
    let group: string | null = null;
    if (g !== null) {
      group = groupCellId(groupBy!, g.key);
      if (!groups.has(group)) groups.set(group, { id: group, label: g.label });
    }
    const size = deviceCellSize(d);
    const label = labelSize(d);
    return {
      id: deviceCellId(d.assetId),
      width: size.width,
      height: size.height,
      labelWidth: label.width,
      labelHeight: label.height,
      group,
    };
  });
  const reversed = new Set<string>();
  const edges: LayoutEdge[] = page.links.map((l) => {
    const id = linkCellId(l);
    const s = byId.get(l.sourceAssetId)!;
    const t = byId.get(l.targetAssetId)!;
    // Routers above switches above servers: ELK puts an edge's source above its target.
    if (rankOf(s) > rankOf(t)) {
      reversed.add(id);
      return {
        id,
        source: deviceCellId(l.targetAssetId),
        sourcePort: l.targetPort,
        target: deviceCellId(l.sourceAssetId),
        targetPort: l.sourcePort,
      };
    }
    return {
      id,
      source: deviceCellId(l.sourceAssetId),
      sourcePort: l.sourcePort,
      target: deviceCellId(l.targetAssetId),
      targetPort: l.targetPort,
    };
  });
  return { graph: { groups: [...groups.values()], nodes, edges }, reversed };
}

/** A laid-out page as a diagram page, with its edges' waypoints. */
export function drawPage(
  page: PagePlan,
  layout: LayoutResult,
  reversed: ReadonlySet<string>,
  groupLabels: ReadonlyMap<string, string>,
  groupOf: ReadonlyMap<string, string | null>,
): { page: Page; points: Map<string, Point[]> } {
  const vertices: Vertex[] = [];
  for (const [id, box] of layout.groups) {
    vertices.push(
      groupVertex(id, groupLabels.get(id) ?? id, box, GENERATED_LAYER, GENERATED_LAYER),
    );
  }
  for (const d of page.devices) {
    const id = deviceCellId(d.assetId);
    const box = layout.nodes.get(id)!;
    const parent = groupOf.get(id) ?? GENERATED_LAYER;
    vertices.push(deviceVertex(d, box, parent, GENERATED_LAYER));
  }
  const sizes = new Map(vertices.map((v) => [v.id, v.geometry]));
  const edges: Edge[] = [];
  const points = new Map<string, Point[]>();
  for (const l of page.links) {
    const id = linkCellId(l);
    const flip = reversed.has(id);
    const at = layout.ends.get(id);
    let ends: EdgeEnds | undefined;
    if (at !== undefined) {
      const src = sizes.get(deviceCellId(l.sourceAssetId))!;
      const dst = sizes.get(deviceCellId(l.targetAssetId))!;
      const out = flip ? at.target : at.source;
      const into = flip ? at.source : at.target;
      ends = {
        exitX: out.x / src.width,
        exitY: out.y / src.height,
        entryX: into.x / dst.width,
        entryY: into.y / dst.height,
      };
    }
    edges.push(linkEdge(l, GENERATED_LAYER, ends));
    const bends = layout.bends.get(id) ?? [];
    if (bends.length > 0) points.set(id, flip ? [...bends].reverse() : bends);
  }
  return {
    page: {
      id: page.id,
      name: page.name,
      layers: [{ id: GENERATED_LAYER, name: null, visible: true }],
      vertices,
      edges,
    },
    points,
  };
}

export interface GeneratedDiagram {
  xml: string;
  pages: number;
  devices: number;
  links: number;
  /** Cables between devices drawn on different pages (not drawn). */
  crossPageLinks: number;
  /** Milliseconds spent in the layout engine (all pages). */
  layoutMs: number;
}

/** Lays out and draws the graph; the XML is what save-diagram would be given. */
export async function generateInventoryDiagram(
  graph: { devices: (InventoryDevice & { neighbor?: boolean })[]; links: InventoryLink[] },
  scope: DiagramScope,
  title: string,
  opts: LayoutOptions,
): Promise<GeneratedDiagram> {
  const plan = planPages(graph, scope, title);
  const pages: Page[] = [];
  const points = new Map<string, Point[]>();
  let layoutMs = 0;
  let links = 0;
  for (const page of plan.pages) {
    const { graph: lg, reversed } = pageLayoutGraph(page, scope.groupBy);
    const started = performance.now();
    const layout = await layoutGraph(lg, opts);
    layoutMs += performance.now() - started;
    const labels = new Map(lg.groups.map((g) => [g.id, g.label]));
    const groupOf = new Map(lg.nodes.map((n) => [n.id, n.group]));
    const drawn = drawPage(page, layout, reversed, labels, groupOf);
    pages.push(drawn.page);
    for (const [id, p] of drawn.points) points.set(id, p);
    links += page.links.length;
  }
  return {
    xml: buildDiagramXml({ pages }, points),
    pages: pages.length,
    devices: graph.devices.length,
    links,
    crossPageLinks: plan.crossPageLinks.length,
    layoutMs,
  };
}
