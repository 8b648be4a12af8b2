import assert from "node:assert/strict";
import { compressPage } from "./compress.ts";
import { DiagramParseError } from "./model.ts";
import { parseDiagram } from "./parse.ts";
import {
  placeholdersOf,
  render,
  resolveValues,
  TemplateValueError,
  type Variable,
  variablesSchema,
} from "./template.ts";

const T =
  `<mxfile><diagram id="p" name="{{site}} core"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>
<object id="a" label="{{site}}-sw-01" asset_id="{{site}}-A1" ip_address="{{mgmt_ip}}"><mxCell style="shape=mxgraph.cisco.switches.workgroup_switch;html=1;" vertex="1" parent="1"><mxGeometry width="64" height="64" as="geometry"/></mxCell></object>
<mxCell id="b" value="uplink {{uplink}}" style="rounded=1;fillColor={{color}};" vertex="1" parent="1"><mxGeometry x="100" width="64" height="64" as="geometry"/></mxCell>
</root></mxGraphModel></diagram></mxfile>`;

const VARS: Variable[] = variablesSchema.parse([
  { name: "site", type: "string", required: true },
  { name: "mgmt_ip", type: "ip", default: "192.0.2.1" },
  { name: "uplink", type: "enum", options: ["1G", "10G"], default: "10G" },
]);

Deno.test("placeholdersOf() lists placeholders in labels, attributes and page names, not styles", async () => {
  assert.deepEqual(await placeholdersOf(T), ["mgmt_ip", "site", "uplink"]);
});

Deno.test("render() replaces placeholders and leaves structure and styles alone", async () => {
  const xml = await render(T, resolveValues(VARS, { site: "hq", uplink: "1G" }));
  const dj = await parseDiagram(xml);
  assert.equal(dj.pages[0].name, "hq core");
  const [a, b] = dj.pages[0].vertices;
  assert.equal(a.label, "hq-sw-01");
  assert.deepEqual(a.attributes, { asset_id: "hq-A1", ip_address: "192.0.2.1" });
  assert.equal(b.label, "uplink 1G");
  assert.equal(b.style.fillColor, "{{color}}");
});

Deno.test("render() escapes hostile values and never expands {{ inside a value", async () => {
  const hostile = `"><script>alert(1)</script>{{mgmt_ip}} & 'x' {{ site }}`;
  const xml = await render(T, resolveValues(VARS, { site: hostile }));
  assert.ok(!xml.includes("<script"), "no markup gets through");
  const dj = await parseDiagram(xml);
  const [a] = dj.pages[0].vertices;
  assert.equal(a.label, `${hostile}-sw-01`, "an HTML label shows the value as text");
  assert.equal(a.attributes.asset_id, `${hostile}-A1`);
  assert.equal(dj.pages[0].name, `${hostile} core`);
});

Deno.test("render() reaches placeholders inside compressed pages", async () => {
  const inner =
    `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="v" value="{{site}}" vertex="1" parent="1"><mxGeometry width="1" height="1" as="geometry"/></mxCell></root></mxGraphModel>`;
  const t = `<mxfile><diagram id="p" name="P">${await compressPage(inner)}</diagram></mxfile>`;
  assert.deepEqual(await placeholdersOf(t), ["site"]);
  const dj = await parseDiagram(await render(t, { site: "<b>branch</b>" }));
  assert.equal(dj.pages[0].vertices[0].label, "<b>branch</b>");
});

Deno.test("resolveValues() validates types, enforces required ones and applies defaults", () => {
  const vars = variablesSchema.parse([
    { name: "n", type: "number", min: 1, max: 4094 },
    { name: "ip", type: "ip" },
    { name: "net", type: "cidr", required: true },
    { name: "kind", type: "enum", options: ["a", "b"] },
    { name: "s", type: "string" },
  ]);
  assert.deepEqual(resolveValues(vars, { n: "10", ip: "2001:DB8::1", net: "10.0.0.0/24" }), {
    n: "10",
    ip: "2001:db8::1",
    net: "10.0.0.0/24",
    kind: "",
    s: "",
  });
  assert.throws(
    () => resolveValues(vars, { n: "0", ip: "10.0.0.300", net: "10.0.0.1/24", kind: "c", x: "1" }),
    (e: unknown) => {
      assert.ok(e instanceof TemplateValueError);
      assert.deepEqual(e.issues.map((i) => i.variable).sort(), ["ip", "kind", "n", "net", "x"]);
      return true;
    },
  );
  assert.throws(() => resolveValues(vars, {}), /net: is required/);
});

Deno.test("variablesSchema refuses enums without options, bad defaults and duplicates", () => {
  assert.equal(variablesSchema.safeParse([{ name: "k", type: "enum" }]).success, false);
  assert.equal(variablesSchema.safeParse([{ name: "i", type: "ip", default: "x" }]).success, false);
  assert.equal(variablesSchema.safeParse([{ name: "a" }, { name: "a" }]).success, false);
  assert.equal(variablesSchema.safeParse([{ name: "1bad" }]).success, false);
  assert.equal(variablesSchema.safeParse([{ name: "__proto__" }]).success, false);
});

Deno.test("render() and placeholdersOf() refuse results over maxBytes before building them", async () => {
  const cells = Array.from(
    { length: 100 },
    (_, i) => `<mxCell id="c${i}" value="{{site}}" vertex="1" parent="1"/>`,
  ).join("");
  const t = `<mxfile><diagram id="p" name="P"><mxGraphModel><root><mxCell id="0"/>` +
    `<mxCell id="1" parent="0"/>${cells}</root></mxGraphModel></diagram></mxfile>`;
  const long = "x".repeat(1000);
  assert.equal((await render(t, { site: long }, 200_000)).split(long).length, 101);
  const tooLarge = (e: unknown) =>
    e instanceof DiagramParseError && e.code === "too_large" && e.limit?.value === 50_000;
  await assert.rejects(() => render(t, { site: long }, 50_000), tooLarge);
  // A compressed page is inflated only up to what is left of the limit.
  const page = await compressPage(
    `<mxGraphModel><root><mxCell id="0" value="${
      "y".repeat(200_000)
    }{{site}}"/></root></mxGraphModel>`,
  );
  const bomb = `<mxfile><diagram id="p" name="P">${page}</diagram></mxfile>`;
  await assert.rejects(() => placeholdersOf(bomb, 50_000), tooLarge);
  await assert.rejects(() => render(bomb, { site: "a" }, 50_000), tooLarge);
  assert.deepEqual(await placeholdersOf(bomb, 300_000), ["site"]);
});
