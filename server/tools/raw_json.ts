// JSON text that a tool passes into its result as it is, without parsing it: a diagram's stored
// diagram_json (megabytes, written by the server itself). encodeResult() splices the text into
// the encoded result; anything else that serialises the result gets the parsed value (toJSON).

export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * A tool result as JSON text. Top-level RawJson values are spliced in unparsed: each is encoded
 * first as a placeholder string no content can contain (it carries a fresh random nonce), then
 * replaced by its text.
 */
export function encodeResult(result: unknown): string {
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    return JSON.stringify(result);
  }
  const raws: [string, string][] = [];
  let copy: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(result)) {
    if (!(value instanceof RawJson)) continue;
    copy ??= { ...result };
    const placeholder = `\u0000raw-json:${crypto.randomUUID()}`;
    copy[key] = placeholder;
    raws.push([JSON.stringify(placeholder), value.text]);
  }
  if (copy === null) return JSON.stringify(result);
  let text = JSON.stringify(copy);
  for (const [placeholder, raw] of raws) text = text.replace(placeholder, () => raw);
  return text;
}

/**
 * A floor on encodeResult(result).length read off its top level alone (its strings and raw JSON
 * texts), without encoding anything: enough to refuse a response that cannot fit before
 * building megabytes of text.
 */
export function encodedLengthFloor(result: unknown): number {
  if (typeof result === "string") return result.length + 2;
  if (typeof result !== "object" || result === null || Array.isArray(result)) return 0;
  let length = 2;
  for (const [key, value] of Object.entries(result)) {
    if (value instanceof RawJson) length += key.length + 3 + value.text.length;
    else if (typeof value === "string") length += key.length + 5 + value.length;
  }
  return length;
}
