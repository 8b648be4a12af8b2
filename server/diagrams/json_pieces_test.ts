import assert from "node:assert/strict";
import { generateNetworkDiagram } from "./generate.ts";
import { jsonPieces, PIECE_CHARS } from "./json_pieces.ts";
import { parseDiagram } from "./parse.ts";

Deno.test("the pieces join to exactly JSON.stringify's text", () => {
  const values: unknown[] = [
    {},
    [],
    { a: undefined, b: () => 1, c: [undefined, () => 1, null, 1.5, 'x\u2028"\\'], d: { e: {} } },
    { date: new Date(0), nested: [[[[{ deep: [1, { x: "é𝄞" }] }]]]], s: Symbol("s") },
    Array.from({ length: 5000 }, (_, i) => ({ id: `c${i}`, label: "<b>x</b>".repeat(i % 7) })),
  ];
  for (const v of values) {
    for (const max of [1, 2, 32]) assert.equal(jsonPieces(v, max).join(""), JSON.stringify(v));
  }
});

Deno.test("a drawing's text comes in pieces small enough for the ordinary heap", async () => {
  const dj = await parseDiagram(generateNetworkDiagram({ devices: 300, links: 600 }));
  const text = JSON.stringify(dj);
  const pieces = jsonPieces(dj, 32);
  assert.equal(pieces.join(""), text);
  assert.ok(pieces.length > 1, `${text.length} characters come in ${pieces.length} pieces`);
  // Each piece closes once it reaches PIECE_CHARS; one cell more cannot double it.
  for (const p of pieces) assert.ok(p.length < 2 * PIECE_CHARS, `a piece of ${p.length}`);
  // Past the limit, the last piece takes the rest.
  const two = jsonPieces(dj, 2);
  assert.equal(two.length, 2);
  assert.equal(two.join(""), text);
});
