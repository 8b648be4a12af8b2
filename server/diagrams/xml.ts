// A small, strict XML reader for draw.io documents, in one pass over the text: it checks
// well-formedness (matching tags, quoted and unique attributes, entity reference syntax, one
// root element) while it builds the tree, instead of validating and then parsing as two passes.
//
// readXml() gives a lean tree: XElement nodes of one fixed shape, attributes as a flat list of
// names and values, text as plain strings. parseXmlTree() gives the same document in the shape
// fast-xml-parser gives with `preserveOrder` (each element is `{ [name]: children, ":@"?:
// attributes }`, text is `{ "#text": trimmed }`), for callers that want plain objects.
//
// Like fast-xml-parser with `processEntities: false`, values keep their entity references:
// callers decode only what they read, and no entity is ever declared or expanded (DOCTYPE is
// refused). Comments and processing instructions are skipped; CDATA sections become text.
// Attribute values are kept as written except that tabs and line breaks become spaces, as XML's
// attribute-value normalisation (and so draw.io, through the browser's parser) has it.
//
// The scanner reads character codes rather than running a regular expression per token; the
// rest of a long attribute value is searched with indexOf instead (xml_chars.ts).

import { Ahead, isReference, isSpace, NAME_TABLE, nameEnd, repeats, same } from "./xml_chars.ts";

export type XNode = Record<string, unknown>;
export const ATTRS = ":@";
export const TEXT = "#text";

/** An element of the lean tree. */
export class XElement {
  constructor(
    readonly name: string,
    /** Names and values alternating, in document order; values keep their entity references. */
    readonly attrs: readonly string[],
    /** Child elements and trimmed, non-empty text, in document order. */
    readonly children: readonly (XElement | string)[],
    /**
     * Whether any attribute value has an entity or character reference. When none has, the
     * values are their own decoded text (and, as '<' is refused in values, hold no markup).
     */
    readonly references: boolean,
  ) {}

  /** The value of attribute `name` as written (entities not decoded), if present. */
  attr(name: string): string | undefined {
    const a = this.attrs;
    for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
    return undefined;
  }
}

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

/** Thrown when elements nest deeper than the reader was allowed to go. */
export class XmlDepthError extends RangeError {
  constructor(readonly maxDepth: number) {
    super(`elements nest more than ${maxDepth} deep`);
    this.name = "XmlDepthError";
  }
}

export interface XmlReadOptions {
  /**
   * Deepest element nesting allowed; deeper throws XmlDepthError. The reader itself needs no
   * stack, but every walk over the tree it returns would: bounded here, once, for all of them.
   */
  maxDepth?: number;
  /**
   * Called at each start tag with its name and the names of the elements it is in (outermost
   * first), before the element is added; what it throws ends the read. Lets a caller refuse a
   * document while it is read rather than after.
   */
  onElement?: (name: string, open: readonly string[]) => void;
}

const NO_ATTRS: readonly string[] = Object.freeze([]);
const NO_CHILDREN: readonly (XElement | string)[] = Object.freeze([]);
const LINE_BREAK_OR_TAB = /\r\n|[\t\n\r]/g;
/** Elements with this many attributes check for repeats with a set rather than a scan. */
const MANY_ATTRIBUTES = 16;
/** Values up to this long are read a character at a time; longer ones are searched. */
const SHORT_VALUE = 16;

