import assert from "node:assert/strict";
import { cellChanges } from "./diff.ts";

Deno.test("cellChanges() collects cell ids from top-level and per-page lists", () => {
  const result = {
    from: 1,
    to: 2,
    vertices: {
      added: [{ id: "v3" }],
      removed: ["v1"],
      changed: [{ cellId: "v2", fields: ["label"] }],
    },
    pages: [{ id: "p1", edges: { added: [{ id: "e9" }], modified: [] } }],
  };
  assert.deepEqual(cellChanges(result), { added: ["v3", "e9"], removed: ["v1"], changed: ["v2"] });
});

Deno.test("cellChanges() of an empty or odd result finds nothing", () => {
  assert.deepEqual(cellChanges(null), { added: [], removed: [], changed: [] });
  assert.deepEqual(cellChanges({ added: "v1" }), { added: [], removed: [], changed: [] });
});
