import assert from "node:assert/strict";
import {
  assetResponse,
  chooseEncoding,
  CompressedCache,
  contentHash,
  makeAsset,
} from "./compressed_assets.ts";

const JS = "text/javascript; charset=utf-8";
const text = (n: number) => new TextEncoder().encode("var x = 'abc';\n".repeat(n));

async function inflate(bytes: Uint8Array, format: "brotli" | "gzip"): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("makeAsset() keeps brotli and gzip forms that decompress to the content", async () => {
  const bytes = text(1000);
  const asset = await makeAsset(bytes, JS);
  assert.equal(asset.hash, contentHash(bytes));
  assert.deepEqual(await inflate(asset.br!, "brotli"), bytes);
  assert.deepEqual(await inflate(asset.gzip!, "gzip"), bytes);
  assert.ok(asset.br!.length < bytes.length / 10);
});

Deno.test("makeAsset() leaves small files and types that do not compress as they are", async () => {
  assert.equal((await makeAsset(text(10), JS)).gzip, undefined);
  const png = await makeAsset(text(1000), "image/png");
  assert.equal(png.br, undefined);
  assert.equal(png.gzip, undefined);
  // Random bytes do not shrink: no form is kept that saves almost nothing.
  const noise = crypto.getRandomValues(new Uint8Array(64 * 1024));
  assert.equal((await makeAsset(noise, JS)).br, undefined);
});

Deno.test("makeAsset() reads compressed forms back from its cache instead of compressing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archiflow-assets-" });
  try {
    const cache = new CompressedCache(new URL(`file://${dir}/cache/`));
    const bytes = text(1000);
    const first = await makeAsset(bytes, JS, cache);
    const names = [...Deno.readDirSync(`${dir}/cache`)].map((e) => e.name).sort();
    assert.deepEqual(names, [`${first.hash}.br`, `${first.hash}.gz`]);
    // What the cache holds is what is served: a form put there is not made again.
    const marked = new Uint8Array([...first.gzip!.subarray(0, 10), 1, 2, 3]);
    await Deno.writeFile(`${dir}/cache/${first.hash}.gz`, marked);
    assert.deepEqual((await makeAsset(bytes, JS, cache)).gzip, marked);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a cache directory that cannot be written leaves assets in memory only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archiflow-assets-" });
  try {
    // A file where the directory should be: nothing can be created below it.
    await Deno.writeTextFile(`${dir}/blocked`, "");
    const cache = new CompressedCache(new URL(`file://${dir}/blocked/cache/`));
    const asset = await makeAsset(text(1000), JS, cache);
    assert.ok(asset.br && asset.gzip);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["blocked"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chooseEncoding() follows Accept-Encoding and its q-values, brotli first", async () => {
  const asset = await makeAsset(text(1000), JS);
  const cases: [string | null, string][] = [
    [null, "identity"],
    ["", "identity"],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip, deflate", "gzip"],
    ["GZIP", "gzip"],
    ["br;q=0.2, gzip;q=0.8", "gzip"],
    ["br;q=0", "identity"],
    ["*;q=0.5", "br"],
    ["*, br;q=0", "gzip"],
    ["br;q=nonsense, gzip", "gzip"],
    ["identity", "identity"],
  ];
  for (const [header, expected] of cases) {
    assert.equal(chooseEncoding(header, asset), expected, String(header));
  }
  const png = await makeAsset(text(1000), "image/png");
  assert.equal(chooseEncoding("br, gzip", png), "identity");
});

Deno.test("assetResponse() sends the chosen form with its length, encoding and ETag", async () => {
  const asset = await makeAsset(text(1000), JS);
  const br = assetResponse("br", asset, { "Cache-Control": "no-cache" });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.equal(br.headers.get("content-length"), String(asset.br!.length));
  assert.equal(br.headers.get("etag"), `"${asset.hash}-br"`);
  assert.equal(br.headers.get("vary"), "Accept-Encoding");
  assert.equal(br.headers.get("cache-control"), "no-cache");
  assert.deepEqual(new Uint8Array(await br.arrayBuffer()), asset.br);
  const plain = assetResponse(null, asset, {});
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(plain.headers.get("etag"), `"${asset.hash}"`);
  assert.equal(plain.headers.get("content-type"), JS);
  await plain.body?.cancel();
});
