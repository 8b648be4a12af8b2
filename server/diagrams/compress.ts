// draw.io's compressed page format: base64 of raw deflate of encodeURIComponent(xml).
// Web APIs only (CompressionStream, atob/btoa), so the same module runs on the server and,
// bundled, inside the draw.io plugin.
//
// Inflation is bounded while it runs: a few hundred kilobytes of deflate can stand for
// gigabytes, so the output is counted chunk by chunk and the stream is cancelled as soon as it
// passes the caller's limit, never inflated whole and measured afterwards.

/** Thrown when inflated data would pass the bytes allowed. */
export class InflateLimitError extends RangeError {
  constructor(readonly maxBytes: number) {
    super(`the data inflates to more than ${maxBytes} bytes`);
    this.name = "InflateLimitError";
  }
}

// Deflate expands at most about 1032:1, and a decompression stream turns each written chunk into
// output at once: feeding it slices this small keeps each output chunk to a few megabytes.
const INFLATE_SLICE = 4096;

/**
 * Inflates raw-deflate ("deflate-raw") or zlib ("deflate") bytes; throws InflateLimitError
 * once the output passes `maxBytes`, as `size` counts it (by default, in bytes).
 */
export async function inflate(
  bytes: Uint8Array,
  format: "deflate-raw" | "deflate" = "deflate-raw",
  maxBytes = Infinity,
  size: (chunk: Uint8Array) => number = (chunk) => chunk.length,
): Promise<Uint8Array> {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  // Writes wait for the reader (the stream's backpressure), so at most a slice's output is
  // pending at any time. They reject together with the read side, which reports the error.
  const writing = (async () => {
    for (let at = 0; at < bytes.length; at += INFLATE_SLICE) {
      await writer.write(bytes.subarray(at, at + INFLATE_SLICE) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })().catch(() => {});
  const chunks: Uint8Array[] = [];
  let length = 0;
  let counted = 0;
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      counted += size(value);
      if (counted > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new InflateLimitError(maxBytes);
      }
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await writing;
  }
  return concat(chunks, length);
}

/**
 * Bytes a chunk of URI-encoded text stands for once decoded: each `%XX` is one byte. Counted
 * while inflating, so that a page is bounded by the size of its XML, which its URI encoding
 * can triple.
 */
export function uriDecodedSize(chunk: Uint8Array): number {
  let n = chunk.length;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x25) n -= 2;
  return n;
}

/** Deflates bytes into raw deflate ("deflate-raw") or zlib ("deflate"). */
export async function deflate(
  bytes: Uint8Array,
  format: "deflate-raw" | "deflate" = "deflate-raw",
): Promise<Uint8Array> {
  const stream = new CompressionStream(format);
  const writer = stream.writable.getWriter();
  // The write and close promises reject together with the read side; reading surfaces the error.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes standard base64 (whitespace tolerated) into bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    bin += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(bin);
}

// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/g;

/** UTF-8 size of a string, without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  // The regular expression skips the ASCII run most XML starts with much faster than a loop.
  NON_ASCII.lastIndex = 0;
  if (!NON_ASCII.test(s)) return n;
  for (let i = NON_ASCII.lastIndex - 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 2 units, 4 bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** Compresses one page's XML the way draw.io stores it inside `<diagram>`. */
export async function compressPage(xml: string): Promise<string> {
  const bytes = new TextEncoder().encode(encodeURIComponent(xml));
  return bytesToBase64(await deflate(bytes));
}

/**
 * Decompresses the text of a compressed `<diagram>` back to page XML. Throws on data that is
 * not base64 of raw deflate, and InflateLimitError as soon as the page, inflated, stands for
 * more than `maxBytes` bytes of XML (see uriDecodedSize). Pages written by old editors without
 * URI encoding are returned as inflated, like draw.io does; the caller measures those.
 */
export async function decompressPage(b64: string, maxBytes = Infinity): Promise<string> {
  const inflated = new TextDecoder().decode(
    await inflate(base64ToBytes(b64), "deflate-raw", maxBytes, uriDecodedSize),
  );
  try {
    return decodeURIComponent(inflated);
  } catch {
    return inflated;
  }
}