/** Parses a whole XML document into the lean tree; throws XmlSyntaxError naming line and column. */
export function readXml(text: string, options: XmlReadOptions = {}): XElement {
  const maxDepth = options.maxDepth ?? Infinity;
  const onElement = options.onElement;
  const len = text.length;
  const names: string[] = [];
  const open: (XElement | string)[][] = [];
  let kids: (XElement | string)[] | null = null;
  let root: XElement | null = null;
  let pending = "";
  let pos = 0;
  const ahead = new Ahead();

  while (pos < len) {
    let lt = text.charCodeAt(pos) === 60 ? pos : text.indexOf("<", pos);
    if (lt < 0) lt = len;
    if (lt > pos) {
      if (kids === null) {
        for (let i = pos; i < lt; i++) {
          const c = text.charCodeAt(i);
          if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
            fail(text, "text outside the root element", i);
          }
        }
      } else {
        // Blank text before any other text of the run is trimmed away anyway: not kept.
        let blank = true;
        for (let i = pos; i < lt; i++) {
          const c = text.charCodeAt(i);
          if (c === 38 /* & */) {
            if (!isReference(text, i)) fail(text, "'&' that does not start an entity reference", i);
            blank = false;
          } else if (blank && c !== 32 && c !== 10 && c !== 13 && c !== 9) blank = false;
        }
        if (!blank || pending !== "") pending += text.slice(pos, lt);
      }
    }
    if (lt === len) break;
    const next = text.charCodeAt(lt + 1);

    if (next === 47 /* / */) {
      const start = lt + 2;
      const end = nameEnd(text, start);
      if (end === start) fail(text, "a closing tag without a valid name", lt);
      let p = end;
      while (isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== 62 /* > */) {
        fail(text, `closing tag '${text.slice(start, end)}' is not closed by '>'`, lt);
      }
      const current = names.length === 0 ? undefined : names[names.length - 1];
      if (
        current === undefined || current.length !== end - start || !same(text, start, current)
      ) {
        const name = text.slice(start, end);
        fail(
          text,
          current === undefined
            ? `closing tag '${name}' without an open tag`
            : `closing tag '${name}' where '${current}' is open`,
          lt,
        );
      }
      if (pending !== "") pending = addText(kids!, pending);
      names.pop();
      open.pop();
      kids = open.length === 0 ? null : open[open.length - 1];
      pos = p + 1;
      continue;
    }

    if (next === 33 /* ! */) {
      if (text.startsWith("<!--", lt)) {
        const close = text.indexOf("-->", lt + 4);
        if (close < 0) fail(text, "a comment that is never closed", lt);
        pos = close + 3;
        continue;
      }
      if (text.startsWith("<![CDATA[", lt) && kids !== null) {
        const close = text.indexOf("]]>", lt + 9);
        if (close < 0) fail(text, "a CDATA section that is never closed", lt);
        if (pending !== "") pending = addText(kids, pending);
        addText(kids, text.slice(lt + 9, close));
        pos = close + 3;
        continue;
      }
      fail(
        text,
        text.startsWith("<!DOCTYPE", lt) ? "a DOCTYPE declaration" : "unexpected markup '<!'",
        lt,
      );
    }

    if (next === 63 /* ? */) {
      const close = text.indexOf("?>", lt + 2);
      if (close < 0) fail(text, "a processing instruction that is never closed", lt);
      pos = close + 2;
      continue;
    }

    // A start tag.
    const end = nameEnd(text, lt + 1);
    if (end === lt + 1) fail(text, "'<' that does not start a tag", lt);
    const name = text.slice(lt + 1, end);
    if (names.length === 0 && root !== null) fail(text, `a second root element '${name}'`, lt);
    if (names.length >= maxDepth) throw new XmlDepthError(maxDepth);
    onElement?.(name, names);
    let at = end;
    let attrs: string[] | null = null;
    let references = false;
    let seen: Set<string> | null = null;
    for (;;) {
      // Each attribute: whitespace, name, '=', a quoted value without '<'. Anything else ends
      // the attributes, and the tag must then close.
      let p = at;
      let c = text.charCodeAt(p);
      while (c === 32 || isSpace(c)) c = text.charCodeAt(++p);
      if (p === at) break;
      // Spaces from U+00C0 on (U+3000, U+FEFF...) are name characters too: as in the pattern
      // `\s+name`, when what follows the spaces cannot start a name, the last such space does.
      if (!(c < 0x100 ? (NAME_TABLE[c] & 1) !== 0 : c >= 0x100)) {
        let r = p - 1;
        while (r > at && text.charCodeAt(r) < 0xc0) r--;
        if (r > at) c = text.charCodeAt(p = r);
      }
      const keyStart = p;
      if (!(c < 0x100 ? (NAME_TABLE[c] & 1) !== 0 : c >= 0x100)) break;
      do c = text.charCodeAt(++p); while (c < 0x100 ? NAME_TABLE[c] !== 0 : c >= 0x100);
      const keyEnd = p;
      while (c !== 61 /* = */ && isSpace(c)) c = text.charCodeAt(++p);
      if (c !== 61) break;
      c = text.charCodeAt(++p);
      while (c !== 34 && c !== 39 && isSpace(c)) c = text.charCodeAt(++p);
      if (c !== 34 && c !== 39) break;
      const quote = c;
      const valueStart = ++p;
      let amp = false;
      let breaks = false;
      // Short values are read here; the rest of a long one is left to indexOf (see Ahead).
      const short = Math.min(len, valueStart + SHORT_VALUE);
      for (; p < short; p++) {
        c = text.charCodeAt(p);
        if (c > 60) continue;
        if (c === quote || c === 60 /* < */) break;
        if (c === 38) amp = true;
        else if (c === 10 || c === 13 || c === 9) breaks = true;
      }
      if (p === short) {
        if (p === len) break;
        const close = text.indexOf(quote === 34 ? '"' : "'", p);
        if (close < 0 || ahead.lt(text, p) < close) break;
        amp ||= ahead.amp(text, p) < close;
        breaks ||= ahead.lineBreakOrTab(text, p) < close;
        p = close;
      } else if (c !== quote) break;
      const valueEnd = p;
      const key = text.slice(keyStart, keyEnd);
      attrs ??= [];
      if (attrs.length > 0 && (seen !== null ? seen.has(key) : repeats(attrs, key))) {
        fail(text, `attribute '${key}' is repeated`, at);
      }
      if (key === "__proto__") fail(text, "attribute name '__proto__' is not allowed", at);
      if (amp) {
        references = true;
        for (let i = valueStart; i < valueEnd; i++) {
          if (text.charCodeAt(i) === 38 && !isReference(text, i)) {
            fail(text, "'&' that does not start an entity reference", at);
          }
        }
      }
      const value = breaks
        ? text.slice(valueStart, valueEnd).replace(LINE_BREAK_OR_TAB, " ")
        : text.slice(valueStart, valueEnd);
      attrs.push(key, value);
      if (seen !== null) seen.add(key);
      else if (attrs.length === 2 * MANY_ATTRIBUTES) {
        seen = new Set();
        for (let i = 0; i < attrs.length; i += 2) seen.add(attrs[i]);
      }
      at = valueEnd + 1;
    }
    let p = at;
    while (isSpace(text.charCodeAt(p))) p++;
    const empty = text.charCodeAt(p) === 47 /* / */;
    if (empty) p++;
    if (text.charCodeAt(p) !== 62 /* > */) {
      fail(text, `tag '${name}' has a malformed attribute or is not closed by '>'`, at);
    }
    pos = p + 1;
    if (pending !== "") pending = addText(kids!, pending);
    const children: (XElement | string)[] = empty ? NO_CHILDREN as (XElement | string)[] : [];
    const element = new XElement(name, attrs ?? NO_ATTRS, children, references);
    if (kids === null) root = element;
    else kids.push(element);
    if (!empty) {
      names.push(name);
      open.push(children);
      kids = children;
    }
  }
  if (names.length > 0) fail(text, `tag '${names[names.length - 1]}' is never closed`, len);
  if (root === null) fail(text, "no root element", len);
  return root!;
}

