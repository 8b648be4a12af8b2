import assert from "node:assert/strict";
import { buildDiagramXml } from "./build.ts";
import { compressPage, decompressPage } from "./compress.ts";
import { deviceVertex, linkEdge, STATUS_FILL } from "./generated_cells.ts";
import {
  deviceCellId,
  GENERATED_ATTR,
  type InventoryDevice,
  type InventoryGraph,
  type InventoryLink,
  linkCellId,
  linkKey,
  MISSING_ATTR,
  MISSING_LAYER,
} from "./inventory_graph.ts";
import type { Page, Vertex } from "./model.ts";
import { planInventory } from "./inventory.ts";
import { parseDiagram } from "./parse.ts";
import { changeSummaryText, MISSING_KEPT_PREFIX, refreshDiagramXml } from "./refresh.ts";

const NOW = new Date("2026-01-02T03:04:05Z");

function device(assetId: string, extra: Partial<InventoryDevice> = {}): InventoryDevice {
  return {
    assetId,
    name: assetId.toUpperCase(),
    deviceType: "switch",
    role: null,
    site: "dc1",
    rack: null,
    status: "active",
    ip: `10.0.0.${assetId.length + assetId.charCodeAt(assetId.length - 1) % 200}`,
    netboxId: null,
    ...extra,
  };
}

function link(a: string, aPort: string, b: string, bPort: string): InventoryLink {
  const key = linkKey(a, aPort, b, bPort);
  const first = `${a}:${aPort}` < `${b}:${bPort}`;
  return {
    key,
    sourceAssetId: first ? a : b,
    sourcePort: first ? aPort : bPort,
    targetAssetId: first ? b : a,
    targetPort: first ? bPort : aPort,
  };
}

/** a - b - c in a row, as generate-diagram draws them (cells from generated_cells.ts). */
function baseGraph(): InventoryGraph {
  return {
    devices: [device("a"), device("b"), device("c")],
    links: [link("a", "p1", "b", "p1"), link("b", "p2", "c", "p1")],
  };
}

function generatedPage(graph: InventoryGraph, extra: Vertex[] = [], id = "p1"): Page {
  const vertices = graph.devices.map((d, i) =>
    deviceVertex(d, { x: 100 + i * 200, y: 100, width: 82, height: 41 }, "1", "1")
  );
  return {
    id,
    name: `Page ${id}`,
    layers: [{ id: "1", name: null, visible: true }],
    vertices: [...vertices, ...extra],
    edges: graph.links.map((l) => linkEdge(l, "1")),
  };
}

const generatedXml = (graph: InventoryGraph, extra: Vertex[] = []) =>
  buildDiagramXml({ pages: [generatedPage(graph, extra)] });

const vertexOf = (dj: Awaited<ReturnType<typeof parseDiagram>>, id: string) =>
  dj.pages.flatMap((p) => p.vertices).find((v) => v.id === id);
const edgeOf = (dj: Awaited<ReturnType<typeof parseDiagram>>, id: string) =>
  dj.pages.flatMap((p) => p.edges).find((e) => e.id === id);

function overlaps(a: Vertex["geometry"], b: Vertex["geometry"]): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
    b.y < a.y + a.height;
}

Deno.test("refreshDiagramXml() changes nothing when the inventory is as drawn", async () => {
  const xml = generatedXml(baseGraph());
  const r = await refreshDiagramXml(xml, baseGraph(), { now: NOW });
  assert.equal(r.changed, false);
  assert.equal(r.xml, xml, "the stored XML is given back as it was");
  assert.deepEqual(r.changedCellIds, []);
  assert.equal(changeSummaryText(r.summary), "Refresh from inventory: no changes");
});

