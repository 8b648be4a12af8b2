// Parses draw.io files (mxfile, bare mxGraphModel, .drawio.svg, .drawio.png) into
// `diagram_json` (ARCHITECTURE.md §4.4). Cells are decoded the way draw.io's mxCodec does it
// (cells.ts, cell.ts), so vertex, edge and layer counts match what draw.io itself reports for
// the same file; the XML is read by xml.ts, PNG carriers by png.ts. Web APIs only: this module
// is also bundled into the draw.io plugin.
//
// Every parse runs within DiagramLimits (bytes once pages are inflated, cells, XML depth), so
// that what an input stands for, not only its size, is bounded; and every step is linear in the
// cells, however deeply they nest.

import { readXml, XElement, XmlDepthError, XmlSyntaxError } from "./xml.ts";
import { base64ToBytes, decompressPage, InflateLimitError, utf8Length } from "./compress.ts";
import {
  DEFAULT_DIAGRAM_LIMITS,
  DiagramJson,
  type DiagramLimits,
  DiagramParseError,
  Page,
  summarize,
} from "./model.ts";
import { emptyPage, pageFromModel } from "./cells.ts";
import { decodeXml } from "./cell_text.ts";
import { isPng, textFromPng } from "./png.ts";

export { DEFAULT_DIAGRAM_LIMITS, DiagramParseError } from "./model.ts";
export type { DiagramJson, DiagramLimits, DiagramParseErrorCode } from "./model.ts";
export { decodeXml, htmlToText, parseStyle } from "./cell_text.ts";

/**
 * Parses draw.io XML text (mxfile, mxGraphModel, or an SVG carrying a diagram). Limits not
 * given are DEFAULT_DIAGRAM_LIMITS; a diagram over one is refused with DiagramParseError
 * (`too_large`, `too_many_cells` or `too_deep`, naming the limit in `limit`).
 */
export async function parseDiagram(
  input: string,
  limits: Partial<DiagramLimits> = {},
): Promise<DiagramJson> {
  return summarize(await pagesFromText(input, 0, new Budget(limits)));
}

/**
 * Parses a draw.io file given as bytes: `.drawio`/`.xml` text, `.drawio.svg`, or `.drawio.png`
 * (detected by the PNG signature; `name` is only used in error messages).
 */
export async function parseDiagramFile(
  bytes: Uint8Array,
  name?: string,
  limits: Partial<DiagramLimits> = {},
): Promise<DiagramJson> {
  const budget = new Budget(limits);
  if (isPng(bytes)) {
    const text = await textFromPng(bytes, budget);
    if (text === null) {
      throw new DiagramParseError(
        "not_a_diagram",
        `Cannot read ${
          name ?? "the PNG file"
        } as a diagram: it carries no embedded draw.io diagram`,
      );
    }
    return summarize(await pagesFromText(text, 1, budget));
  }
  return summarize(await pagesFromText(new TextDecoder().decode(bytes), 0, budget));
}

/** What is left of the limits while one diagram is parsed. */
class Budget {
  readonly limits: DiagramLimits;
  /** Bytes of XML still allowed. */
  bytes: number;
  #cells: number;

  constructor(limits: Partial<DiagramLimits>) {
    this.limits = { ...DEFAULT_DIAGRAM_LIMITS, ...limits };
    this.bytes = this.limits.maxBytes;
    this.#cells = this.limits.maxCells;
  }

  spendBytes(n: number, what: string): void {
    this.bytes -= n;
    if (this.bytes < 0) throw this.tooLarge(what);
  }

  tooLarge(what: string): DiagramParseError {
    const max = this.limits.maxBytes;
    return new DiagramParseError(
      "too_large",
      `Cannot parse the diagram: ${what} takes it over the limit of ${max} bytes`,
      { name: "maxBytes", value: max },
    );
  }

