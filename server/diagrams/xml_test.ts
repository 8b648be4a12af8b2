import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { corpusDir, corpusMissing } from "../../tests/support/corpus.ts";
import { decompressPage } from "./compress.ts";
import {
  parseXmlTree,
  readXml,
  TEXT,
  XElement,
  XmlDepthError,
  XmlSyntaxError,
  type XNode,
} from "./xml.ts";

// fast-xml-parser, configured for the tree shape xml.ts promises, is the reference on
// well-formed documents.
const reference = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

function rejects(xml: string, message: RegExp, line?: number, col?: number): void {
  assert.throws(() => parseXmlTree(xml), (err: unknown) => {
    assert.ok(err instanceof XmlSyntaxError, `${xml}: ${err}`);
    assert.match(err.message, message, xml);
    if (line !== undefined) assert.equal(err.line, line, `${xml}: line`);
    if (col !== undefined) assert.equal(err.col, col, `${xml}: column`);
    return true;
  });
}

Deno.test("parseXmlTree() reads elements, attributes, text, comments, CDATA and PIs", () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root -->
<mxfile host="x" a:b='single "quoted"'>
  <diagram id="p1" name="A &amp; B">  compressed&#x41;text  </diagram>
  <diagram id="p2"><mxGraphModel><root><mxCell id="0"/></root></mxGraphModel></diagram>
  <x >t<!-- skipped -->u<![CDATA[<raw & text>]]>v</x >
  <?pi ignored?>
</mxfile>
<!-- and one after -->
`;
  const tree = parseXmlTree(xml);
  assert.deepEqual(tree, reference.parse(xml));
  assert.deepEqual(tree, [{
    mxfile: [
      { diagram: [{ [TEXT]: "compressed&#x41;text" }], ":@": { id: "p1", name: "A &amp; B" } },
      {
        diagram: [{ mxGraphModel: [{ root: [{ mxCell: [], ":@": { id: "0" } }] }] }],
        ":@": { id: "p2" },
      },
      { x: [{ [TEXT]: "tu" }, { [TEXT]: "<raw & text>" }, { [TEXT]: "v" }] },
    ],
    ":@": { host: "x", "a:b": 'single "quoted"' },
  }]);
});

Deno.test("parseXmlTree() refuses what is not well-formed XML, naming line and column", () => {
  rejects(`<a>\n  <b></a>`, /closing tag 'a' where 'b' is open/, 2, 6);
  rejects(`<a><b>`, /tag 'b' is never closed/);
  rejects(`</a>`, /without an open tag/);
  rejects(`<a x="1" x="2"/>`, /attribute 'x' is repeated/);
  rejects(`<a x/>`, /malformed attribute/);
  rejects(`<a x="1"y="2"/>`, /malformed attribute/);
  rejects(`<a x="a<b"/>`, /malformed attribute/);
  rejects(`<a x="1>`, /malformed attribute/);
  rejects(`<a x="R&D"/>`, /'&' that does not start an entity reference/);
  rejects(`<a>fish & chips</a>`, /'&' that does not start/, 1, 9);
  rejects(`<a/><b/>`, /a second root element 'b'/);
  rejects(`<a/>trailing`, /text outside the root element/);
  rejects(`junk<a/>`, /text outside the root element/);
  rejects(`<a><!-- open</a>`, /comment that is never closed/);
  rejects(`<a><![CDATA[ open</a>`, /CDATA section that is never closed/);
  rejects(`<!DOCTYPE a [<!ENTITY x "y">]><a/>`, /DOCTYPE/);
  rejects(`<a><!ELEMENT b ANY></a>`, /unexpected markup/);
  rejects(`<1a/>`, /does not start a tag/);
  rejects(`<a __proto__="x"/>`, /__proto__/);
  rejects(``, /no root element/);
  rejects(`<?xml version="1.0"?>`, /no root element/);
});