Deno.test("refreshDiagramXml() adds a new device next to its neighbour, bound and connected, overlapping nothing", async () => {
  const graph = baseGraph();
  graph.devices.push(device("d"));
  graph.links.push(link("c", "p2", "d", "p1"));
  const r = await refreshDiagramXml(generatedXml(baseGraph()), graph, { now: NOW });
  assert.equal(r.changed, true);
  const dj = await parseDiagram(r.xml);
  const d = vertexOf(dj, deviceCellId("d"))!;
  assert.ok(d, "the new device has a shape");
  assert.equal(d.attributes.asset_id, "d");
  assert.equal(d.attributes[GENERATED_ATTR], "device");
  assert.equal(d.parent, "1");
  const c = vertexOf(dj, deviceCellId("c"))!;
  const distance = Math.hypot(d.geometry.x - c.geometry.x, d.geometry.y - c.geometry.y);
  assert.ok(distance < 250, `placed next to its neighbour (${distance} away)`);
  const shapes = dj.pages[0].vertices;
  for (const s of shapes) {
    if (s.id !== d.id) assert.ok(!overlaps(s.geometry, d.geometry), `overlaps ${s.id}`);
  }
  const newLink = graph.links[2];
  const e = edgeOf(dj, linkCellId(newLink))!;
  assert.equal(e.source, deviceCellId("c"));
  assert.equal(e.target, deviceCellId("d"));
  assert.equal(e.attributes.source_port, "p2");
  assert.equal(e.attributes.target_port, "p1");
  assert.equal(dj.links.length, 3, "the new cable joins two bound devices");
  assert.deepEqual(r.summary.added, {
    devices: [{ assetId: "d", name: "D" }],
    links: [newLink.key],
  });
  assert.deepEqual(r.changedCellIds, [deviceCellId("d"), linkCellId(newLink)]);
  // Every shape that was there is where it was.
  const before = await parseDiagram(generatedXml(baseGraph()));
  for (const v of before.pages[0].vertices) assert.deepEqual(vertexOf(dj, v.id), v);
  const again = await refreshDiagramXml(r.xml, graph, { now: NOW });
  assert.equal(again.changed, false, "a second refresh finds nothing to do");
});

Deno.test("refreshDiagramXml() puts a device without drawn neighbours in a row below everything", async () => {
  const graph = baseGraph();
  graph.devices.push(device("lonely"), device("lonely2"));
  const r = await refreshDiagramXml(generatedXml(baseGraph()), graph, { now: NOW });
  const dj = await parseDiagram(r.xml);
  const one = vertexOf(dj, deviceCellId("lonely"))!;
  const two = vertexOf(dj, deviceCellId("lonely2"))!;
  const bottom = Math.max(...["a", "b", "c"].map((a) => {
    const g = vertexOf(dj, deviceCellId(a))!.geometry;
    return g.y + g.height;
  }));
  assert.ok(one.geometry.y > bottom && two.geometry.y > bottom, "below every shape");
  assert.ok(!overlaps(one.geometry, two.geometry));
  assert.equal(one.geometry.y, two.geometry.y, "in one row");
});

