// How deeply a parsed JSON value nests, checked without recursion so that a value nested
// millions of levels deep (JSON.parse accepts that) is refused instead of overflowing the stack
// of whatever walks it next (zod, JSON.stringify of a log line, PostgreSQL's jsonb input).
// Used on JSON-RPC params and on REST bodies alike, against ARCHIFLOW_MAX_JSON_DEPTH.
import { invalid } from "../errors.ts";

/** The setting that bounds nesting, named in every refusal. */
export const JSON_DEPTH_SETTING = "ARCHIFLOW_MAX_JSON_DEPTH";

/**
 * True when `value` nests arrays and objects more than `maxDepth` levels: `{}` and `[]` are one
 * level, `{"a": []}` two; strings, numbers, booleans and null add none. One pass over the
 * containers only (strings are never read), stopping at the first one too deep.
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const container = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) {
      if (typeof child === "object" && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** What a refusal says: `what` (e.g. "The request body") and the limit with its setting. */
export function jsonDepthMessage(what: string, maxDepth: number): string {
  return `${what} nests arrays and objects deeper than ${maxDepth} levels, ` +
    `the limit ${JSON_DEPTH_SETTING} sets`;
}

/** Throws AppError `invalid` (HTTP 400) when `value` nests deeper than `maxDepth`. */
export function assertJsonDepth(value: unknown, maxDepth: number, what = "The request body"): void {
  if (exceedsJsonDepth(value, maxDepth)) {
    throw invalid(jsonDepthMessage(what, maxDepth), {
      setting: JSON_DEPTH_SETTING,
      limit: maxDepth,
    });
  }
}

/**
 * Most arrays, objects and list items one JSON text may hold. JSON.parse builds tens of bytes of
 * heap per value: a 25 MB text of `[[],[],...]` would cost over half a gigabyte before any check
 * on the parsed value could run. A million values is far more than any call or bulk body needs.
 */
export const MAX_JSON_VALUES = 1_000_000;

/**
 * Each array, object and list item takes at least one character (`[`, `{` or `,`), so a text
 * no longer than MAX_JSON_VALUES cannot hold too many, and is not scanned.
 */
const SCAN_FROM_CHARS = MAX_JSON_VALUES + 1;

/**
 * Checks a JSON text before it is parsed: a refusal when it holds more than MAX_JSON_VALUES
 * arrays, objects and list items (which also bounds its depth), or null. One pass over the
 * characters, skipping strings; it does not validate the JSON (JSON.parse does that next).
 */
export function jsonTextTooLarge(text: string): string | null {
  if (text.length < SCAN_FROM_CHARS) return null;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // a backslash escapes the next character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if ((ch === 0x5b || ch === 0x7b || ch === 0x2c) && ++values > MAX_JSON_VALUES) {
      return `The JSON text holds more than ${MAX_JSON_VALUES} arrays, objects and list items`;
    }
  }
  return null;
}
