import assert from "node:assert/strict";
import { deviceIp, deviceName, planInventory } from "./inventory.ts";
import { parseDiagram } from "./parse.ts";

const dev = (id: string, asset: string, label: string, extra = "") =>
  `<object id="${id}" label="${label}" asset_id="${asset}" ${extra}><mxCell vertex="1" parent="1"><mxGeometry width="10" height="10" as="geometry"/></mxCell></object>`;
const link = (id: string, s: string, t: string, sp?: string, tp?: string) =>
  `<object id="${id}" label=""${sp ? ` source_port="${sp}"` : ""}${
    tp ? ` target_port="${tp}"` : ""
  }><mxCell edge="1" parent="1" source="${s}" target="${t}"><mxGeometry relative="1" as="geometry"/></mxCell></object>`;
const model = (cells: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${cells}</root></mxGraphModel>`;

Deno.test("deviceIp() keeps valid addresses only, without a prefix length", () => {
  assert.equal(deviceIp("10.0.0.5"), "10.0.0.5");
  assert.equal(deviceIp(" 10.0.0.5/24 "), "10.0.0.5");
  assert.equal(deviceIp("2001:db8::1"), "2001:db8::1");
  assert.equal(deviceIp("10.0.0.256"), null);
  assert.equal(deviceIp("dhcp"), null);
  assert.equal(deviceIp(null), null);
});

Deno.test("planInventory() takes devices from shapes: name, type, valid ip, site", async () => {
  const dj = await parseDiagram(model(
    dev("a", "A-1", "core&lt;br&gt;sw 01", 'device_type="switch" ip_address="10.0.0.1"') +
      dev("b", "A-2", "", 'ip_address="not-an-ip" site="lab"') +
      dev("c", "A-1", "duplicate of A-1"),
  ));
  const plan = planInventory(dj, "hq");
  assert.deepEqual(plan.devices, [
    {
      assetId: "A-1",
      name: "core<br>sw 01",
      deviceType: "switch",
      primaryIp: "10.0.0.1",
      site: "hq",
    },
    { assetId: "A-2", name: "A-2", deviceType: null, primaryIp: null, site: "lab" },
  ]);
});

Deno.test("planInventory() makes links only from edges with both ports, one cable per port", async () => {
  const dj = await parseDiagram(model(
    dev("a", "A-1", "a") + dev("b", "A-2", "b") + dev("c", "A-3", "c") +
      link("e1", "a", "b", "Gi1", "Gi1") +
      link("e2", "a", "c", "Gi1", "eth0") + // Gi1 on A-1 is taken by e1
      link("e3", "a", "c", "Gi2") + // no target port
      link("e4", "a", "a", "Gi3", "Gi3") + // a port to itself
      link("e5", "b", "c", "Gi2", "eth1"),
  ));
  const plan = planInventory(dj, null);
  assert.deepEqual(plan.links.map((l) => l.edgeId), ["e1", "e5"]);
  assert.deepEqual(plan.skipped.map((s) => [s.edge_id, s.reason]), [
    ["e2", "port_used_twice"],
    ["e3", "missing_port"],
    ["e4", "same_port"],
  ]);
});

Deno.test("deviceName() keeps the label's text and drops a last line that is an address", () => {
  assert.equal(deviceName("core-sw-01\n10.20.0.1"), "core-sw-01");
  assert.equal(deviceName("core-sw-01\n2001:db8::1/64"), "core-sw-01");
  assert.equal(deviceName("  edge  fw\n  rack 3 "), "edge fw rack 3");
  // A label that is only an address names the device by it.
  assert.equal(deviceName("10.0.0.1"), "10.0.0.1");
  assert.equal(deviceName("core\n10.0.0.300"), "core 10.0.0.300");
});