Deno.test("refreshDiagramXml() marks a device that left the inventory and the cables at it", async () => {
  const graph = baseGraph();
  graph.devices = graph.devices.filter((d) => d.assetId !== "c");
  graph.links = graph.links.filter((l) => l.targetAssetId !== "c" && l.sourceAssetId !== "c");
  const xml = generatedXml(baseGraph());
  const before = await parseDiagram(xml);
  const r = await refreshDiagramXml(xml, graph, { now: NOW });
  const dj = await parseDiagram(r.xml);
  const layer = dj.pages[0].layers.find((l) => l.name === MISSING_LAYER)!;
  assert.ok(layer, "the missing layer exists");
  const c = vertexOf(dj, deviceCellId("c"))!;
  assert.equal(c.layer, layer.id);
  assert.equal(c.parent, layer.id);
  assert.equal(c.attributes[MISSING_ATTR], NOW.toISOString());
  assert.equal(c.attributes.asset_id, undefined, "a save does not bring the device back");
  assert.equal(c.attributes[MISSING_KEPT_PREFIX + "asset_id"], "c");
  assert.equal(c.style.dashed, "1");
  assert.equal(c.style.opacity, "40");
  assert.deepEqual(c.geometry, vertexOf(before, c.id)!.geometry, "it stays where it was");
  assert.equal(c.label, vertexOf(before, c.id)!.label);
  // The cable at it is marked too: one end left.
  const gone = baseGraph().links[1];
  const e = edgeOf(dj, linkCellId(gone))!;
  assert.equal(e.layer, layer.id);
  assert.equal(e.attributes[MISSING_ATTR], NOW.toISOString());
  assert.equal(e.attributes.source_port, undefined);
  assert.equal(e.source, deviceCellId("b"), "still drawn between its shapes");
  assert.equal(e.target, deviceCellId("c"));
  assert.deepEqual(dj.devices.map((d) => d.assetId).sort(), ["a", "b"]);
  assert.equal(dj.links.length, 1);
  assert.deepEqual(r.summary.marked, { devices: [{ assetId: "c", name: "C" }], links: [gone.key] });
  assert.equal(
    changeSummaryText(r.summary),
    "Refresh from inventory: marked 1 device (C), 1 link",
  );
  const again = await refreshDiagramXml(r.xml, graph, { now: new Date() });
  assert.equal(again.changed, false, "marked cells stay as they are");
  assert.equal(dj.pages[0].layers.filter((l) => l.name === MISSING_LAYER).length, 1);
});

Deno.test("refreshDiagramXml() marks a cable that left while both its devices stay", async () => {
  const graph = baseGraph();
  const gone = graph.links.pop()!;
  const r = await refreshDiagramXml(generatedXml(baseGraph()), graph, { now: NOW });
  const dj = await parseDiagram(r.xml);
  assert.equal(edgeOf(dj, linkCellId(gone))!.attributes[MISSING_ATTR], NOW.toISOString());
  assert.deepEqual(r.summary.marked, { devices: [], links: [gone.key] });
  assert.equal(dj.devices.length, 3);
  assert.equal(planInventory(dj, null).links.length, 1, "a save does not cable it again");
});

Deno.test("refreshDiagramXml() restores a device that comes back, as it was before it was marked", async () => {
  const xml = generatedXml(baseGraph());
  const before = await parseDiagram(xml);
  const without = baseGraph();
  without.devices = without.devices.filter((d) => d.assetId !== "c");
  without.links = without.links.slice(0, 1);
  const marked = await refreshDiagramXml(xml, without, { now: NOW });
  const back = await refreshDiagramXml(marked.xml, baseGraph(), { now: NOW });
  assert.equal(back.changed, true);
  const dj = await parseDiagram(back.xml);
  assert.deepEqual(vertexOf(dj, deviceCellId("c")), vertexOf(before, deviceCellId("c")));
  const l = baseGraph().links[1];
  assert.deepEqual(edgeOf(dj, linkCellId(l)), edgeOf(before, linkCellId(l)));
  assert.deepEqual(back.summary.restored, {
    devices: [{ assetId: "c", name: "C" }],
    links: [l.key],
  });
  assert.deepEqual(back.summary.added, { devices: [], links: [] }, "not drawn twice");
  assert.equal(dj.devices.length, 3);
  assert.equal(dj.links.length, 2);
  assert.equal(
    changeSummaryText(back.summary),
    "Refresh from inventory: restored 1 device (C), 1 link",
  );
});

