import assert from "node:assert/strict";
import {
  DiagramParseError,
  htmlToText,
  parseDiagram,
  parseDiagramFile,
  parseStyle,
} from "./parse.ts";
import { compressPage, deflate } from "./compress.ts";
import type { DiagramLimits, DiagramParseErrorCode } from "./model.ts";

const model = (cells: string) => `<mxGraphModel><root>${cells}</root></mxGraphModel>`;
const file = (...pages: string[]) =>
  `<mxfile>${
    pages.map((p, i) => `<diagram id="p${i + 1}" name="Page ${i + 1}">${p}</diagram>`).join("")
  }</mxfile>`;
const BASE = '<mxCell id="0"/><mxCell id="1" parent="0"/>';

async function refuses(input: string, code: DiagramParseErrorCode): Promise<void> {
  await assert.rejects(
    () => parseDiagram(input),
    (e) => e instanceof DiagramParseError && e.code === code,
    `expected ${code}`,
  );
}

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

// A minimal valid PNG (1x1, grey) with text chunks added before IEND.
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
async function png(extra: Uint8Array[]): Promise<Uint8Array> {
  const ihdr = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  const idat = await deflate(new Uint8Array([0, 128]), "deflate");
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    ...extra,
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}
const latin = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

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

Deno.test("parseDiagram() refuses DOCTYPEs and entity declarations without expanding them", async () => {
  const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
    `<mxGraphModel><root>${BASE}<mxCell id="v" value="&lol2;" vertex="1" parent="1"/></root></mxGraphModel>`;
  await refuses(bomb, "doctype_forbidden");
  await refuses(
    `<!DOCTYPE mxGraphModel SYSTEM "file:///etc/passwd">${model(BASE)}`,
    "doctype_forbidden",
  );
  // Even inside a compressed page.
  await refuses(
    file(await compressPage(`<!DOCTYPE x [<!ENTITY a "b">]>${model(BASE)}`)),
    "doctype_forbidden",
  );
  await refuses(
    file(await compressPage(`<!DOCTYPE mxGraphModel>${model(BASE)}`)),
    "doctype_forbidden",
  );
});

Deno.test("parseDiagram() refuses malformed XML and things that are not diagrams", async () => {
  await refuses("<mxfile><diagram name='a'></mxfile>", "malformed_xml");
  await refuses(
    `<mxGraphModel><root>${BASE}<mxCell id="x" vertex="1"></root></mxGraphModel>`,
    "malformed_xml",
  );
  await refuses(
    '<mxGraphModel><root><mxCell id="0" id="1"/></root></mxGraphModel>',
    "malformed_xml",
  );
  await refuses('<mxlibrary>[{"xml":"x"}]</mxlibrary>', "not_a_diagram");
  await refuses("<templates><clibs/></templates>", "not_a_diagram");
  await refuses("## CSV\nname,type\nsw1,switch\n", "not_a_diagram");
  await refuses("", "not_a_diagram");
  await refuses(file("not%base64!!"), "bad_compression");
  await refuses(file("aGVsbG8gd29ybGQ="), "bad_compression");
  await refuses(model('<mxCell id="0" parent="0"/>'), "invalid_model");
});

/** A refusal by `limit` with the value it was given. */
function overLimit(code: DiagramParseErrorCode, name: keyof DiagramLimits, value: number) {
  return (e: unknown) =>
    e instanceof DiagramParseError && e.code === code && e.limit?.name === name &&
    e.limit.value === value;
}

/** A page whose inflated XML is about `bytes` long: one cell with a long label. */
const bigPage = (bytes: number) =>
  compressPage(model(BASE + `<mxCell id="v" value="${"A".repeat(bytes)}" vertex="1" parent="1"/>`));

