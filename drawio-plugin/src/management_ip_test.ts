// A device without a primary address is shown and bound by its management address: on the
// shape's ip_address attribute, on the label's address line, on refresh, and it is left off a
// name that repeats it. A primary address, when there is one, comes first.
import assert from "node:assert/strict";
import { deviceAttributes, type DeviceRecord, shownName } from "./attrs.ts";
import { boundShape, type ShapeState } from "./binding.ts";

const OOB: DeviceRecord = {
  asset_id: "A-9",
  device_name: "oob-sw-01",
  device_type: "switch",
  primary_ip: null,
  management_ip: "192.0.2.9",
};

const plain = (overrides: Partial<ShapeState> = {}): ShapeState => ({
  attrs: {},
  label: "box",
  style: "rounded=0;whiteSpace=wrap;html=1;",
  html: false,
  ...overrides,
});

Deno.test("a device with no primary address carries its management address", () => {
  for (const primary of [null, undefined]) {
    const attrs = deviceAttributes({ ...OOB, primary_ip: primary });
    assert.equal(attrs.ip_address, "192.0.2.9", `primary_ip ${primary}`);
  }
  // The management address as an interface address: the address alone.
  assert.equal(
    deviceAttributes({ ...OOB, management_ip: "192.0.2.9/24" }).ip_address,
    "192.0.2.9",
  );
  // A primary address wins.
  assert.equal(deviceAttributes({ ...OOB, primary_ip: "10.1.1.1/24" }).ip_address, "10.1.1.1");
  // Neither: no address at all.
  assert.equal("ip_address" in deviceAttributes({ ...OOB, management_ip: null }), false);
});

Deno.test("binding a device with only a management address labels the shape with it", () => {
  const bound = boundShape(plain(), OOB, "bind");
  assert.ok(bound);
  assert.equal(bound.attrs.ip_address, "192.0.2.9");
  assert.equal(bound.label, "oob-sw-01\n192.0.2.9");
});

Deno.test("a refresh that drops the primary address falls back to the management address", () => {
  const before: DeviceRecord = { ...OOB, primary_ip: "10.1.1.1/24" };
  const current = plain({
    attrs: { asset_id: "A-9", device_type: "switch", ip_address: "10.1.1.1" },
    label: "oob-sw-01\n10.1.1.1",
  });
  const update = boundShape(current, OOB, "refresh", before);
  assert.ok(update);
  assert.equal(update.attrs.ip_address, "192.0.2.9");
  assert.equal(update.label, "oob-sw-01\n192.0.2.9");
});

Deno.test("a name that ends with the management address is shown without it", () => {
  assert.equal(shownName({ ...OOB, device_name: "oob-sw-01 192.0.2.9" }), "oob-sw-01");
});
