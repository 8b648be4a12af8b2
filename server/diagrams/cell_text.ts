// Text inside draw.io cells: XML entity decoding of attribute values, HTML labels to plain text,
// and styles (`key=value;` lists). Web APIs only: bundled into the draw.io plugin with parse.ts.

const XML_ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  laquo: "«",
  raquo: "»",
  euro: "€",
  bull: "•",
  middot: "·",
  deg: "°",
};

function entity(m: string, body: string): string {
  if (body.charCodeAt(0) === 35) {
    const code = body[1] === "x" || body[1] === "X"
      ? parseInt(body.slice(2), 16)
      : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  }
  return NAMED[body] ?? m;
}

/** Decodes the five XML entities and character references in an attribute value. */
export function decodeXml(s: string): string {
  return s.indexOf("&") < 0 ? s : s.replace(XML_ENTITY, entity);
}

const HTML_ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g;

/** Plain text of an HTML label: line breaks and block ends become newlines, tags are dropped. */
export function htmlToText(html: string): string {
  if (html.indexOf("<") < 0 && html.indexOf("&") < 0) return html.trim();
  const text = html
    .replace(/[\r\n\t]+/g, " ")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(div|p|li|tr|h[1-6])\s*>/gi, "\n")
    .replace(/<\/?[a-zA-Z][^>]*>/g, "")
    .replace(HTML_ENTITY, entity)
    .replace(/\u00a0/g, " ");
  return text.replace(/[ \t]*\n[ \t]*/g, "\n").trim();
}

/** `key=value;` pairs; a leading token without `=` is the shape (draw.io's named style). */
export function parseStyle(style: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (style === undefined || style === "") return out;
  const parts = style.split(";");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq < 0) {
      if (i === 0) out.shape = p;
      continue;
    }
    const key = p.slice(0, eq);
    if (key === "__proto__") continue;
    out[key] = p.slice(eq + 1);
  }
  return out;
}
