import assert from "node:assert/strict";
import {
  boundShape,
  deviceStyleFor,
  newDeviceShape,
  parseStyle,
  type ShapeState,
} from "./binding.ts";
import type { DeviceRecord } from "./attrs.ts";

const ROUTER: DeviceRecord = {
  asset_id: "A-1",
  device_name: "edge-rtr-01",
  device_type: "router",
  primary_ip: "10.0.0.1/24",
  site: "dc1",
};

function shape(overrides: Partial<ShapeState> = {}): ShapeState {
  return {
    attrs: {},
    label: "box",
    style: "rounded=0;whiteSpace=wrap;html=1;",
    html: true,
    ...overrides,
  };
}

Deno.test("newDeviceShape() draws a device with its icon and a plain-text label under it", () => {
  const s = newDeviceShape(ROUTER);
  assert.match(s.style, /^shape=mxgraph\.cisco\.routers\.router;/);
  assert.equal(parseStyle(s.style).get("html"), "0");
  assert.equal(parseStyle(s.style).get("archiflowDevice"), "1");
  assert.deepEqual([s.width, s.height], [64, 43]);
  // A NetBox role's name is read when the type (its slug) says nothing.
  const synced = newDeviceShape({
    asset_id: "7",
    device_type: "other",
    metadata: { netbox: { role: "Firewall" } },
  });
  assert.match(synced.style, /^shape=mxgraph\.cisco\.security\.firewall;/);
});

Deno.test("deviceStyleFor() redraws plain and own shapes but keeps a stencil the user chose", () => {
  assert.match(deviceStyleFor("rounded=1;fillColor=#fff;", ROUTER)!.style, /routers\.router/);
  assert.match(deviceStyleFor("ellipse;whiteSpace=wrap;", ROUTER)!.style, /routers\.router/);
  assert.match(deviceStyleFor("", ROUTER)!.style, /routers\.router/);
  // The editor's own shapes, old (a rounded rectangle) or an icon of another kind, are redrawn.
  assert.ok(deviceStyleFor("rounded=1;html=0;archiflowDevice=1;", ROUTER, true));
  const firewall = newDeviceShape({ asset_id: "F", device_type: "firewall" }).style;
  assert.match(deviceStyleFor(firewall, ROUTER, true)!.style, /routers\.router/);
  // Already the right icon: nothing to do.
  assert.equal(deviceStyleFor(newDeviceShape(ROUTER).style, ROUTER), null);
  // A stencil or picture of the user's own stays; a refresh leaves plain shapes alone.
  assert.equal(deviceStyleFor("shape=mxgraph.networks.router;html=1;", ROUTER), null);
  assert.equal(deviceStyleFor("shape=image;image=data:image/png,abc;", ROUTER), null);
  assert.equal(deviceStyleFor("rounded=1;", ROUTER, true), null);
  // Font settings survive the new icon.
  const kept = deviceStyleFor("rounded=1;fontSize=18;fontColor=#ff0000;fillColor=#000;", ROUTER);
  assert.equal(parseStyle(kept!.style).get("fontSize"), "18");
  assert.equal(parseStyle(kept!.style).get("fontColor"), "#ff0000");
  assert.equal(parseStyle(kept!.style).get("fillColor"), "#036897");
});

Deno.test("boundShape() binds a plain shape: attributes, label with the address, icon", () => {
  const u = boundShape(shape(), ROUTER, "bind")!;
  assert.deepEqual(u.attrs, {
    asset_id: "A-1",
    device_type: "router",
    ip_address: "10.0.0.1",
    site: "dc1",
  });
  // The new icon has a plain-text label, so the address goes on a new line, not after <br>.
  assert.equal(u.label, "edge-rtr-01\n10.0.0.1");
  assert.match(u.restyle!.style, /routers\.router/);
});

