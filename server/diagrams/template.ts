// Diagram templates: typed variables and `{{name}}` placeholders in a draw.io file. render()
// replaces placeholders in labels, user-object attributes and page names with the validated
// values, escaped for XML (and for HTML first in HTML labels). Substitution is one pass over
// the template, so a value that itself contains `{{...}}` is written literally, never expanded.
import { z } from "zod";
import { formatCidr, formatIp } from "../ipam/addr_format.ts";
import { parseCidr, parseIp } from "../ipam/addr_parse.ts";
import { IpParseError } from "../ipam/addr_types.ts";
import { esc, textToHtml } from "./build.ts";
import { decompressPage, InflateLimitError } from "./compress.ts";
import { DEFAULT_DIAGRAM_LIMITS, DiagramParseError } from "./model.ts";
import { decodeXml, parseStyle } from "./parse.ts";

export const VARIABLE_TYPES = ["string", "number", "ip", "cidr", "enum"] as const;
export type VariableType = typeof VARIABLE_TYPES[number];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const MAX_VALUE = 1000;

export const variableSchema = z.object({
  name: z.string().max(64).regex(NAME, "must be a letter or _ followed by letters, digits or _")
    .refine((n) => n !== "__proto__", "is reserved"),
  type: z.enum(VARIABLE_TYPES).default("string"),
  label: z.string().max(200).optional(),
  description: z.string().max(1000).optional(),
  required: z.boolean().default(false),
  default: z.union([z.string().max(MAX_VALUE), z.number()]).optional(),
  /** The allowed values of an enum. */
  options: z.array(z.string().min(1).max(200)).min(1).max(500).optional(),
  /** Bounds of a number. */
  min: z.number().optional(),
  max: z.number().optional(),
}).strict().superRefine((v, ctx) => {
  if (v.type === "enum" && v.options === undefined) {
    ctx.addIssue({ code: "custom", path: ["options"], message: "an enum variable needs options" });
  }
  if (v.type !== "enum" && v.options !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["options"],
      message: "only enum variables have options",
    });
  }
  if (v.default !== undefined) {
    const problem = checkValue(v as Variable, String(v.default)).error;
    if (problem) ctx.addIssue({ code: "custom", path: ["default"], message: problem });
  }
});

export type Variable = z.output<typeof variableSchema>;

export const variablesSchema = z.array(variableSchema).max(200).superRefine((vars, ctx) => {
  const seen = new Set<string>();
  vars.forEach((v, i) => {
    if (seen.has(v.name)) {
      ctx.addIssue({ code: "custom", path: [i, "name"], message: `${v.name} is declared twice` });
    }
    seen.add(v.name);
  });
});

/** Checks one value against its variable; returns the canonical text or why it is refused. */
export function checkValue(v: Variable, raw: string): { value?: string; error?: string } {
  if (raw.length > MAX_VALUE) return { error: `is longer than ${MAX_VALUE} characters` };
  switch (v.type) {
    case "string":
      return { value: raw };
    case "number": {
      const n = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(n)) return { error: `"${raw}" is not a number` };
      if (v.min !== undefined && n < v.min) return { error: `${n} is below the minimum ${v.min}` };
      if (v.max !== undefined && n > v.max) return { error: `${n} is above the maximum ${v.max}` };
      return { value: String(n) };
    }
    case "ip":
      try {
        return { value: formatIp(parseIp(raw.trim())) };
      } catch (e) {
        if (e instanceof IpParseError) return { error: e.message };
        throw e;
      }
    case "cidr":
      try {
        return { value: formatCidr(parseCidr(raw.trim())) };
      } catch (e) {
        if (e instanceof IpParseError) return { error: e.message };
        throw e;
      }
    case "enum":
      return v.options!.includes(raw)
        ? { value: raw }
        : { error: `"${raw}" is not one of ${v.options!.join(", ")}` };
  }
}

export interface ValueIssue {
  variable: string;
  message: string;
}

export class TemplateValueError extends Error {
  constructor(readonly issues: ValueIssue[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join("; "));
    this.name = "TemplateValueError";
  }
}

/**
 * The value of every declared variable: given (validated), else its default, else "" when it
 * is optional. Missing required values and undeclared names are refused, all at once.
 */
export function resolveValues(
  variables: Variable[],
  given: Record<string, string | number | boolean>,
): Record<string, string> {
  const issues: ValueIssue[] = [];
  const out: Record<string, string> = {};
  const declared = new Set(variables.map((v) => v.name));
  for (const k of Object.keys(given)) {
    if (!declared.has(k)) {
      issues.push({ variable: k, message: "is not a variable of this template" });
    }
  }
  for (const v of variables) {
    const raw = Object.hasOwn(given, v.name) ? String(given[v.name]) : undefined;
    if (raw === undefined || raw === "") {
      if (v.default !== undefined) out[v.name] = checkValue(v, String(v.default)).value!;
      else if (v.required) issues.push({ variable: v.name, message: "is required" });
      else out[v.name] = "";
      continue;
    }
    const r = checkValue(v, raw);
    if (r.error) issues.push({ variable: v.name, message: r.error });
    else out[v.name] = r.value!;
  }
  if (issues.length > 0) throw new TemplateValueError(issues);
  return out;
}

// Attributes that give a cell its structure: placeholders there would break the model, so they
// are left as written. `style` is kept too: a value must not be able to add style keys.
const STRUCTURAL = new Set([
  "id",
  "parent",
  "source",
  "target",
  "vertex",
  "edge",
  "as",
  "style",
  "connectable",
  "collapsed",
  "visible",
  "compressed",
]);

