import assert from "node:assert/strict";
import { pageFromModel } from "./cells.ts";
import { readXml } from "./xml.ts";

const page = (cells: string) =>
  pageFromModel(
    readXml(
      `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${cells}</root></mxGraphModel>`,
    ),
    "p",
    "P",
  );

Deno.test("pageFromModel() reads coordinates as parseFloat does, and 0 for what it cannot read", () => {
  const written = ["10", "-0.5", "1e3", "12px", ".5", "5.", "abc", "Infinity", "0x10", "-0"];
  const more = ["12345678901234567", " 7", "", "0.1", "1234567.891"];
  const cells = [...written, ...more].map((x, i) =>
    `<mxCell id="g${i}" vertex="1" parent="1"><mxGeometry x="${x}" as="geometry"/></mxCell>`
  );
  assert.deepEqual(
    page(cells.join("")).vertices.map((v) => v.geometry.x),
    [10, -0.5, 1000, 12, 0.5, 5, 0, 0, 0, -0, 12345678901234568, 7, 0, 0.1, 1234567.891],
  );
});

Deno.test("pageFromModel() takes vertex and edge flags as numbers: anything but zero is set", () => {
  const flags = ["1", "0", "2", "true", "0.0", " 0", "", "01", "-0", "1e0", "x"];
  const cells = flags.map((f, i) => `<mxCell id="f${i}" vertex="${f}" parent="1"/>`);
  assert.deepEqual(page(cells.join("")).vertices.map((v) => v.id), [
    "f0",
    "f2",
    "f3",
    "f7",
    "f9",
    "f10",
  ]);
});

Deno.test("pageFromModel() decodes labels and attributes, trimming HTML labels, with or without references", () => {
  const p = page(
    '<mxCell id="a" value="  Host 1  " style="html=1;" vertex="1" parent="1"/>' +
      '<mxCell id="b" value=" a &amp; b " vertex="1" parent="1"/>' +
      '<mxCell id="c" value=" a &amp;lt;b&amp;gt; c " style="html=1" vertex="1" parent="1"/>' +
      '<object id="d" label=" x " n="&quot;q&quot;"><mxCell style="html=1" vertex="1" parent="1"/>' +
      "</object>" +
      '<object id="e" label=" y " n="plain"><mxCell vertex="1" parent="1"/></object>',
  );
  assert.deepEqual(p.vertices.map((v) => [v.label, v.attributes]), [
    ["Host 1", {}],
    [" a & b ", {}],
    ["a <b> c", {}],
    ["x", { n: '"q"' }],
    [" y ", { n: "plain" }],
  ]);
});

Deno.test("pageFromModel() shares one parsed style between cells that repeat it, in any order", () => {
  const a = "shape=router;html=1;fillColor=#036897;strokeColor=#ffffff;";
  const b = "endArrow=none;html=1;rounded=0;";
  const cells = [a, b, a, a, b].map((s, i) =>
    `<mxCell id="c${i}" style="${s}" vertex="1" parent="1"/>`
  );
  const styles = page(cells.join("")).vertices.map((v) => v.style);
  assert.equal(styles[0], styles[2]);
  assert.equal(styles[2], styles[3]);
  assert.equal(styles[1], styles[4]);
  assert.notEqual(styles[0], styles[1]);
  assert.deepEqual(styles[1], { endArrow: "none", html: "1", rounded: "0" });
});
