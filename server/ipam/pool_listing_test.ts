import assert from "node:assert/strict";
import { countValue, firstAddresses } from "./pool_listing.ts";

Deno.test("firstAddresses() takes the lowest addresses range after range, up to the size", () => {
  const ranges = ["10.0.0.254-10.0.1.1", "10.0.1.5-10.0.1.5", "10.0.2.0-10.0.2.9"];
  assert.deepEqual(firstAddresses(ranges, 6), [
    "10.0.0.254",
    "10.0.0.255",
    "10.0.1.0",
    "10.0.1.1",
    "10.0.1.5",
    "10.0.2.0",
  ]);
  assert.deepEqual(firstAddresses(ranges, 2), ["10.0.0.254", "10.0.0.255"]);
  assert.deepEqual(firstAddresses(ranges, 0), []);
  assert.deepEqual(firstAddresses([], 10), []);
  assert.deepEqual(firstAddresses(["255.255.255.254-255.255.255.255"], 10), [
    "255.255.255.254",
    "255.255.255.255",
  ]);
  assert.deepEqual(firstAddresses(["0.0.0.0-0.0.0.1"], 10), ["0.0.0.0", "0.0.0.1"]);
});

Deno.test("firstAddresses() writes IPv6 addresses as RFC 5952 text", () => {
  assert.deepEqual(
    firstAddresses(["2001:db8::ffff-2001:db8::1:1", "2001:db8::9-2001:db8::9"], 4),
    ["2001:db8::ffff", "2001:db8::1:0", "2001:db8::1:1", "2001:db8::9"],
  );
  assert.deepEqual(
    firstAddresses([
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ], 5),
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  );
});

Deno.test("countValue() keeps counts past 2^53 exact as decimal text", () => {
  assert.equal(countValue("254"), 254);
  assert.equal(countValue("9007199254740991"), 9007199254740991);
  assert.equal(countValue("9007199254740992"), "9007199254740992");
  assert.equal(countValue("1208925819614629174706175"), "1208925819614629174706175");
});