const TAG = /<([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
const ATTR = /(\s+)([^\s=/>]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')/g;
const COMPRESSED_PAGE = /(<diagram\b[^>]*>)\s*([A-Za-z0-9+/=\s]+?)\s*(<\/diagram>)/g;

function tooLarge(maxBytes: number): DiagramParseError {
  return new DiagramParseError(
    "too_large",
    `Cannot render the template: written out, it is over the limit of ${maxBytes} bytes`,
    { name: "maxBytes", value: maxBytes },
  );
}

/**
 * The template with compressed pages written out, so placeholders inside them are visible;
 * refused (DiagramParseError `too_large`) once that passes `maxBytes` UTF-16 units, counted
 * while the pages inflate.
 */
export async function inlinePages(
  xml: string,
  maxBytes = DEFAULT_DIAGRAM_LIMITS.maxBytes,
): Promise<string> {
  let left = maxBytes - xml.length;
  if (left < 0) throw tooLarge(maxBytes);
  let last = 0;
  const out: string[] = [];
  for (const m of xml.matchAll(COMPRESSED_PAGE)) {
    out.push(xml.slice(last, m.index));
    left += m[2].length;
    let inner: string;
    try {
      inner = await decompressPage(m[2], left);
    } catch (e) {
      if (e instanceof InflateLimitError) throw tooLarge(maxBytes);
      throw e;
    }
    left -= inner.length;
    out.push(m[1], inner, m[3]);
    last = m.index! + m[0].length;
  }
  out.push(xml.slice(last));
  return out.join("");
}

interface TagInfo {
  name: string;
  start: number;
  end: number;
  attrs: string;
  attrStart: number;
}

function tags(xml: string): TagInfo[] {
  const out: TagInfo[] = [];
  for (const m of xml.matchAll(TAG)) {
    out.push({
      name: m[1],
      start: m.index!,
      end: m.index! + m[0].length,
      attrs: m[2],
      attrStart: m.index! + 1 + m[1].length,
    });
  }
  return out;
}

function attrValue(attrs: string, name: string): string | undefined {
  for (const m of attrs.matchAll(ATTR)) if (m[2] === name) return m[4] ?? m[5];
  return undefined;
}

const isHtml = (style: string | undefined) =>
  style !== undefined && parseStyle(decodeXml(style)).html === "1";

/** Names of the placeholders a template uses where render() replaces them. */
export async function placeholdersOf(
  xml: string,
  maxBytes = DEFAULT_DIAGRAM_LIMITS.maxBytes,
): Promise<string[]> {
  const found = new Set<string>();
  const text = await inlinePages(xml, maxBytes);
  for (const t of tags(text)) {
    for (const a of t.attrs.matchAll(ATTR)) {
      if (STRUCTURAL.has(a[2])) continue;
      for (const p of (a[4] ?? a[5]).matchAll(PLACEHOLDER)) found.add(p[1]);
    }
  }
  return [...found].sort();
}

/**
 * Replaces placeholders with values (already resolved); unknown placeholders stay as written.
 * Values can be far longer than their placeholders: the result is refused (DiagramParseError
 * `too_large`) as soon as it passes `maxBytes` UTF-16 units, not built whole first.
 */
export async function render(
  xml: string,
  values: Record<string, string>,
  maxBytes = DEFAULT_DIAGRAM_LIMITS.maxBytes,
): Promise<string> {
  const text = await inlinePages(xml, maxBytes);
  const all = tags(text);
  const out: string[] = [];
  let last = 0;
  // The output's length is the text's plus what replacements add, checked as each is made.
  let size = text.length;
  const grow = (by: number) => {
    size += by;
    if (size > maxBytes) throw tooLarge(maxBytes);
  };
  for (let i = 0; i < all.length; i++) {
    const t = all[i];
    if (!t.attrs.includes("{{")) continue;
    // A label is HTML when its cell's style says html=1: the style sits on the same <mxCell>,
    // or, for a user object, on the <mxCell> it wraps (the next tag).
    let html = false;
    if (t.name === "mxCell") html = isHtml(attrValue(t.attrs, "style"));
    else if (i + 1 < all.length && all[i + 1].name === "mxCell") {
      html = isHtml(attrValue(all[i + 1].attrs, "style"));
    }
    const attrs = t.attrs.replace(ATTR, (whole, sp, name, eq, dq, sq) => {
      const raw: string = dq ?? sq;
      if (STRUCTURAL.has(name) || !raw.includes("{{")) return whole;
      const isLabel = (name === "label" || name === "value") && t.name !== "diagram";
      const replaced = raw.replace(PLACEHOLDER, (ph, key: string) => {
        if (!Object.hasOwn(values, key)) return ph;
        const v = values[key];
        const r = esc(isLabel && html ? textToHtml(v) : v);
        grow(r.length - ph.length);
        return r;
      });
      // Re-quote with double quotes: esc() escapes them, so the value cannot break out.
      const body = sq !== undefined ? replaced.replace(/"/g, "&quot;") : replaced;
      grow(body.length - replaced.length);
      return `${sp}${name}${eq}"${body}"`;
    });
    out.push(text.slice(last, t.attrStart), attrs);
    last = t.attrStart + t.attrs.length;
  }
  out.push(text.slice(last));
  return out.join("");
}
