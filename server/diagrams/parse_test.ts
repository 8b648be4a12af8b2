// What parseDiagram() and parseDiagramFile() read: cells, devices, links, labels, layers, pages,
// compressed pages, styles and diagrams embedded in .drawio.svg and .drawio.png. What they refuse
// (hostile XML, size and depth limits) is in parse_limits_test.ts.
import assert from "node:assert/strict";
import {
  DiagramParseError,
  htmlToText,
  parseDiagram,
  parseDiagramFile,
  parseStyle,
} from "./parse.ts";
import { compressPage, deflate } from "./compress.ts";
import { chunk, latin, png } from "../../tests/support/png.ts";
import { BASE, file, model, refuses } from "../../tests/support/diagrams.ts";

Deno.test("parseDiagram() reads vertices, edges, devices and links of a network", async () => {
  const d = await parseDiagram(file(model(
    BASE +
      '<object label="core-sw-01" asset_id="A-1" device_type="switch" ip_address="10.0.0.5" netbox_id="42" id="v1">' +
      '<mxCell style="shape=mxgraph.cisco.switches.workgroup_switch;html=1;" vertex="1" parent="1">' +
      '<mxGeometry x="10" y="20" width="64" height="64" as="geometry"/></mxCell></object>' +
      '<object label="edge-rt" asset_id="A-2" id="v2"><mxCell vertex="1" parent="1">' +
      '<mxGeometry x="200" width="50" height="30" as="geometry"/></mxCell></object>' +
      '<mxCell id="v3" value="cloud" vertex="1" parent="1"><mxGeometry as="geometry"/></mxCell>' +
      '<object label="" source_port="Gi1/0/1" id="e1"><mxCell edge="1" parent="1" source="v1" target="v2">' +
      '<mxGeometry relative="1" as="geometry"/></mxCell></object>' +
      '<mxCell id="e2" edge="1" parent="1" source="v1" target="v3"><mxGeometry relative="1" as="geometry"/></mxCell>',
  )));
  assert.equal(d.format, "archiflow.diagram/1");
  const page = d.pages[0];
  assert.deepEqual(page.layers, [{ id: "1", name: null, visible: true }]);
  assert.deepEqual(page.vertices[0], {
    id: "v1",
    parent: "1",
    layer: "1",
    label: "core-sw-01",
    style: { shape: "mxgraph.cisco.switches.workgroup_switch", html: "1" },
    geometry: { x: 10, y: 20, width: 64, height: 64 },
    attributes: {
      asset_id: "A-1",
      device_type: "switch",
      ip_address: "10.0.0.5",
      netbox_id: "42",
    },
    tag: "object",
  });
  assert.deepEqual(page.vertices[1].geometry, { x: 200, y: 0, width: 50, height: 30 });
  assert.deepEqual(d.devices, [
    {
      pageId: "p1",
      cellId: "v1",
      assetId: "A-1",
      name: "core-sw-01",
      deviceType: "switch",
      ipAddress: "10.0.0.5",
      netboxId: 42,
    },
    {
      pageId: "p1",
      cellId: "v2",
      assetId: "A-2",
      name: "edge-rt",
      deviceType: null,
      ipAddress: null,
      netboxId: null,
    },
  ]);
  assert.deepEqual(d.links, [{
    pageId: "p1",
    edgeId: "e1",
    source: { cellId: "v1", assetId: "A-1", port: "Gi1/0/1" },
    target: { cellId: "v2", assetId: "A-2", port: null },
  }]);
  assert.deepEqual(d.stats, { pages: 1, vertices: 3, edges: 2, devices: 2, links: 1 });
});

Deno.test("parseDiagram() strips HTML labels to plain text", async () => {
  const label =
    "&lt;div&gt;&lt;b&gt;core&lt;/b&gt;&amp;nbsp;sw&lt;br&gt;10.0.0.1 &amp;amp; more&lt;/div&gt;" +
    "&lt;div&gt;second&lt;/div&gt;";
  const d = await parseDiagram(model(
    BASE + `<mxCell id="a" value="${label}" style="html=1;" vertex="1" parent="1"/>` +
      '<mxCell id="b" value="a &lt; b&#xa;line 2" vertex="1" parent="1"/>',
  ));
  assert.equal(d.pages[0].vertices[0].label, "core sw\n10.0.0.1 & more\nsecond");
  // Without html=1 the label is already plain text and is kept as written.
  assert.equal(d.pages[0].vertices[1].label, "a < b\nline 2");
  assert.equal(htmlToText("x&#x27;y &#169;"), "x'y ©");
});

Deno.test("parseDiagram() reads custom-tag and UserObject user objects", async () => {
  const d = await parseDiagram(model(
    BASE +
      '<Router label="r1" placeholders="1" vendor="Juniper" id="r"><mxCell vertex="1" parent="1"/></Router>' +
      '<UserObject label="u" link="https://x" id="u"><mxCell vertex="1" parent="1"/></UserObject>',
  ));
  const [r, u] = d.pages[0].vertices;
  assert.equal(r.tag, "Router");
  assert.equal(r.label, "r1");
  assert.equal(r.placeholders, "1");
  assert.deepEqual(r.attributes, { vendor: "Juniper" });
  assert.equal(u.tag, "UserObject");
  assert.deepEqual(u.attributes, { link: "https://x" });
});