Deno.test("parseDiagram() refuses compressed pages that inflate past maxBytes, all pages together", async () => {
  const page = await bigPage(600_000);
  const limits = { maxBytes: 1024 * 1024 };
  assert.equal((await parseDiagram(file(page), limits)).stats.vertices, 1);
  await assert.rejects(
    () => parseDiagram(file(page, page), limits),
    overLimit("too_large", "maxBytes", 1024 * 1024),
  );
  // A 64 MB page against the default limit (20 MiB), and carried by a .drawio.svg.
  const bomb = file(await bigPage(64 * 1024 * 1024));
  assert.ok(bomb.length < 200_000);
  await assert.rejects(
    () => parseDiagram(bomb),
    overLimit("too_large", "maxBytes", 20 * 1024 * 1024),
  );
  const escaped = bomb.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  await assert.rejects(
    () => parseDiagram(`<svg xmlns="http://www.w3.org/2000/svg" content="${escaped}"/>`, limits),
    overLimit("too_large", "maxBytes", 1024 * 1024),
  );
  // Uncompressed XML counts too.
  await assert.rejects(
    () =>
      parseDiagram(model(BASE + `<mxCell id="v" value="${"A".repeat(2000)}"/>`), {
        maxBytes: 1024,
      }),
    overLimit("too_large", "maxBytes", 1024),
  );
});

Deno.test("parseDiagramFile() refuses a .drawio.png whose diagram chunk inflates past maxBytes", async () => {
  const inner = encodeURIComponent(
    file(model(BASE + `<mxCell id="v" value="${"A".repeat(3_000_000)}" vertex="1" parent="1"/>`)),
  );
  for (const format of ["deflate", "deflate-raw"] as const) {
    const z = await deflate(new TextEncoder().encode(inner), format);
    const ztxt = await png([chunk("zTXt", new Uint8Array([...latin("mxfile\0\0"), ...z]))]);
    assert.equal(
      (await parseDiagramFile(ztxt, "x.png", { maxBytes: 4_000_000 })).stats.vertices,
      1,
    );
    await assert.rejects(
      () => parseDiagramFile(ztxt, "x.png", { maxBytes: 1_000_000 }),
      overLimit("too_large", "maxBytes", 1_000_000),
    );
  }
});

Deno.test("parseDiagram() refuses more than maxCells cells over all pages", async () => {
  const cells = (p: string) =>
    BASE +
    Array.from({ length: 58 }, (_, i) => `<mxCell id="${p}${i}" vertex="1" parent="1"/>`).join("");
  assert.equal((await parseDiagram(file(model(cells("a"))), { maxCells: 100 })).stats.vertices, 58);
  const two = file(model(cells("a")), await compressPage(model(cells("b"))));
  await assert.rejects(
    () => parseDiagram(two, { maxCells: 100 }),
    overLimit("too_many_cells", "maxCells", 100),
  );
});

Deno.test("parseDiagram() refuses XML nested deeper than maxXmlDepth, and reads it without recursion when allowed", async () => {
  const deep = (n: number) =>
    model(
      BASE + '<UserObject id="u" label="deep">' + "<a>".repeat(n) + "</a>".repeat(n) +
        '<mxCell vertex="1" parent="1"/></UserObject>',
    );
  await assert.rejects(
    () => parseDiagram(deep(100_000)),
    overLimit("too_deep", "maxXmlDepth", 256),
  );
  const compressed = file(await compressPage(deep(300)));
  await assert.rejects(
    () => parseDiagram(compressed),
    overLimit("too_deep", "maxXmlDepth", 256),
  );
  const d = await parseDiagram(deep(100_000), { maxXmlDepth: 200_000 });
  assert.equal(d.pages[0].vertices[0].id, "u");
  assert.equal(d.pages[0].vertices[0].label, "deep");
});

/** n cells, each the parent of the next, under layer "1", listed last to first. */
function parentChain(n: number): string {
  const cells: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    cells.push(`<mxCell id="c${i}" vertex="1" parent="${i === 0 ? "1" : `c${i - 1}`}"/>`);
  }
  return model(BASE + cells.join(""));
}

Deno.test("parseDiagram() reads chains of 20,000, 40,000 and 80,000 nested cells, each in its layer", async () => {
  for (const n of [20_000, 40_000, 80_000]) {
    const d = await parseDiagram(parentChain(n));
    const vertices = d.pages[0].vertices;
    assert.equal(vertices.length, n);
    assert.ok(vertices.every((v) => v.layer === "1"), "every cell of the chain is in layer 1");
    const last = vertices.find((v) => v.id === `c${n - 1}`)!;
    assert.equal(last.parent, `c${n - 2}`);
  }
});
