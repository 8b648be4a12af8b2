import assert from "node:assert/strict";
import { encodedLengthFloor, encodeResult, RawJson } from "./raw_json.ts";

Deno.test("encodeResult splices raw JSON text into the result unparsed", () => {
  const stored = '{"pages":[{"id":"p1","label":"a \\"quoted\\" <b>"}],"n":1.50}';
  const text = encodeResult({ id: 7, diagram_json: new RawJson(stored), name: "net" });
  // As stored, byte for byte (1.50 would have become 1.5 through a parse).
  assert.equal(text, `{"id":7,"diagram_json":${stored},"name":"net"}`);
  assert.deepEqual(JSON.parse(text).diagram_json, JSON.parse(stored));
});

Deno.test("encodeResult leaves content that looks like its placeholder alone", () => {
  const sneaky = "\u0000raw-json:00000000-0000-0000-0000-000000000000";
  const text = encodeResult({ a: new RawJson("[1]"), b: sneaky, c: new RawJson('"$&$1"') });
  assert.deepEqual(JSON.parse(text), { a: [1], b: sneaky, c: "$&$1" });
});

Deno.test("results without raw JSON encode as JSON.stringify does", () => {
  for (const v of [{ a: 1, b: [1, 2] }, [1, "x"], "s", 3, null]) {
    assert.equal(encodeResult(v), JSON.stringify(v));
  }
});

Deno.test("raw JSON serialised elsewhere is parsed", () => {
  assert.equal(JSON.stringify({ d: new RawJson('{"x": [1, 2]}') }), '{"d":{"x":[1,2]}}');
});

Deno.test("encodedLengthFloor never exceeds the encoded length", () => {
  const results: unknown[] = [
    { id: 7, xml: '<a b="c">\n</a>', diagram_json: new RawJson('{"x": [1, 2]}'), n: null },
    { s: "", t: "plain", u: undefined, v: { deep: "not counted" } },
    "top-level",
    [1, "x"],
    42,
    null,
  ];
  for (const r of results) assert.ok(encodedLengthFloor(r) <= encodeResult(r).length);
  const big = { xml: "x".repeat(1000), diagram_json: new RawJson("[" + "1,".repeat(500) + "1]") };
  assert.ok(encodedLengthFloor(big) >= 2000, "the large parts are counted");
});
