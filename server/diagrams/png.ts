// The draw.io diagram a `.drawio.png` carries in a text chunk (tEXt, zTXt or iTXt, keyword
// `mxfile` or the older `mxGraphModel`), inflated within what is left of the parse's byte limit.
// Web APIs only: bundled into the draw.io plugin with parse.ts.

import { inflate, InflateLimitError, uriDecodedSize } from "./compress.ts";
import { DiagramParseError } from "./model.ts";

/** What is left of a parse's byte limit, and the error that going over it gives. */
export interface InflateBudget {
  readonly bytes: number;
  tooLarge(what: string): DiagramParseError;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

/** The draw.io XML carried by a PNG's text chunk (`mxfile`, or the older `mxGraphModel`). */
export async function textFromPng(b: Uint8Array, budget: InflateBudget): Promise<string | null> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 8 <= b.length) {
    const len = view.getUint32(at);
    const type = latin1.decode(b.subarray(at + 4, at + 8));
    const data = b.subarray(at + 8, Math.min(at + 8 + len, b.length));
    at += 12 + len;
    if (type === "IEND") break;
    if (type !== "tEXt" && type !== "zTXt" && type !== "iTXt") continue;
    const nul = data.indexOf(0);
    if (nul < 0) continue;
    const keyword = latin1.decode(data.subarray(0, nul));
    if (keyword !== "mxfile" && keyword !== "mxGraphModel") continue;
    let raw: string;
    if (type === "tEXt") {
      raw = latin1.decode(data.subarray(nul + 1));
    } else if (type === "zTXt") {
      raw = latin1.decode(await inflateEither(data.subarray(nul + 2), budget));
    } else {
      const compressed = data[nul + 1] === 1;
      let p = nul + 3;
      p = data.indexOf(0, p) + 1; // language tag
      p = data.indexOf(0, p) + 1; // translated keyword
      if (p <= 0) continue;
      const body = data.subarray(p);
      raw = utf8.decode(compressed ? await inflateEither(body, budget) : body);
    }
    try {
      // Java's URL encoder writes spaces as '+'.
      return decodeURIComponent(type === "zTXt" ? raw.replace(/\+/g, " ") : raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/**
 * A PNG text chunk inflated (zlib, or raw deflate from some writers), stopped once its URI-decoded
 * size passes what is left of the byte budget; the text is then counted by pagesFromText.
 */
async function inflateEither(data: Uint8Array, budget: InflateBudget): Promise<Uint8Array> {
  const tooLarge = () => budget.tooLarge("the PNG's diagram chunk, inflated,");
  try {
    return await inflate(data, "deflate", budget.bytes, uriDecodedSize);
  } catch (e) {
    if (e instanceof InflateLimitError) throw tooLarge();
    try {
      return await inflate(data, "deflate-raw", budget.bytes, uriDecodedSize);
    } catch (e) {
      if (e instanceof InflateLimitError) throw tooLarge();
      throw new DiagramParseError(
        "bad_compression",
        `Cannot inflate the PNG's diagram chunk: ${(e as Error).message}`,
      );
    }
  }
}
