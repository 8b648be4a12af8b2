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

Deno.test("cellChanges() reads diff-diagram-versions' per-page result without its field names", () => {
  const result = {
    diagram_id: 3,
    from: 1,
    to: 2,
    pages: [{
      page_id: "p1",
      name: "Page-1",
      status: "changed",
      added: [{ id: "v9", kind: "vertex", label: "edge-router" }],
      removed: [],
      changed: [{
        id: "v2",
        kind: "vertex",
        label: "sw",
        changed: ["label"],
        from: { label: "a" },
        to: { label: "b" },
      }],
    }],
    summary: {
      pages_added: 0,
      pages_removed: 0,
      cells_added: 1,
      cells_removed: 0,
      cells_changed: 1,
    },
  };
  assert.deepEqual(cellChanges(result), { added: ["v9"], removed: [], changed: ["v2"] });
});
