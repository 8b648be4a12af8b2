// What parseDiagram() and parseDiagramFile() refuse, each with its error code: DOCTYPEs and
// entities, malformed XML, pages that inflate past maxBytes, more than maxCells cells, XML nested
// deeper than maxXmlDepth; and the deep chains of cells it must still read without recursion.
import assert from "node:assert/strict";
import { DiagramParseError, parseDiagram, parseDiagramFile } from "./parse.ts";
import { compressPage, deflate } from "./compress.ts";
import type { DiagramLimits, DiagramParseErrorCode } from "./model.ts";
import { chunk, latin, png } from "../../tests/support/png.ts";
import { BASE, file, model, refuses } from "../../tests/support/diagrams.ts";

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
