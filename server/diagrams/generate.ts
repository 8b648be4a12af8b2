// Generates realistic network diagrams of any size (device shapes carrying asset_id,
// device_type, ip_address, site and netbox_id; links carrying source_port and target_port)
// for benchmarks and tests. Deterministic: the same options give the same XML.

import { buildDiagramXml } from "./build.ts";
import { deviceShape } from "./device_shapes.ts";
import type { Edge, Page, Vertex } from "./model.ts";

export interface GenerateOptions {
  devices: number;
  links: number;
  /** Seed for the link layout; the same seed gives the same diagram. */
  seed?: number;
  /** Devices per page (default: all on one page). */
  devicesPerPage?: number;
}

/** Device types in turn, each with its port names; shapes come from the shared mapping. */
const KINDS = [
  { type: "router", port: "Gi0/0/" },
  { type: "switch", port: "Gi1/0/" },
  { type: "firewall", port: "eth" },
  { type: "server", port: "eno" },
  { type: "access-point", port: "wlan" },
].map((k) => ({ ...k, shape: deviceShape(k.type) }));

/** The diagram as a DiagramJson-shaped model (pages only). */
export function generateNetworkPages(opts: GenerateOptions): Page[] {
  let state = (opts.seed ?? 1) >>> 0 || 1;
  const random = (n: number): number => {
    // xorshift32: fast, deterministic, good enough to scatter links.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const perPage = Math.max(1, opts.devicesPerPage ?? opts.devices);
  const pageCount = Math.max(1, Math.ceil(opts.devices / perPage));
  const pages: Page[] = [];
  const portsUsed = new Map<string, number>();
  const nextPort = (cell: string): number => {
    const n = (portsUsed.get(cell) ?? 0) + 1;
    portsUsed.set(cell, n);
    return n;
  };
  let linkBudget = opts.links;
  for (let p = 0; p < pageCount; p++) {
    const first = p * perPage;
    const count = Math.min(perPage, opts.devices - first);
    const vertices: Vertex[] = [];
    const columns = Math.ceil(Math.sqrt(count));
    for (let i = 0; i < count; i++) {
      const n = first + i;
      const kind = KINDS[n % KINDS.length];
      const site = `site-${String(Math.floor(n / 250) + 1).padStart(2, "0")}`;
      vertices.push({
        id: `dev-${n}`,
        parent: "1",
        layer: "1",
        label: `${kind.type}-${String(n).padStart(5, "0")}`,
        style: { ...kind.shape.styleMap, html: "1" },
        geometry: {
          x: 40 + (i % columns) * 160,
          y: 40 + Math.floor(i / columns) * 140,
          width: kind.shape.width,
          height: kind.shape.height,
        },
        attributes: {
          asset_id: `A-${String(n + 1).padStart(6, "0")}`,
          device_type: kind.type,
          ip_address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          site,
          netbox_id: String(1000 + n),
        },
        tag: "object",
      });
    }
    const pageLinks = p === pageCount - 1
      ? linkBudget
      : Math.round(opts.links * count / opts.devices);
    linkBudget -= pageLinks;
    const edges: Edge[] = [];
    for (let j = 0; j < pageLinks && count > 1; j++) {
      const a = random(count);
      let b = random(count - 1);
      if (b >= a) b++;
      const src = vertices[a];
      const tgt = vertices[b];
      const sk = KINDS[(first + a) % KINDS.length];
      const tk = KINDS[(first + b) % KINDS.length];
      edges.push({
        id: `link-${p}-${j}`,
        parent: "1",
        layer: "1",
        source: src.id,
        target: tgt.id,
        label: "",
        style: {
          endArrow: "none",
          html: "1",
          rounded: "0",
          strokeWidth: "2",
          edgeStyle: "orthogonalEdgeStyle",
        },
        attributes: {
          source_port: `${sk.port}${nextPort(src.id)}`,
          target_port: `${tk.port}${nextPort(tgt.id)}`,
        },
        tag: "object",
      });
    }
    pages.push({
      id: `net-${p + 1}`,
      name: pageCount === 1 ? "Network" : `Network ${p + 1}`,
      layers: [{ id: "1", name: null, visible: true }],
      vertices,
      edges,
    });
  }
  return pages;
}

/** A network diagram as uncompressed `<mxfile>` XML. */
export function generateNetworkDiagram(opts: GenerateOptions): string {
  return buildDiagramXml({ pages: generateNetworkPages(opts) });
}

/**
 * A hand-drawn-looking drawing without devices: labelled rounded boxes on a grid and edges
 * between them (300 of each make about 100 KB). `moved` shifts one box, for a later version.
 */
export function generatePlainDrawing(
  opts: { vertices: number; edges: number; moved?: number },
): string {
  const cells: string[] = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>'];
  for (let i = 0; i < opts.vertices; i++) {
    const x = (i % 20) * 160 + (i === opts.moved ? 10 : 0);
    const y = Math.floor(i / 20) * 120;
    cells.push(
      `<mxCell id="v${i}" value="Host ${i}" style="rounded=1;whiteSpace=wrap;html=1;` +
        `fillColor=#dae8fc;" vertex="1" parent="1"><mxGeometry x="${x}" ` +
        `y="${y}" width="120" height="60" as="geometry"/></mxCell>`,
    );
  }
  for (let i = 0; i < opts.edges; i++) {
    const s = i % opts.vertices;
    const t = (i * 7 + 1) % opts.vertices;
    cells.push(
      `<mxCell id="e${i}" style="edgeStyle=orthogonalEdgeStyle;endArrow=none;" ` +
        `edge="1" parent="1" source="v${s}" target="v${t}"><mxGeometry relative="1" ` +
        `as="geometry"/></mxCell>`,
    );
  }
  return `<mxfile host="app.diagrams.net"><diagram id="p1" name="Page-1"><mxGraphModel dx="1426" ` +
    `dy="794" grid="1" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" fold="1" ` +
    `page="1" pageScale="1" pageWidth="1169" pageHeight="827"><root>${cells.join("")}</root>` +
    `</mxGraphModel></diagram></mxfile>`;
}