Deno.test("boundShape() keeps an address allocated from a pool and drops what the device lost", () => {
  const current = shape({
    attrs: {
      asset_id: "A-9",
      device_type: "switch",
      ip_address: "10.9.0.5",
      pool_id: "pool-1",
      netbox_id: "12",
    },
    label: "old\n10.9.0.5",
    style: newDeviceShape({ asset_id: "A-9", device_type: "switch" }).style,
    html: false,
  });
  const u = boundShape(current, ROUTER, "bind")!;
  assert.deepEqual(u.attrs, {
    asset_id: "A-1",
    device_type: "router",
    netbox_id: null,
    site: "dc1",
  });
  assert.equal(u.label, "edge-rtr-01\n10.9.0.5");
});

Deno.test("boundShape() refreshes from the inventory and says when nothing changed", () => {
  const bound = boundShape(shape(), ROUTER, "bind")!;
  const current: ShapeState = {
    attrs: bound.attrs,
    label: bound.label,
    style: bound.restyle!.style,
    html: false,
  };
  assert.equal(boundShape(current, ROUTER, "refresh"), null);
  // The inventory's address changed (no allocation holds it): the label follows.
  const moved = boundShape(current, { ...ROUTER, primary_ip: "10.0.0.2" }, "refresh")!;
  assert.deepEqual(moved.attrs, { ip_address: "10.0.0.2" });
  assert.equal(moved.label, "edge-rtr-01\n10.0.0.2");
  assert.equal(moved.restyle, null);
  // Renamed and without an address.
  const renamed = boundShape(
    current,
    { ...ROUTER, device_name: "rtr-1", primary_ip: null },
    "refresh",
  )!;
  assert.deepEqual(renamed.attrs, { ip_address: null });
  assert.equal(renamed.label, "rtr-1");
  // Now a firewall: the editor's own icon is redrawn.
  const retyped = boundShape(current, { ...ROUTER, device_type: "firewall" }, "refresh")!;
  assert.match(retyped.restyle!.style, /security\.firewall/);
  // A plain shape bound long ago keeps its look on a refresh, and its HTML label stays HTML.
  const plain = shape({ attrs: { asset_id: "A-1" }, label: "x" });
  const r = boundShape(plain, { ...ROUTER, device_name: "a<b" }, "refresh")!;
  assert.equal(r.restyle, null);
  assert.equal(r.label, "a&lt;b<br>10.0.0.1");
});

Deno.test("boundShape() with the device as it was carries over only what changed", () => {
  const bound = boundShape(shape(), ROUTER, "bind")!;
  // Edited on the canvas and not saved: another name, and an address typed in.
  const edited: ShapeState = {
    attrs: { ...bound.attrs, ip_address: "10.0.0.99" },
    label: "edge-rtr-01 (spare)\n10.0.0.99",
    style: bound.restyle!.style,
    html: false,
  };
  // Only the status changed: nothing to do, the edits stay.
  assert.equal(boundShape(edited, { ...ROUTER, status: "failed" }, "refresh", ROUTER), null);
  // The site changed: only the site follows.
  assert.deepEqual(boundShape(edited, { ...ROUTER, site: "dc2" }, "refresh", ROUTER), {
    attrs: { site: "dc2" },
    label: edited.label,
    restyle: null,
  });
  // The inventory's address changed: it replaces the address line, the edited name stays.
  const moved = boundShape(edited, { ...ROUTER, primary_ip: "10.0.0.7" }, "refresh", ROUTER)!;
  assert.deepEqual(moved.attrs, { ip_address: "10.0.0.7" });
  assert.equal(moved.label, "edge-rtr-01 (spare)\n10.0.0.7");
  // Without `before`, the inventory wins everywhere (the menu's full refresh).
  const full = boundShape(edited, { ...ROUTER, status: "failed" }, "refresh")!;
  assert.deepEqual(full.attrs, { ip_address: "10.0.0.1" });
  assert.equal(full.label, "edge-rtr-01\n10.0.0.1");
});
