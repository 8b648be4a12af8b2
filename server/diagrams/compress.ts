// draw.io's compressed page format: base64 of raw deflate of encodeURIComponent(xml).
// Web APIs only (CompressionStream, atob/btoa), so the same module runs on the server and,
// bundled, inside the draw.io plugin.

/** Inflates raw-deflate ("deflate-raw") or zlib ("deflate") bytes. */
export async function inflate(
  bytes: Uint8Array,
  format: "deflate-raw" | "deflate" = "deflate-raw",
): Promise<Uint8Array> {
  return await pipe(bytes, new DecompressionStream(format));
}

/** Deflates bytes into raw deflate ("deflate-raw") or zlib ("deflate"). */
export async function deflate(
  bytes: Uint8Array,
  format: "deflate-raw" | "deflate" = "deflate-raw",
): Promise<Uint8Array> {
  return await pipe(bytes, new CompressionStream(format));
}

async function pipe(
  bytes: Uint8Array,
  stream: { writable: WritableStream<BufferSource>; readable: ReadableStream<Uint8Array> },
): Promise<Uint8Array> {
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

/** Compresses one page's XML the way draw.io stores it inside `<diagram>`. */
export async function compressPage(xml: string): Promise<string> {
  const bytes = new TextEncoder().encode(encodeURIComponent(xml));
  return bytesToBase64(await deflate(bytes));
}

/**
 * Decompresses the text of a compressed `<diagram>` back to page XML. Throws on data that is
 * not base64 of raw deflate. Pages written by old editors without URI encoding are returned
 * as inflated, like draw.io does.
 */
export async function decompressPage(b64: string): Promise<string> {
  const inflated = new TextDecoder().decode(await inflate(base64ToBytes(b64)));
  try {
    return decodeURIComponent(inflated);
  } catch {
    return inflated;
  }
}
