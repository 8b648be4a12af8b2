import assert from "node:assert/strict";
import {
  deviceAttributes,
  deviceLabel,
  setStyle,
  shownName,
  statusColour,
  stripIpLine,
} from "./attrs.ts";

Deno.test("deviceAttributes() maps an inventory device onto the shape attributes of §4.3", () => {
  assert.deepEqual(
    deviceAttributes({
      asset_id: "A-1",
      device_name: "core-sw-01",
      device_type: "switch",
      primary_ip: "10.0.0.5/24",
      netbox_id: 7,
      site: "dc1",
    }),
    { asset_id: "A-1", device_type: "switch", ip_address: "10.0.0.5", netbox_id: "7", site: "dc1" },
  );
  assert.deepEqual(deviceAttributes({ asset_id: "A-2", site: "" }), { asset_id: "A-2" });
  // Only the address loses its prefix length; a site or type may end in "/2".
  assert.deepEqual(
    deviceAttributes({ asset_id: "DC/1", site: "DC/2", device_type: "sw/48", netbox_id: "9" }),
    { asset_id: "DC/1", device_type: "sw/48", netbox_id: "9", site: "DC/2" },
  );
});

Deno.test("deviceLabel() shows the address on its own line and replaces an old one", () => {
  assert.equal(deviceLabel("sw1", "10.0.0.2"), "sw1\n10.0.0.2");
  assert.equal(deviceLabel("sw1\n10.0.0.2", "10.0.0.3"), "sw1\n10.0.0.3");
  assert.equal(deviceLabel("sw1\n10.0.0.2", null), "sw1");
  assert.equal(stripIpLine("rack\nrow 2"), "rack\nrow 2");
  assert.equal(stripIpLine("fw\n2001:db8::1"), "fw");
  assert.equal(deviceLabel("<b>fw</b><br>10.0.0.9", "10.0.0.7", true), "<b>fw</b><br>10.0.0.7");
  assert.equal(stripIpLine("a<br/>b"), "a<br/>b");
});

Deno.test("statusColour() tells failed from active and setStyle() replaces a key", () => {
  assert.notEqual(statusColour("failed").fill, statusColour("active").fill);
  assert.equal(statusColour("nonsense").fill, "#f5f5f5");
  // The design document's maintenance status is marked like NetBox's offline, not left grey.
  assert.equal(statusColour("maintenance").fill, statusColour("offline").fill);
  assert.notEqual(statusColour("maintenance").fill, statusColour("nonsense").fill);
  assert.equal(
    setStyle("rounded=1;fillColor=#fff;", "fillColor", "#000"),
    "rounded=1;fillColor=#000;",
  );
});

Deno.test("shownName() leaves off an address that a label folded into the device's name", () => {
  const sw = { asset_id: "A-1", device_name: "core-sw-01 10.20.0.1", primary_ip: null };
  assert.equal(shownName(sw, "10.20.0.1"), "core-sw-01");
  assert.equal(shownName({ ...sw, primary_ip: "10.20.0.1/24" }), "core-sw-01");
  // Another address, or an address inside the name, is part of the name.
  assert.equal(shownName(sw, "10.20.0.2"), "core-sw-01 10.20.0.1");
  assert.equal(
    shownName({ asset_id: "A-2", device_name: "lab 10.0.0.1 rack" }, "10.0.0.1"),
    "lab 10.0.0.1 rack",
  );
  assert.equal(shownName({ asset_id: "A-3", device_name: "  " }), "A-3");
});
