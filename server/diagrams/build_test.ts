import assert from "node:assert/strict";
import { buildDiagramXml, styleString } from "./build.ts";
import { compressPage, decompressPage } from "./compress.ts";
import { generateNetworkDiagram, generateNetworkPages } from "./generate.ts";
import { parseDiagram } from "./parse.ts";

const TRICKY = `<mxfile><diagram id="a&amp;b" name="Site &lt;1&gt;"><mxGraphModel><root>
  <object label="" site="HQ" id="0"><mxCell/></object>
  <mxCell id="1" value="Devices" parent="0"/>
  <UserObject label="Hidden &quot;cabling&quot;" owner="noc" id="2"><mxCell parent="0" visible="0"/></UserObject>
  <mxCell id="lbl" value="&lt;b&gt;10G&lt;/b&gt; &amp;amp; up" style="edgeLabel;html=1;" vertex="1" parent="e1">
    <mxGeometry x="-0.4" y="2" relative="1" as="geometry"/></mxCell>
  <Switch label="&lt;div&gt;core&lt;br&gt;sw-01&lt;/div&gt;" placeholders="1" asset_id="A-1" note="tab&#x9;and&#xa;newline" id="v1">
    <mxCell style="shape=mxgraph.cisco.switches.workgroup_switch;html=1;" vertex="1" parent="g">
      <mxGeometry x="10.5" y="-20" width="64" height="64" as="geometry"/></mxCell></Switch>
  <mxCell id="g" value="rack &lt; 1" style="group" vertex="1" parent="2"><mxGeometry width="300" height="200" as="geometry"/></mxCell>
  <mxCell id="v2" value="plain" style="ellipse;whiteSpace=wrap;" vertex="1" parent="1"><mxGeometry x="400" as="geometry"/></mxCell>
  <object label="uplink" source_port="Gi1/0/1" target_port="eth0" id="e1">
    <mxCell style="endArrow=none;html=1;" edge="1" parent="1" source="v1" target="v2"><mxGeometry relative="1" as="geometry"/></mxCell></object>
  <mxCell id="e2" edge="1" parent="1" source="v2"><mxGeometry relative="1" as="geometry"/></mxCell>
</root></mxGraphModel></diagram><diagram name="empty"/></mxfile>`;

Deno.test("buildDiagramXml() round-trips layers, user objects, labels, styles and geometry", async () => {
  const first = await parseDiagram(TRICKY);
  const xml = buildDiagramXml(first);
  const again = await parseDiagram(xml);
  assert.deepEqual(again, first);
  // And the test is about something: the parse saw what the XML holds.
  const page = first.pages[0];
  assert.equal(page.id, "a&b");
  assert.equal(page.name, "Site <1>");
  assert.deepEqual(page.root, { id: "0", tag: "object", attributes: { site: "HQ" } });
  assert.deepEqual(page.layers, [
    { id: "1", name: "Devices", visible: true },
    {
      id: "2",
      name: 'Hidden "cabling"',
      visible: false,
      tag: "UserObject",
      attributes: { owner: "noc" },
    },
  ]);
  const v1 = page.vertices.find((v) => v.id === "v1")!;
  assert.equal(v1.label, "core\nsw-01");
  assert.equal(v1.layer, "2");
  assert.equal(v1.tag, "Switch");
  assert.equal(v1.placeholders, "1");
  assert.deepEqual(v1.attributes, { asset_id: "A-1", note: "tab\tand\nnewline" });
  assert.deepEqual(v1.geometry, { x: 10.5, y: -20, width: 64, height: 64 });
  assert.equal(page.vertices.find((v) => v.id === "lbl")!.label, "10G & up");
  assert.equal(page.vertices.find((v) => v.id === "g")!.label, "rack < 1");
  assert.deepEqual(first.pages[1], {
    id: "page-2",
    name: "empty",
    layers: [],
    vertices: [],
    edges: [],
  });
  assert.deepEqual(first.links, []);
});

Deno.test("buildDiagramXml() output rebuilds byte for byte from its own parse", async () => {
  const xml = buildDiagramXml(await parseDiagram(TRICKY));
  assert.equal(buildDiagramXml(await parseDiagram(xml)), xml);
});

Deno.test("a generated network keeps its devices and links through build and parse", async () => {
  const pages = generateNetworkPages({ devices: 40, links: 60, devicesPerPage: 25, seed: 7 });
  const d = await parseDiagram(generateNetworkDiagram({
    devices: 40,
    links: 60,
    devicesPerPage: 25,
    seed: 7,
  }));
  assert.deepEqual(d.pages, pages);
  assert.deepEqual(d.stats, { pages: 2, vertices: 40, edges: 60, devices: 40, links: 60 });
  const link = d.links[0];
  assert.match(link.source.port!, /\d$/);
  assert.match(link.target.assetId, /^A-\d{6}$/);
  assert.notEqual(link.source.cellId, link.target.cellId);
});

Deno.test("styleString() writes named styles as the leading token", () => {
  assert.equal(styleString({ shape: "ellipse", html: "1" }), "ellipse;html=1;");
  assert.equal(
    styleString({ html: "1", shape: "mxgraph.cisco.x" }),
    "html=1;shape=mxgraph.cisco.x;",
  );
  assert.equal(styleString({}), "");
});

Deno.test("buildDiagramXml() refuses attribute names that would break the XML", () => {
  assert.throws(() =>
    buildDiagramXml({
      pages: [{
        id: "p",
        name: "p",
        layers: [{ id: "1", name: null, visible: true }],
        vertices: [{
          id: "v",
          parent: "1",
          layer: "1",
          label: "",
          style: {},
          geometry: { x: 0, y: 0, width: 0, height: 0 },
          attributes: { 'a"><x': "1" },
        }],
        edges: [],
      }],
    }), TypeError);
});

Deno.test("compressPage() and decompressPage() use draw.io's page encoding", async () => {
  const xml = '<mxGraphModel><root><mxCell id="0" value="ü 中 %20 &amp;"/></root></mxGraphModel>';
  const b64 = await compressPage(xml);
  assert.match(b64, /^[A-Za-z0-9+/]+=*$/);
  assert.equal(await decompressPage(b64), xml);
  // Compressed pages built here parse like plain ones.
  const plain = await parseDiagram(TRICKY);
  const pageXml = TRICKY.slice(TRICKY.indexOf("<mxGraphModel>"), TRICKY.indexOf("</diagram>"));
  const compressed = await parseDiagram(
    `<mxfile><diagram id="a&amp;b" name="Site &lt;1&gt;">${await compressPage(
      pageXml,
    )}</diagram><diagram name="empty"/></mxfile>`,
  );
  assert.deepEqual(compressed, plain);
});