/** Adds trimmed text to an element's children unless it is blank; returns "" (nothing pending). */
function addText(kids: (XElement | string)[], text: string): "" {
  const t = text.trim();
  if (t !== "") kids.push(t);
  return "";
}

function fail(text: string, message: string, at: number): never {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  throw new XmlSyntaxError(message, line, at - lineStart + 1);
}

/** Parses a whole XML document into plain objects; throws XmlSyntaxError naming the line and column. */
export function parseXmlTree(text: string, options: XmlReadOptions = {}): XNode[] {
  const root = readXml(text, options);
  const node = (e: XElement): [XNode, XNode[]] => {
    const children: XNode[] = [];
    const out: XNode = { [e.name]: children };
    if (e.attrs.length > 0) {
      const attrs: Record<string, string> = {};
      for (let i = 0; i < e.attrs.length; i += 2) attrs[e.attrs[i]] = e.attrs[i + 1];
      out[ATTRS] = attrs;
    }
    return [out, children];
  };
  const [top, topChildren] = node(root);
  // A stack of its own, not recursion: the tree may be as deep as the options allow.
  const stack: [XElement, XNode[]][] = [[root, topChildren]];
  while (stack.length > 0) {
    const [e, into] = stack.pop()!;
    for (const child of e.children) {
      if (typeof child === "string") {
        into.push({ [TEXT]: child });
      } else {
        const [n, children] = node(child);
        into.push(n);
        stack.push([child, children]);
      }
    }
  }
  return [top];
}