Deno.test("refreshDiagramXml() keeps the page position of a marked shape inside a container, and puts it back there", async () => {
  const graph = baseGraph();
  const zone: Vertex = {
    id: "zone",
    parent: "1",
    layer: "1",
    label: "Rack 7",
    style: { container: "1", fillColor: "none" },
    attributes: {},
    geometry: { x: 1000, y: 500, width: 400, height: 300 },
  };
  const inside = deviceVertex(device("e"), { x: 40, y: 60, width: 82, height: 41 }, "zone", "1");
  const page = generatedPage(graph, [zone, inside]);
  const xml = buildDiagramXml({ pages: [page] });
  const withE = { ...graph, devices: [...graph.devices, device("e")] };
  assert.equal((await refreshDiagramXml(xml, withE, { now: NOW })).changed, false);
  const marked = await refreshDiagramXml(xml, graph, { now: NOW });
  const dj = await parseDiagram(marked.xml);
  const e = vertexOf(dj, deviceCellId("e"))!;
  assert.equal(e.layer, dj.pages[0].layers.find((l) => l.name === MISSING_LAYER)!.id);
  assert.deepEqual(
    e.geometry,
    { x: 1040, y: 560, width: 82, height: 41 },
    "same place on the page",
  );
  assert.deepEqual(vertexOf(dj, "zone"), zone, "the container is untouched");
  const back = await refreshDiagramXml(marked.xml, withE, { now: NOW });
  const dj2 = await parseDiagram(back.xml);
  assert.deepEqual(vertexOf(dj2, deviceCellId("e")), vertexOf(await parseDiagram(xml), inside.id));
});

Deno.test("refreshDiagramXml() reads and writes compressed pages, leaving unchanged pages as stored", async () => {
  const graph = baseGraph();
  const other = buildDiagramXml({ pages: [generatedPage({ devices: [], links: [] }, [], "p2")] });
  const page1 = buildDiagramXml({ pages: [generatedPage(graph)] });
  const modelOf = (xml: string) =>
    xml.slice(xml.indexOf("<mxGraphModel>"), xml.indexOf("</diagram>"));
  const c1 = await compressPage(modelOf(page1));
  const c2 = await compressPage(modelOf(other));
  const xml = `<mxfile host="test"><diagram id="p1" name="One">${c1}</diagram>` +
    `<diagram id="p2" name="Two">${c2}</diagram></mxfile>`;
  assert.equal((await refreshDiagramXml(xml, graph, { now: NOW })).changed, false);
  const more = { ...graph, devices: [...graph.devices, device("d")] };
  more.links = [...graph.links, link("d", "p1", "a", "p9")];
  const r = await refreshDiagramXml(xml, more, { now: NOW });
  assert.equal(r.changed, true);
  assert.ok(r.xml.includes(`<diagram id="p2" name="Two">${c2}</diagram>`), "page two as stored");
  const body = /<diagram id="p1" name="One">([^<]*)<\/diagram>/.exec(r.xml);
  assert.ok(body, "page one is still compressed");
  assert.ok((await decompressPage(body[1])).includes(deviceCellId("d")));
  const dj = await parseDiagram(r.xml);
  assert.equal(dj.pages[0].name, "One");
  assert.ok(vertexOf(dj, deviceCellId("d")));
  assert.equal(dj.links.length, 3);
});

