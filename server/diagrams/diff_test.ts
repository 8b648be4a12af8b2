import assert from "node:assert/strict";
import { diffDiagrams } from "./diff.ts";
import { parseDiagram } from "./parse.ts";

const page = (cells: string, id = "p1", name = "Page-1") =>
  `<diagram id="${id}" name="${name}"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${cells}</root></mxGraphModel></diagram>`;
const file = (...pages: string[]) => `<mxfile>${pages.join("")}</mxfile>`;

const v = (id: string, label: string, extra = "", geo = 'x="0" y="0" width="10" height="10"') =>
  `<mxCell id="${id}" value="${label}" style="rounded=1;${extra}" vertex="1" parent="1"><mxGeometry ${geo} as="geometry"/></mxCell>`;
const e = (id: string, s: string, t: string) =>
  `<mxCell id="${id}" edge="1" parent="1" source="${s}" target="${t}"><mxGeometry relative="1" as="geometry"/></mxCell>`;

Deno.test("diffDiagrams() reports nothing for identical diagrams", async () => {
  const a = await parseDiagram(file(page(v("a", "A") + v("b", "B") + e("e", "a", "b"))));
  const d = diffDiagrams(a, a);
  assert.deepEqual(d.summary, {
    pages_added: 0,
    pages_removed: 0,
    cells_added: 0,
    cells_removed: 0,
    cells_changed: 0,
  });
  assert.equal(d.pages[0].status, "unchanged");
});

Deno.test("diffDiagrams() names added, removed and changed cells and which fields changed", async () => {
  const a = await parseDiagram(
    file(page(v("a", "A") + v("b", "B") + v("c", "C") + e("e", "a", "b") + e("f", "a", "c"))),
  );
  const b = await parseDiagram(file(page(
    v("a", "A2") + // label
      v("b", "B", "fillColor=#ff0000;") + // style
      v("d", "D") + // added; c removed
      e("e", "b", "a") + // source and target swapped
      e("f", "a", "d") + // target moved
      "",
  )));
  const d = diffDiagrams(a, b);
  const p = d.pages[0];
  assert.equal(p.status, "changed");
  assert.deepEqual(p.added.map((c) => c.id), ["d"]);
  assert.deepEqual(p.removed.map((c) => c.id), ["c"]);
  const changed = Object.fromEntries(p.changed.map((c) => [c.id, c.changed]));
  assert.deepEqual(changed, {
    a: ["label"],
    b: ["style"],
    e: ["source", "target"],
    f: ["target"],
  });
  const a2 = p.changed.find((c) => c.id === "a")!;
  assert.deepEqual([a2.from.label, a2.to.label], ["A", "A2"]);
});

Deno.test("diffDiagrams() sees geometry and user object attribute changes", async () => {
  const obj = (attrs: string, geo: string) =>
    `<object id="s" label="sw" ${attrs}><mxCell vertex="1" parent="1"><mxGeometry ${geo} as="geometry"/></mxCell></object>`;
  const a = await parseDiagram(
    file(page(obj('asset_id="A-1"', 'x="1" y="2" width="3" height="4"'))),
  );
  const b = await parseDiagram(
    file(page(obj('asset_id="A-2"', 'x="5" y="2" width="3" height="4"'))),
  );
  const [c] = diffDiagrams(a, b).pages[0].changed;
  assert.deepEqual(c.changed, ["geometry", "attributes"]);
  assert.deepEqual(c.to.attributes, { asset_id: "A-2" });
  assert.equal((c.from.geometry as { x: number }).x, 1);
});

Deno.test("diffDiagrams() matches pages by id and reports added, removed and renamed pages", async () => {
  const a = await parseDiagram(file(page(v("a", "A"), "p1", "One"), page(v("x", "X"), "p2")));
  const b = await parseDiagram(file(page(v("a", "A"), "p1", "Uno"), page(v("y", "Y"), "p3")));
  const d = diffDiagrams(a, b);
  const byId = Object.fromEntries(d.pages.map((p) => [p.page_id, p]));
  assert.equal(byId.p1.status, "changed");
  assert.equal(byId.p1.previous_name, "One");
  assert.equal(byId.p3.status, "added");
  assert.deepEqual(byId.p3.added.map((c) => c.id), ["y"]);
  assert.equal(byId.p2.status, "removed");
  assert.deepEqual(byId.p2.removed.map((c) => c.id), ["x"]);
  assert.equal(d.summary.pages_added, 1);
  assert.equal(d.summary.pages_removed, 1);
});

Deno.test("diffDiagrams() treats a style with the same pairs in another order as unchanged", async () => {
  const a = await parseDiagram(file(page(v("a", "A", "fillColor=#fff;strokeColor=#000;"))));
  const b = await parseDiagram(file(page(
    `<mxCell id="a" value="A" style="strokeColor=#000;rounded=1;fillColor=#fff" vertex="1" parent="1"><mxGeometry x="0" y="0" width="10" height="10" as="geometry"/></mxCell>`,
  )));
  assert.equal(diffDiagrams(a, b).summary.cells_changed, 0);
});