Deno.test("parseXmlTree() keeps entity references as written and accepts every reference form", () => {
  const [node] = parseXmlTree(`<a v="&lt;&#60;&#x3C;&nbsp;&my-ent.x;"/>`);
  assert.deepEqual(node[":@"], { v: "&lt;&#60;&#x3C;&nbsp;&my-ent.x;" });
  const [proto] = parseXmlTree(`<a constructor="1" toString="2"/>`);
  assert.deepEqual(proto[":@"], { constructor: "1", toString: "2" });
});

/** Every XML document of the corpus, with the compressed pages inside them decompressed. */
async function* corpusDocuments(dir: string): AsyncGenerator<[string, string]> {
  for (const entry of walk(`${dir}/drawio`)) {
    if (!/\.(drawio|xml|svg)$/.test(entry)) continue;
    let text = Deno.readTextFileSync(entry).replace(/^\uFEFF/, "");
    const root = text.search(/<(?![?!])/);
    if (root < 0) continue;
    // SVG exports start with a DOCTYPE, which diagrams refuse: the document from its root on.
    text = text.slice(root);
    if (XMLValidator.validate(text) !== true) continue;
    yield [entry, text];
    for (const d of elements(reference.parse(text) as XNode[], "diagram")) {
      const kids = d.diagram as XNode[];
      if (kids.length !== 1 || !(TEXT in kids[0])) continue;
      const page = await decompressPage(String(kids[0][TEXT])).catch(() => null);
      if (page !== null && page.trimStart().startsWith("<")) yield [`${entry} (page)`, page];
    }
  }
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(path);
    else yield path;
  }
}

function* elements(nodes: XNode[], name: string): Generator<XNode> {
  for (const n of nodes) {
    if (name in n) yield n;
    for (const k in n) {
      if (k !== ":@" && Array.isArray(n[k])) yield* elements(n[k] as XNode[], name);
    }
  }
}

/**
 * The tree with attribute values as fast-xml-parser gives them: it trims them (trimValues)
 * and does not turn line breaks into spaces; xml.ts keeps the spaces and normalises as XML does.
 */
function asReference(nodes: XNode[]): XNode[] {
  return nodes.map((n) => {
    const out: XNode = {};
    for (const k in n) {
      if (k === ":@") {
        const attrs: Record<string, string> = {};
        for (const [a, v] of Object.entries(n[k] as Record<string, string>)) {
          attrs[a] = v.replace(/\r\n|[\t\n\r]/g, " ").trim();
        }
        out[k] = attrs;
      } else out[k] = Array.isArray(n[k]) ? asReference(n[k] as XNode[]) : n[k];
    }
    return out;
  });
}

Deno.test("parseXmlTree() keeps spaces around attribute values and normalises line breaks", () => {
  const [node] = parseXmlTree(`<a v=" Title : x " w="one\r\ntwo\tthree\nfour"/>`);
  assert.deepEqual(node[":@"], { v: " Title : x ", w: "one two three four" });
});

Deno.test("parseXmlTree() builds the same tree as fast-xml-parser on every corpus document", async () => {
  if (corpusMissing("XML reader agreement with fast-xml-parser")) return;
  let compared = 0;
  for await (const [name, text] of corpusDocuments(corpusDir()!)) {
    assert.deepEqual(asReference(parseXmlTree(text)), asReference(reference.parse(text)), name);
    compared++;
  }
  assert.ok(compared > 100, `only ${compared} corpus documents were compared`);
});

Deno.test("parseXmlTree() normalises every value of a document, not only the first", () => {
  const [node] = parseXmlTree(`<a v="1\n2" w="3\n4" x="5\t6"><b y="7\r8"/></a>`);
  assert.deepEqual(node[":@"], { v: "1 2", w: "3 4", x: "5 6" });
  assert.deepEqual((node.a as XNode[])[0][":@"], { y: "7 8" });
});

