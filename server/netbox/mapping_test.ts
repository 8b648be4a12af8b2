import assert from "node:assert/strict";
import { speedFromKbps, speedFromText } from "../port_speed.ts";
import { deviceRow, portRow } from "./mapping.ts";

Deno.test("NetBox interface speeds (kbit/s) become the document's text; disabled is admin-down", () => {
  const port = (speed: number | null, enabled = true) =>
    portRow({ id: 1, device: { id: 2 }, name: "eth0", speed, enabled });
  assert.deepEqual(
    [100_000, 1_000_000, 2_500_000, 10_000_000, 25_000_000, 100_000_000, 1_544, null].map((s) =>
      port(s).speed
    ),
    ["100M", "1G", "2.5G", "10G", "25G", "100G", "1.544M", null],
  );
  assert.equal(port(1_000_000, false).status, "admin-down");
  assert.equal(port(1_000_000).status, "up");
});

Deno.test("speeds given as text or Mbit/s are stored in one style", () => {
  assert.deepEqual(
    ["1G", "1g", "1000M", "1 G", "10Gbps", "2.5G", "2500M", "100M", "1.6T", "0M"].map(
      speedFromText,
    ),
    ["1G", "1G", "1G", "1G", "10G", "2.5G", "2.5G", "100M", "1600G", "0M"],
  );
  for (const bad of ["fast", "1", "G", "-1G", "1.5.5G", ""]) assert.equal(speedFromText(bad), null);
  assert.equal(speedFromKbps(1000 * 1000), "1G");
  assert.equal(speedFromKbps(40 * 1000), "40M");
});

Deno.test("a NetBox device is keyed by its NetBox id, with its asset tag kept for adoption", () => {
  const row = deviceRow({
    id: 42,
    name: "edge-1",
    asset_tag: "A-9",
    status: { value: "offline" },
    role: { slug: "x".repeat(80) },
    position: 12,
  });
  assert.equal(row.asset_id, "42");
  assert.equal(row.asset_tag, "A-9");
  assert.equal(row.status, "offline");
  assert.equal(row.device_type.length, 50);
  assert.equal(row.rack_position, "12");
  assert.equal(deviceRow({ id: 7, status: "weird" }).status, "active");
});
