// Static assets held in memory once, each with its gzip and brotli forms made once when it is first
// loaded (never per request) and a strong ETag from its content. Compressed forms can be kept in a
// directory keyed by that content hash, so a restart, or another process serving the same files,
// reads them back instead of compressing again. CompressionStream compresses off the event loop,
// so a file compressed while the server runs does not hold up other requests.
import { createHash } from "node:crypto";

export type Encoding = "br" | "gzip";

export interface Asset {
  type: string;
  /** The content hash every ETag of this asset starts with. */
  hash: string;
  identity: Uint8Array<ArrayBuffer>;
  br?: Uint8Array<ArrayBuffer>;
  gzip?: Uint8Array<ArrayBuffer>;
}

/** Below this many bytes the compressed form saves less than the headers it needs. */
const MIN_COMPRESS_BYTES = 1024;

const COMPRESSIBLE =
  /^(text\/|application\/(javascript|json|xml|manifest\+json)|image\/svg\+xml|image\/x-icon|font\/ttf)/;

const FORMATS: Record<Encoding, { stream: "brotli" | "gzip"; suffix: string }> = {
  br: { stream: "brotli", suffix: "br" },
  gzip: { stream: "gzip", suffix: "gz" },
};

/** A directory of compressed forms named by content hash; unwritable means memory only. */
export class CompressedCache {
  #dir: URL;
  #writable = true;

  constructor(dir: URL) {
    this.#dir = dir;
  }

  async read(hash: string, encoding: Encoding): Promise<Uint8Array<ArrayBuffer> | null> {
    try {
      const bytes = await Deno.readFile(new URL(`${hash}.${FORMATS[encoding].suffix}`, this.#dir));
      return bytes.length > 0 ? bytes : null;
    } catch {
      return null;
    }
  }

  async write(hash: string, encoding: Encoding, bytes: Uint8Array): Promise<void> {
    if (!this.#writable) return;
    const target = new URL(`${hash}.${FORMATS[encoding].suffix}`, this.#dir);
    // Written aside and renamed, so a reader never finds half a file.
    const tmp = new URL(`${hash}.${crypto.randomUUID()}.tmp`, this.#dir);
    try {
      await Deno.mkdir(this.#dir, { recursive: true });
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, target);
    } catch {
      this.#writable = false;
      await Deno.remove(tmp).catch(() => {});
    }
  }
}

export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url").slice(0, 27);
}

export function isCompressible(type: string): boolean {
  return COMPRESSIBLE.test(type);
}

async function compress(bytes: Uint8Array<ArrayBuffer>, encoding: Encoding): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream()
    .pipeThrough(new CompressionStream(FORMATS[encoding].stream));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * An asset of `bytes` served as `type`, with brotli and gzip forms when the type compresses and a
 * form is clearly smaller (a form that saves little, as for PNG, is not kept).
 */
export async function makeAsset(
  bytes: Uint8Array<ArrayBuffer>,
  type: string,
  cache: CompressedCache | null = null,
): Promise<Asset> {
  const asset: Asset = { type, hash: contentHash(bytes), identity: bytes };
  if (bytes.length < MIN_COMPRESS_BYTES || !isCompressible(type)) return asset;
  await Promise.all((Object.keys(FORMATS) as Encoding[]).map(async (encoding) => {
    let packed = await cache?.read(asset.hash, encoding) ?? null;
    if (!packed) {
      packed = new Uint8Array(await compress(bytes, encoding));
      await cache?.write(asset.hash, encoding, packed);
    }
    if (packed.length < bytes.length * 0.95) asset[encoding] = packed;
  }));
  return asset;
}

/** The best form of `asset` the client accepts (Accept-Encoding, with q-values), or identity. */
export function chooseEncoding(acceptEncoding: string | null | undefined, asset: Asset) {
  if (!acceptEncoding || (!asset.br && !asset.gzip)) return "identity";
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (name: string) => q.get(name) ?? q.get("*") ?? 0;
  let best: Encoding | "identity" = "identity";
  let bestQ = 0;
  // Brotli first: for the same q it is the smaller form.
  for (const encoding of ["br", "gzip"] as const) {
    if (asset[encoding] && of(encoding) > bestQ) {
      best = encoding;
      bestQ = of(encoding);
    }
  }
  return best;
}

/** The ETag of one form of an asset: the content hash, and the encoding when compressed. */
export function etagOf(asset: Asset, encoding: Encoding | "identity"): string {
  return encoding === "identity" ? `"${asset.hash}"` : `"${asset.hash}-${encoding}"`;
}

/**
 * The 200 response for `asset` in the form `acceptEncoding` asks for, with `headers` added. An
 * If-None-Match that matches is answered by the ETag middleware (hono/etag) in front of it.
 */
export function assetResponse(
  acceptEncoding: string | null | undefined,
  asset: Asset,
  headers: Record<string, string>,
): Response {
  const encoding = chooseEncoding(acceptEncoding, asset);
  const body = encoding === "identity" ? asset.identity : asset[encoding]!;
  const out = new Headers(headers);
  out.set("Content-Type", asset.type);
  out.set("Content-Length", String(body.length));
  out.set("ETag", etagOf(asset, encoding));
  if (asset.br || asset.gzip) out.set("Vary", "Accept-Encoding");
  if (encoding !== "identity") out.set("Content-Encoding", encoding);
  return new Response(body, { status: 200, headers: out });
}