  spendCell(): void {
    if (--this.#cells >= 0) return;
    const max = this.limits.maxCells;
    throw new DiagramParseError(
      "too_many_cells",
      `Cannot parse the diagram: it has more than ${max} cells, the limit`,
      { name: "maxCells", value: max },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Text to pages

async function pagesFromText(input: string, depth: number, budget: Budget): Promise<Page[]> {
  const plain = isPlainAscii(input);
  const text = plain ? input : cleanText(input);
  const root = rootElementName(text);
  if (root.name === "svg") {
    if (depth > 1) throw notADiagram("an SVG nested inside a diagram");
    // The drawing around the diagram is not counted: only the diagram it carries is.
    return await pagesFromText(contentOfSvg(text, root.start, budget), depth + 1, budget);
  }
  budget.spendBytes(plain ? text.length : utf8Length(text), "its XML");
  if (root.doctype) {
    throw new DiagramParseError(
      "doctype_forbidden",
      "Cannot parse the diagram: it declares a DOCTYPE, which diagrams never need and which could expand entities",
    );
  }
  if (root.name !== "mxfile" && root.name !== "mxGraphModel" && root.name !== "diagram") {
    throw notADiagram(`root element <${root.name}>`);
  }
  const top = parseXml(text, budget);
  if (top.name === "mxGraphModel") return [pageFromModel(top, "page-1", "Page-1")];
  const diagrams = top.name === "diagram" ? [top] : childElements(top, "diagram");
  const pages: Page[] = [];
  for (let i = 0; i < diagrams.length; i++) {
    const d = diagrams[i];
    const rawId = d.attr("id");
    const rawName = d.attr("name");
    const id = rawId !== undefined ? decodeXml(rawId) : `page-${i + 1}`;
    const name = rawName !== undefined ? decodeXml(rawName) : `Page-${i + 1}`;
    pages.push(await pageFromDiagram(d, id, name, budget));
  }
  return pages;
}

async function pageFromDiagram(
  diagram: XElement,
  id: string,
  name: string,
  budget: Budget,
): Promise<Page> {
  const children = diagram.children;
  const model = children.find((c) => typeof c !== "string");
  if (model !== undefined) return pageFromModel(model as XElement, id, name);
  // Without an element, every child is text.
  const compressed = children.join("").trim();
  if (compressed === "") return emptyPage(id, name);
  // The page's inflated XML takes the place of its base64 text, counted with the file's XML.
  budget.bytes += compressed.length;
  let xml: string;
  try {
    xml = await decompressPage(compressed, budget.bytes);
  } catch (e) {
    if (e instanceof InflateLimitError) throw budget.tooLarge(`page "${name}", inflated,`);
    throw new DiagramParseError(
      "bad_compression",
      `Cannot decompress page "${name}": ${(e as Error).message}`,
    );
  }
  if (isPlainAscii(xml)) {
    budget.spendBytes(xml.length, `page "${name}", inflated,`);
  } else {
    budget.spendBytes(utf8Length(xml), `page "${name}", inflated,`);
    xml = cleanText(xml);
  }
  const root = rootElementName(xml);
  if (root.doctype) {
    throw new DiagramParseError(
      "doctype_forbidden",
      `Cannot parse page "${name}": it declares a DOCTYPE`,
    );
  }
  if (root.name !== "mxGraphModel") {
    throw notADiagram(`page "${name}" whose content is <${root.name}>`);
  }
  return pageFromModel(parseXml(xml, budget), id, name);
}

// C0 control characters other than tab, newline and carriage return are not allowed in XML;
// draw.io removes them before parsing (Graph.zapGremlins), so do we.
// deno-lint-ignore no-control-regex
const GREMLINS = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;

// Most diagrams are plain ASCII text: nothing to remove, and one byte of UTF-8 per character.
// deno-lint-ignore no-control-regex
const GREMLIN = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
const encoder = new TextEncoder();
const ASCII_WINDOW = 1 << 16;
const asciiScratch = new Uint8Array(ASCII_WINDOW);

function isPlainAscii(s: string): boolean {
  // encodeInto takes in a whole window only when each character of it is one byte: ASCII.
  for (let at = 0; at < s.length; at += ASCII_WINDOW) {
    const window = s.length <= ASCII_WINDOW ? s : s.substring(at, at + ASCII_WINDOW);
    if (encoder.encodeInto(window, asciiScratch).read !== window.length) return false;
  }
  return !GREMLIN.test(s);
}

function cleanText(s: string): string {
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  return s.replace(GREMLINS, "");
}

interface RootInfo {
  name: string;
  start: number;
  doctype: boolean;
}

/**
 * Where the first `<!DOCTYPE` is (-1 if none) and whether `<!ENTITY` occurs anywhere, either in
 * any letter case: one pass over the `<!` markup starts, which a diagram has few of.
 */
function declarations(text: string): { entity: boolean; doctypeAt: number } {
  let doctypeAt = -1;
  for (let i = text.indexOf("<!"); i >= 0; i = text.indexOf("<!", i + 2)) {
    const word = text.slice(i + 2, i + 9).toUpperCase();
    if (word.startsWith("ENTITY")) return { entity: true, doctypeAt };
    if (word === "DOCTYPE" && doctypeAt < 0) doctypeAt = i;
  }
  return { entity: false, doctypeAt };
}

/** Finds the root element's name, skipping the prolog; refuses entity declarations anywhere. */
function rootElementName(text: string): RootInfo {
  const decl = declarations(text);
  if (decl.entity) {
    throw new DiagramParseError(
      "doctype_forbidden",
      "Cannot parse the diagram: it declares XML entities, which are refused",
    );
  }
  let doctype = false;
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith("<?", i)) {
      const end = text.indexOf("?>", i);
      if (end < 0) throw malformed("unterminated processing instruction");
      i = end + 2;
    } else if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i);
      if (end < 0) throw malformed("unterminated comment");
      i = end + 3;
    } else if (/^<!DOCTYPE/i.test(text.slice(i, i + 9))) {
      const end = text.indexOf(">", i);
      if (end < 0) throw malformed("unterminated DOCTYPE");
      // An internal subset is where entities would be declared: refused outright.
      if (text.slice(i, end).includes("[")) {
        throw new DiagramParseError(
          "doctype_forbidden",
          "Cannot parse the diagram: its DOCTYPE has an internal subset, which is refused",
        );
      }
      doctype = true;
      i = end + 1;
    } else break;
  }
  if (i >= text.length) throw notADiagram("an empty document");
  if (text[i] !== "<") {
    throw notADiagram("text that is not XML (CSV or plain text?)");
  }
  const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i, i + 200));
  if (m === null) throw malformed(`unexpected markup at offset ${i}`);
  if (decl.doctypeAt >= i) doctype = true;
  return { name: m[1], start: i, doctype };
}

