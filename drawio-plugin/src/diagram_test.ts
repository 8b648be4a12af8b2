import assert from "node:assert/strict";
import { loadedDiagram, versionOf } from "./diagram.ts";

Deno.test("loadedDiagram() keeps the text id and reads the content under either name", () => {
  assert.deepEqual(
    loadedDiagram({ id: "diagram-1", name: "Core", version: 3, diagram_xml: "<mxGraphModel/>" }),
    { id: "diagram-1", name: "Core", version: 3, xml: "<mxGraphModel/>" },
  );
  assert.deepEqual(
    loadedDiagram({ id: 7, name: "Old", version: 1, xml: "<mxfile/>" }),
    { id: "7", name: "Old", version: 1, xml: "<mxfile/>" },
  );
});

Deno.test("versionOf() reads version_number, and version from older servers", () => {
  assert.equal(versionOf({ version_number: 4, version: 9 }), 4);
  assert.equal(versionOf({ version: 2 }), 2);
});