Deno.test("refreshDiagramXml() updates the generator's fields and nothing a person changed", async () => {
  const graph = baseGraph();
  const note: Vertex = {
    id: "note",
    parent: "1",
    layer: "1",
    label: "Core <b>room</b>",
    style: { shape: "note", html: "1" },
    attributes: {},
    geometry: { x: 0, y: 400, width: 120, height: 60 },
  };
  const page = generatedPage(graph, [note]);
  // A person moved b, recoloured its outline and gave c a label of their own and a fill.
  const b = page.vertices.find((v) => v.id === deviceCellId("b"))!;
  b.geometry = { ...b.geometry, x: 555, y: 333 };
  b.style = { ...b.style, strokeColor: "#FF0000" };
  const c = page.vertices.find((v) => v.id === deviceCellId("c"))!;
  c.label = "C (do not touch)";
  c.style = { ...c.style, fillColor: "#123456" };
  const xml = buildDiagramXml({ pages: [page] });
  const before = await parseDiagram(xml);
  const now: InventoryGraph = {
    devices: [
      device("a", { name: "A-renamed" }),
      device("b", { ip: "10.9.9.9", status: "offline", netboxId: 42 }),
      device("c", { name: "C-renamed", status: "failed" }),
    ],
    links: graph.links,
  };
  const r = await refreshDiagramXml(xml, now, { now: NOW });
  const dj = await parseDiagram(r.xml);
  const a = vertexOf(dj, deviceCellId("a"))!;
  assert.equal(a.label, `A-renamed\n${device("a").ip}`);
  const b2 = vertexOf(dj, deviceCellId("b"))!;
  assert.equal(b2.label, "B\n10.9.9.9");
  assert.equal(b2.attributes.ip_address, "10.9.9.9");
  assert.equal(b2.attributes.netbox_id, "42");
  assert.equal(b2.style.fillColor, STATUS_FILL.offline);
  assert.equal(b2.style.strokeColor, "#FF0000", "a person's style key stays");
  assert.deepEqual(b2.geometry, b.geometry, "a moved shape stays where it was moved");
  const c2 = vertexOf(dj, deviceCellId("c"))!;
  assert.deepEqual(c2, vertexOf(before, c.id), "a person's label and fill stay");
  assert.deepEqual(vertexOf(dj, "note"), vertexOf(before, "note"));
  assert.deepEqual(r.summary.updated.devices, [
    { assetId: "a", name: "A-renamed", fields: ["name"] },
    { assetId: "b", name: "B", fields: ["ip_address", "netbox_id", "status"] },
  ]);
  assert.deepEqual(r.changedCellIds, [deviceCellId("a"), deviceCellId("b")]);
  assert.equal(
    changeSummaryText(r.summary),
    "Refresh from inventory: updated 2 devices (A-renamed: name, B: ip_address, netbox_id, status)",
  );
  const noteXml = (x: string) => /<mxCell id="note".*?<\/mxCell>/.exec(x)?.[0];
  assert.ok(noteXml(xml));
  assert.equal(noteXml(r.xml), noteXml(xml), "the note's XML is written as it was");
  assert.equal((await refreshDiagramXml(r.xml, now, { now: NOW })).changed, false);
});

Deno.test("refreshDiagramXml() draws a new device on the page that shows its neighbours", async () => {
  const one = generatedPage({ devices: [device("a")], links: [] }, [], "p1");
  const two = generatedPage({ devices: [device("x"), device("y")], links: [] }, [], "p2");
  const xml = buildDiagramXml({ pages: [one, two] });
  const graph: InventoryGraph = {
    devices: [device("a"), device("x"), device("y"), device("z")],
    links: [link("z", "1", "y", "1"), link("z", "2", "x", "1")],
  };
  const r = await refreshDiagramXml(xml, graph, { now: NOW });
  const dj = await parseDiagram(r.xml);
  assert.ok(dj.pages[1].vertices.some((v) => v.id === deviceCellId("z")));
  assert.equal(dj.pages[0].vertices.length, 1);
  assert.equal(dj.pages[1].edges.length, 2);
});

Deno.test("refreshDiagramXml() works on a bare mxGraphModel and keeps edge waypoints", async () => {
  const graph = baseGraph();
  const model = buildDiagramXml({ pages: [generatedPage(graph)] });
  let bare = model.slice(model.indexOf("<mxGraphModel>"), model.indexOf("</diagram>"));
  const edge = linkCellId(graph.links[0]);
  const points = '<Array as="points"><mxPoint x="150" y="20"/></Array>';
  bare = bare.replace(
    new RegExp(`(id="${edge}"><mxCell[^>]*><mxGeometry relative="1" as="geometry")/>`),
    `$1>${points}</mxGeometry>`,
  );
  assert.ok(bare.includes(points));
  const more = { ...graph, devices: [...graph.devices, device("d")] };
  const r = await refreshDiagramXml(bare, more, { now: NOW });
  assert.ok(r.xml.startsWith("<mxGraphModel>"));
  assert.ok(r.xml.includes(points), "the waypoints a person set stay");
  assert.ok(vertexOf(await parseDiagram(r.xml), deviceCellId("d")));
});