// Entities are left alone by the reader and decoded here, in one pass, only in the attribute
// values that are read: no entity is ever expanded from a DTD.
function parseXml(text: string, budget: Budget, what = "diagram"): XElement {
  const max = budget.limits.maxXmlDepth;
  try {
    // Cells are counted as they are read: a page with too many is refused before it is whole.
    return readXml(text, {
      maxDepth: max,
      onElement: (_, open) => {
        const n = open.length;
        if (n >= 2 && open[n - 1] === "root" && open[n - 2] === "mxGraphModel") budget.spendCell();
      },
    });
  } catch (err) {
    if (err instanceof XmlDepthError) {
      throw new DiagramParseError(
        "too_deep",
        `Cannot parse the ${what}: its XML elements nest more than ${max} deep, the limit`,
        { name: "maxXmlDepth", value: max },
      );
    }
    if (!(err instanceof XmlSyntaxError)) throw err;
    throw new DiagramParseError(
      "malformed_xml",
      `Cannot parse the ${what}: malformed XML at line ${err.line}, column ${err.col}: ${err.message}`,
    );
  }
}

/** The diagram inside a `.drawio.svg`: the root `<svg>`'s `content` attribute. */
function contentOfSvg(text: string, start: number, budget: Budget): string {
  const raw = parseXml(text.slice(start), budget, "SVG").attr("content");
  if (raw === undefined) throw notADiagram("an SVG without an embedded draw.io diagram");
  let content = decodeXml(raw).trim();
  // As draw.io reads it: plain XML, URI-encoded XML, or base64 of URI-encoded XML. Some
  // exporters also escape the XML once more.
  if (content.startsWith("&lt;")) content = decodeXml(content);
  try {
    if (content !== "" && content[0] !== "<" && content[0] !== "%") {
      content = new TextDecoder().decode(base64ToBytes(content));
    }
    if (content[0] === "%") content = decodeURIComponent(content);
  } catch {
    throw notADiagram("an SVG whose content attribute cannot be decoded");
  }
  return content;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function childElements(node: XElement, name: string): XElement[] {
  return node.children.filter((c) => typeof c !== "string" && c.name === name) as XElement[];
}

function notADiagram(what: string): DiagramParseError {
  return new DiagramParseError(
    "not_a_diagram",
    `Cannot parse ${what}: it is not a draw.io diagram`,
  );
}

function malformed(what: string): DiagramParseError {
  return new DiagramParseError("malformed_xml", `Cannot parse the diagram: ${what}`);
}
