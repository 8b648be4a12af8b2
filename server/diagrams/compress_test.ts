import assert from "node:assert/strict";
import { compressPage, decompressPage, deflate, inflate, InflateLimitError } from "./compress.ts";

/**
 * Raw deflate of `n` zero bytes (n - 1 a multiple of 258) written by hand: one literal, then
 * copies of 258 bytes at distance 1 in a fixed-Huffman block, 13 bits each. Cheap to build at
 * any size, unlike compressing the zeros.
 */
function zeroBomb(n: number): Uint8Array {
  const copies = (n - 1) / 258;
  assert.ok(Number.isInteger(copies));
  const out = new Uint8Array(Math.ceil((3 + 8 + copies * 13 + 7) / 8) + 1);
  let bit = 0;
  const put = (b: number) => {
    if (b) out[bit >> 3] |= 1 << (bit & 7);
    bit++;
  };
  const code = (c: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) put((c >> i) & 1);
  };
  put(1); // BFINAL
  put(1); // BTYPE 01: fixed Huffman codes, written low bit first
  put(0);
  code(0x30, 8); // literal 0
  for (let i = 0; i < copies; i++) {
    code(0xc5, 8); // length 258 (symbol 285)
    code(0, 5); // distance 1
  }
  code(0, 7); // end of block
  return out.subarray(0, (bit + 7) >> 3);
}

Deno.test("inflate() inflates in full what fits in the limit", async () => {
  const zeros = await inflate(zeroBomb(1 + 258 * 100), "deflate-raw", 1 + 258 * 100);
  assert.equal(zeros.length, 1 + 258 * 100);
  assert.ok(zeros.every((b) => b === 0));
  const text = new TextEncoder().encode("draw.io ".repeat(10_000));
  assert.deepEqual(await inflate(await deflate(text, "deflate"), "deflate"), text);
});

Deno.test("inflate() stops a 4 GiB deflate bomb at the limit instead of inflating it whole", async () => {
  const bomb = zeroBomb(1 + 258 * 16_650_000);
  assert.ok(bomb.length < 30 * 1024 * 1024, `the bomb is ${bomb.length} bytes`);
  await assert.rejects(
    () => inflate(bomb, "deflate-raw", 1024 * 1024),
    (e) => e instanceof InflateLimitError && e.maxBytes === 1024 * 1024,
  );
  // One byte over the limit is over it.
  await assert.rejects(
    () => inflate(zeroBomb(1 + 258 * 100), "deflate-raw", 258 * 100),
    InflateLimitError,
  );
});

Deno.test("decompressPage() bounds the page by its XML's size and still reads draw.io's encoding", async () => {
  const xml = `<mxGraphModel><root><mxCell id="0" value="ü &amp;${" ".repeat(5000)}x"/>` +
    "</root></mxGraphModel>";
  const b64 = await compressPage(xml);
  assert.equal(await decompressPage(b64), xml);
  // The limit counts the page's XML, not its URI encoding (three times as long here).
  const bytes = new TextEncoder().encode(xml).length;
  assert.ok(encodeURIComponent(xml).length > 2 * bytes);
  assert.equal(await decompressPage(b64, bytes), xml);
  await assert.rejects(() => decompressPage(b64, bytes - 1), InflateLimitError);
  await assert.rejects(() => decompressPage("not%base64!!", 10));
});