Deno.test("parseDiagram() resolves layers of cells listed before their parents", async () => {
  const d = await parseDiagram(model(
    '<mxCell id="c" vertex="1" parent="g"/>' +
      '<mxCell id="g" vertex="1" parent="L2"/>' +
      '<mxCell id="L2" value="Cabling" parent="0" visible="0"/>' +
      '<mxCell id="L1" value="Background" parent="0"/>' +
      '<mxCell id="0"/>',
  ));
  const page = d.pages[0];
  assert.deepEqual(page.layers, [
    { id: "L2", name: "Cabling", visible: false },
    { id: "L1", name: "Background", visible: true },
  ]);
  assert.deepEqual(page.vertices.map((v) => [v.id, v.parent, v.layer]), [
    ["c", "g", "L2"],
    ["g", "L2", "L2"],
  ]);
});

Deno.test("parseDiagram() keeps labels on edges as vertices inside the edge", async () => {
  const d = await parseDiagram(model(
    BASE +
      '<mxCell id="e" edge="1" parent="1" source="a" target="missing"/>' +
      '<mxCell id="lbl" value="10G" style="edgeLabel;html=1;" vertex="1" connectable="0" parent="e">' +
      '<mxGeometry x="-0.5" relative="1" as="geometry"/></mxCell>' +
      '<mxCell id="a" vertex="1" parent="1"/>',
  ));
  const lbl = d.pages[0].vertices.find((v) => v.id === "lbl")!;
  assert.equal(lbl.parent, "e");
  assert.equal(lbl.layer, "1");
  assert.equal(lbl.style.shape, "edgeLabel");
  assert.equal(lbl.geometry.x, -0.5);
  // A terminal that names no cell is dropped, as draw.io does.
  assert.deepEqual([d.pages[0].edges[0].source, d.pages[0].edges[0].target], ["a", null]);
});

Deno.test("parseDiagram() gives id-less cells the ids draw.io would", async () => {
  const d = await parseDiagram(model(
    '<mxCell id="0"/><mxCell id="1" parent="0"/><mxCell vertex="1" parent="1"/>' +
      '<mxCell id="5" vertex="1" parent="1"/><mxCell vertex="1" parent="1"/>',
  ));
  assert.deepEqual(d.pages[0].vertices.map((v) => v.id), ["2", "5", "6"]);
});

Deno.test("parseDiagram() reads compressed pages and several pages", async () => {
  const one = model(BASE + '<mxCell id="v" value="é ü 中" vertex="1" parent="1"/>');
  const two = model(BASE + '<mxCell id="e" edge="1" parent="1"/>');
  const d = await parseDiagram(file(await compressPage(one), two));
  assert.deepEqual(d.pages.map((p) => [p.id, p.name]), [["p1", "Page 1"], ["p2", "Page 2"]]);
  assert.equal(d.pages[0].vertices[0].label, "é ü 中");
  assert.equal(d.pages[1].edges.length, 1);
  assert.deepEqual(d.stats, { pages: 2, vertices: 1, edges: 1, devices: 0, links: 0 });
});

Deno.test("parseDiagram() reads a bare mxGraphModel as one page", async () => {
  const d = await parseDiagram(model(BASE));
  assert.deepEqual(d.pages, [{
    id: "page-1",
    name: "Page-1",
    layers: [{ id: "1", name: null, visible: true }],
    vertices: [],
    edges: [],
  }]);
});

Deno.test("parseStyle() keeps a leading bare token as the shape", () => {
  assert.deepEqual(parseStyle("ellipse;whiteSpace=wrap;html=1;;fillColor=#fff;"), {
    shape: "ellipse",
    whiteSpace: "wrap",
    html: "1",
    fillColor: "#fff",
  });
  assert.deepEqual(parseStyle("rounded=0;text;"), { rounded: "0" });
  assert.deepEqual(parseStyle(undefined), {});
});

const SVG_DOCTYPE =
  '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">';

function xmlAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

Deno.test("parseDiagram() reads the diagram embedded in a .drawio.svg", async () => {
  const inner = file(model(BASE + '<mxCell id="v" value="in svg" vertex="1" parent="1"/>'));
  const escaped = `<?xml version="1.0"?>${SVG_DOCTYPE}<svg xmlns="http://www.w3.org/2000/svg" ` +
    `content="${xmlAttr(inner)}"><rect width="1" height="1"/></svg>`;
  const d = await parseDiagram(escaped);
  assert.equal(d.pages[0].vertices[0].label, "in svg");
  const uriEncoded = `<svg xmlns="http://www.w3.org/2000/svg" content="${
    xmlAttr(encodeURIComponent(inner))
  }"/>`;
  assert.equal((await parseDiagram(uriEncoded)).pages[0].vertices[0].label, "in svg");
  await refuses('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "not_a_diagram");
});

Deno.test("parseDiagramFile() reads the diagram embedded in a .drawio.png", async () => {
  const inner = file(model(BASE + '<mxCell id="v" value="in png ü" vertex="1" parent="1"/>'));
  const text = await png([chunk("tEXt", latin("mxfile\0" + encodeURIComponent(inner)))]);
  const d = await parseDiagramFile(text, "x.drawio.png");
  assert.equal(d.pages[0].vertices[0].label, "in png ü");

  const z = await deflate(new TextEncoder().encode(encodeURIComponent(inner)), "deflate");
  const ztxt = await png([chunk("zTXt", new Uint8Array([...latin("mxfile\0\0"), ...z]))]);
  assert.equal((await parseDiagramFile(ztxt)).pages[0].vertices[0].label, "in png ü");

  const itxt = await png([
    chunk(
      "iTXt",
      new Uint8Array([...latin("mxfile\0\0\0\0\0"), ...latin(encodeURIComponent(inner))]),
    ),
  ]);
  assert.equal((await parseDiagramFile(itxt)).pages[0].vertices[0].label, "in png ü");

  await assert.rejects(
    async () => parseDiagramFile(await png([chunk("tEXt", latin("Software\0paint"))])),
    (e) => e instanceof DiagramParseError && e.code === "not_a_diagram",
  );
});
