import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import {
  assertJsonDepth,
  exceedsJsonDepth,
  jsonTextTooLarge,
  MAX_JSON_VALUES,
} from "./json_depth.ts";

/** Arrays nested `depth` levels, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

Deno.test("exceedsJsonDepth() counts levels of arrays and objects, not scalars", () => {
  for (const v of [null, 1, "s", true]) assert.equal(exceedsJsonDepth(v, 1), false);
  assert.equal(exceedsJsonDepth({}, 1), false);
  assert.equal(exceedsJsonDepth({ a: [] }, 1), true);
  assert.equal(exceedsJsonDepth({ a: [] }, 2), false);
  assert.equal(exceedsJsonDepth(nested(64), 64), false);
  assert.equal(exceedsJsonDepth(nested(65), 64), true);
  // The deep branch is found beside shallow siblings, in objects and arrays alike.
  assert.equal(exceedsJsonDepth({ a: 1, b: [2, { c: nested(10) }], d: "x" }, 12), true);
  assert.equal(exceedsJsonDepth({ a: 1, b: [2, { c: nested(10) }], d: "x" }, 13), false);
});

Deno.test("exceedsJsonDepth() walks a million levels without overflowing the stack", () => {
  assert.equal(exceedsJsonDepth(JSON.parse("[".repeat(1e6) + "]".repeat(1e6)), 64), true);
  assert.equal(exceedsJsonDepth(nested(1e6), 2e6), false);
});

Deno.test("exceedsJsonDepth() treats strings as leaves, however large", () => {
  assert.equal(exceedsJsonDepth({ xml: "[{".repeat(1e6) }, 1), false);
});

Deno.test("assertJsonDepth() throws `invalid` naming ARCHIFLOW_MAX_JSON_DEPTH", () => {
  assertJsonDepth(nested(8), 8);
  assert.throws(
    () => assertJsonDepth(nested(9), 8),
    (e: unknown) =>
      e instanceof AppError && e.kind === "invalid" &&
      /deeper than 8 levels, the limit ARCHIFLOW_MAX_JSON_DEPTH sets/.test(e.message) &&
      e.details?.setting === "ARCHIFLOW_MAX_JSON_DEPTH",
  );
});

Deno.test("jsonTextTooLarge() counts containers and list items outside strings", () => {
  const wide = (n: number) => `[${"[],".repeat(n - 2)}[]]`;
  assert.equal(jsonTextTooLarge("[1,2,3]"), null);
  // Short texts are not scanned; long ones are counted exactly.
  assert.equal(jsonTextTooLarge(wide(MAX_JSON_VALUES / 2)), null);
  assert.match(jsonTextTooLarge(wide(MAX_JSON_VALUES))!, /more than 1000000/);
  assert.match(jsonTextTooLarge("[".repeat(MAX_JSON_VALUES + 1))!, /more than 1000000/);
  // Brackets and commas inside strings, escaped quotes included, are text, not values.
  const text = JSON.stringify({ xml: '[{,\\"'.repeat(MAX_JSON_VALUES) });
  assert.equal(jsonTextTooLarge(text), null);
});
