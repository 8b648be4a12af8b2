// A small, strict XML reader for draw.io documents, in one pass over the text: it checks
// well-formedness (matching tags, quoted and unique attributes, entity reference syntax, one
// root element) while it builds the tree, instead of validating and then parsing as two passes.
//
// The tree has the shape fast-xml-parser gives with `preserveOrder` (each element is
// `{ [name]: children, ":@"?: attributes }`, text is `{ "#text": trimmed }`), and, like that
// parser with `processEntities: false`, values keep their entity references: callers decode
// only what they read, and no entity is ever declared or expanded (DOCTYPE is refused).
// Comments and processing instructions are skipped; CDATA sections become text. Attribute
// values are kept as written except that tabs and line breaks become spaces, as XML's
// attribute-value normalisation (and so draw.io, through the browser's parser) has it.

export type XNode = Record<string, unknown>;
export const ATTRS = ":@";
export const TEXT = "#text";

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

// Names: ASCII letters, digits and . - _ : plus any non-ASCII character (XML allows most).
const NAME = "[A-Za-z_:\\u00C0-\\uFFFF][\\w.:\\u00B7\\u00C0-\\uFFFF-]*";
const TAG_NAME = new RegExp(NAME, "y");
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, "y");
const TAG_END = /\s*(\/?)>/y;
const CLOSE_END = /\s*>/y;
const BAD_AMPERSAND = /&(?!(?:[A-Za-z_:][\w.:-]*|#[0-9]+|#x[0-9A-Fa-f]+);)/;
const NOT_SPACE = /[^ \t\r\n]/;
const HAS_LINE_BREAK_OR_TAB = /[\t\n\r]/;
const LINE_BREAK_OR_TAB = /\r\n|[\t\n\r]/g;

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

/** Parses a whole XML document; throws XmlSyntaxError naming the line and column. */
export function parseXmlTree(text: string, options: XmlReadOptions = {}): XNode[] {
  const maxDepth = options.maxDepth ?? Infinity;
  const onElement = options.onElement;
  const top: XNode[] = [];
  const names: string[] = [];
  const lists: XNode[][] = [top];
  let kids = top;
  let pos = 0;
  let pending = "";
  let roots = 0;
  const fail = (message: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlSyntaxError(message, line, at - lineStart + 1);
  };
  const flush = () => {
    if (pending === "") return;
    const t = pending.trim();
    if (t !== "") kids.push({ [TEXT]: t });
    pending = "";
  };

  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const end = lt < 0 ? text.length : lt;
    if (end > pos) {
      const chunk = text.slice(pos, end);
      if (names.length === 0) {
        const bad = NOT_SPACE.exec(chunk);
        if (bad) fail("text outside the root element", pos + bad.index);
      } else {
        if (chunk.includes("&")) {
          const bad = BAD_AMPERSAND.exec(chunk);
          if (bad) fail("'&' that does not start an entity reference", pos + bad.index);
        }
        pending += chunk;
      }
    }
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);

    if (next === 47 /* / */) {
      TAG_NAME.lastIndex = lt + 2;
      const m = TAG_NAME.exec(text);
      if (m === null) fail("a closing tag without a valid name", lt);
      const name = m![0];
      CLOSE_END.lastIndex = TAG_NAME.lastIndex;
      if (CLOSE_END.exec(text) === null) fail(`closing tag '${name}' is not closed by '>'`, lt);
      const open = names.at(-1);
      if (open !== name) {
        fail(
          open === undefined
            ? `closing tag '${name}' without an open tag`
            : `closing tag '${name}' where '${open}' is open`,
          lt,
        );
      }
      flush();
      names.pop();
      lists.pop();
      kids = lists[lists.length - 1];
      pos = CLOSE_END.lastIndex;
      continue;
    }

    if (next === 33 /* ! */) {
      if (text.startsWith("<!--", lt)) {
        const close = text.indexOf("-->", lt + 4);
        if (close < 0) fail("a comment that is never closed", lt);
        pos = close + 3;
        continue;
      }
      if (text.startsWith("<![CDATA[", lt) && names.length > 0) {
        const close = text.indexOf("]]>", lt + 9);
        if (close < 0) fail("a CDATA section that is never closed", lt);
        flush();
        pending = text.slice(lt + 9, close);
        flush();
        pos = close + 3;
        continue;
      }
      fail(
        text.startsWith("<!DOCTYPE", lt) ? "a DOCTYPE declaration" : "unexpected markup '<!'",
        lt,
      );
    }

    if (next === 63 /* ? */) {
      const close = text.indexOf("?>", lt + 2);
      if (close < 0) fail("a processing instruction that is never closed", lt);
      pos = close + 2;
      continue;
    }

    // A start tag.
    TAG_NAME.lastIndex = lt + 1;
    const m = TAG_NAME.exec(text);
    if (m === null) fail("'<' that does not start a tag", lt);
    const name = m![0];
    if (names.length === 0 && roots++ > 0) fail(`a second root element '${name}'`, lt);
    if (names.length >= maxDepth) throw new XmlDepthError(maxDepth);
    onElement?.(name, names);
    let at = TAG_NAME.lastIndex;
    let attrs: Record<string, string> | null = null;
    for (;;) {
      ATTRIBUTE.lastIndex = at;
      const a = ATTRIBUTE.exec(text);
      if (a === null) break;
      const key = a[1];
      let value = a[2] ?? a[3];
      attrs ??= {};
      if (Object.hasOwn(attrs, key)) fail(`attribute '${key}' is repeated`, at);
      if (key === "__proto__") fail("attribute name '__proto__' is not allowed", at);
      if (value.includes("&")) {
        const bad = BAD_AMPERSAND.exec(value);
        if (bad) fail("'&' that does not start an entity reference", at);
      }
      if (HAS_LINE_BREAK_OR_TAB.test(value)) value = value.replace(LINE_BREAK_OR_TAB, " ");
      attrs[key] = value;
      at = ATTRIBUTE.lastIndex;
    }
    TAG_END.lastIndex = at;
    const close = TAG_END.exec(text);
    if (close === null) {
      fail(`tag '${name}' has a malformed attribute or is not closed by '>'`, at);
    }
    flush();
    const children: XNode[] = [];
    const node: XNode = { [name]: children };
    if (attrs !== null) node[ATTRS] = attrs;
    kids.push(node);
    pos = TAG_END.lastIndex;
    if (close![1] !== "/") {
      names.push(name);
      lists.push(children);
      kids = children;
    }
  }
  if (names.length > 0) fail(`tag '${names.at(-1)}' is never closed`, text.length);
  if (roots === 0) fail("no root element", text.length);
  return top;
}