Deno.test("parseXmlTree() refuses elements nested deeper than maxDepth, empty ones included", () => {
  assert.equal(parseXmlTree("<a><b><c/></b></a>", { maxDepth: 3 }).length, 1);
  assert.throws(() => parseXmlTree("<a><b><c/></b></a>", { maxDepth: 2 }), XmlDepthError);
  assert.throws(() => parseXmlTree("<a><b><c></c></b></a>", { maxDepth: 2 }), XmlDepthError);
  const deep = "<a>".repeat(100_000) + "</a>".repeat(100_000);
  assert.throws(
    () => parseXmlTree(deep, { maxDepth: 256 }),
    (e) => e instanceof XmlDepthError && e.maxDepth === 256,
  );
  // The reader keeps its own stack: a deep document within the limit reads without recursion.
  assert.equal(parseXmlTree(deep).length, 1);
});

Deno.test("parseXmlTree() tells onElement each start tag with the elements it is in, and stops on its error", () => {
  const seen: string[] = [];
  parseXmlTree("<a><b/><c><d>x</d></c></a>", {
    onElement: (name, open) => seen.push([...open, name].join("/")),
  });
  assert.deepEqual(seen, ["a", "a/b", "a/c", "a/c/d"]);
  let count = 0;
  assert.throws(
    () =>
      parseXmlTree("<a>" + "<b/>".repeat(1000) + "</a>", {
        onElement: () => {
          if (++count > 10) throw new RangeError("enough");
        },
      }),
    RangeError,
  );
  assert.equal(count, 11);
});

Deno.test("readXml() gives elements with flat attribute lists, text as strings, and where references are", () => {
  const root = readXml(`<a x="1" y="&lt;2"><b z="3"/>text<c/><![CDATA[ raw ]]></a>`);
  assert.ok(root instanceof XElement);
  assert.equal(root.name, "a");
  assert.deepEqual(root.attrs, ["x", "1", "y", "&lt;2"]);
  assert.equal(root.attr("y"), "&lt;2");
  assert.equal(root.attr("z"), undefined);
  assert.equal(root.references, true);
  const [b, text, c, raw] = root.children as [XElement, string, XElement, string];
  assert.deepEqual([b.name, b.attrs, b.references], ["b", ["z", "3"], false]);
  assert.deepEqual([text, c.name, c.attrs, c.children, raw], ["text", "c", [], [], "raw"]);
});

Deno.test("parseXmlTree() reads long attribute values with the same checks as short ones", () => {
  const long = "a value longer than any short one";
  const [node] = parseXmlTree(
    `<a v="${long},\r\nnext\tline" w='${long} "quoted"' x="${long} &amp; &#x41;"/>`,
  );
  assert.deepEqual(node[":@"], {
    v: `${long}, next line`,
    w: `${long} "quoted"`,
    x: `${long} &amp; &#x41;`,
  });
  rejects(`<a v="${long} < inside"/>`, /malformed attribute/, 1, 3);
  rejects(`<a v="${long} & inside"/>`, /'&' that does not start/, 1, 3);
  rejects(`<a v="${long}/>`, /malformed attribute/, 1, 3);
  rejects(`<a v="${long}`, /malformed attribute/, 1, 3);
});

Deno.test("parseXmlTree() takes a space from U+00C0 on as an attribute name's first character where nothing else can be", () => {
  // Such spaces are name characters too; the reader has always read them as `\s+name` would.
  assert.deepEqual(parseXmlTree(`<a x="1" \u3000="2"/>`)[0][":@"], { x: "1", "\u3000": "2" });
  assert.deepEqual(parseXmlTree(`<a x="1" \u3000 ="2"/>`)[0][":@"], { x: "1", "\u3000": "2" });
  assert.deepEqual(parseXmlTree(`<a x="1"\u3000 \u3000y="2"/>`)[0][":@"], { x: "1", y: "2" });
  rejects(`<a x="1"\u3000="2"/>`, /malformed attribute/);
});
