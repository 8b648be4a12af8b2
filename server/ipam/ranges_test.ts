import assert from "node:assert/strict";
import { parseIp } from "./addr_parse.ts";
import { freeSpans, isExcluded, mergeSpans, planPool, PoolSpecError } from "./ranges.ts";

const v = (ip: string) => parseIp(ip).value;

Deno.test("planPool() excludes network, broadcast, gateway, DNS servers and reserved ranges", () => {
  const p = planPool({
    network: "10.0.0.0/24",
    gateway: "10.0.0.1",
    dnsServers: ["10.0.0.2", "8.8.8.8"],
    reservedRanges: ["10.0.0.10-10.0.0.19", "10.0.0.250"],
  });
  assert.equal(p.excludedCount, 2n + 1n + 1n + 10n + 1n);
  assert.deepEqual(freeSpans(p, []), [
    { first: v("10.0.0.3"), last: v("10.0.0.9") },
    { first: v("10.0.0.20"), last: v("10.0.0.249") },
    { first: v("10.0.0.251"), last: v("10.0.0.254") },
  ]);
  assert.deepEqual(p.dnsServers, ["10.0.0.2", "8.8.8.8"]);
  assert.ok(isExcluded(p, v("10.0.0.15")));
  assert.ok(isExcluded(p, v("10.0.0.255")));
  assert.ok(!isExcluded(p, v("10.0.0.3")));
});

Deno.test("planPool() follows RFC 3021 for /31 and /32 and skips the IPv6 anycast address", () => {
  assert.equal(planPool({ network: "10.0.0.0/31" }).excludedCount, 0n);
  assert.equal(planPool({ network: "10.0.0.7/32" }).excludedCount, 0n);
  const v6 = planPool({ network: "2001:db8::/64" });
  assert.equal(v6.excludedCount, 1n);
  assert.equal(v6.usable.first, v("2001:db8::1"));
  assert.equal(planPool({ network: "2001:db8::/127" }).excludedCount, 0n);
});

Deno.test("planPool() rejects gateway, DNS servers and reserved ranges outside the network, naming the field", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ gateway: "10.0.1.1" }, "gateway"],
    [{ gateway: "10.0.0.300" }, "gateway"],
    [{ dnsServers: ["2001:db8::1"] }, "dnsServers"],
    [{ reservedRanges: ["10.0.0.250-10.0.1.5"] }, "reservedRanges"],
    [{ reservedRanges: ["10.0.0.9-10.0.0.3"] }, "reservedRanges"],
    [{ network: "10.0.0.1/24" }, "network"],
  ];
  for (const [extra, field] of cases) {
    assert.throws(
      () => planPool({ network: "10.0.0.0/24", ...extra }),
      (e) => e instanceof PoolSpecError && e.field === field && e.message.startsWith(field),
      JSON.stringify(extra),
    );
  }
});

Deno.test("freeSpans() leaves out active addresses and merges nothing it should not", () => {
  const p = planPool({ network: "192.168.0.0/29" });
  assert.deepEqual(freeSpans(p, [v("192.168.0.1"), v("192.168.0.3"), v("192.168.0.6")]), [
    { first: v("192.168.0.2"), last: v("192.168.0.2") },
    { first: v("192.168.0.4"), last: v("192.168.0.5") },
  ]);
  assert.deepEqual(mergeSpans([{ first: 5n, last: 6n }, { first: 1n, last: 4n }]), [
    { first: 1n, last: 6n },
  ]);
});

Deno.test("an IPv6 /48 plan counts exactly without enumerating", () => {
  const p = planPool({
    network: "2001:db8:1::/48",
    reservedRanges: ["2001:db8:1::-2001:db8:1::ff"],
  });
  assert.equal(p.excludedCount, 256n);
  assert.deepEqual(freeSpans(p, []), [
    { first: v("2001:db8:1::100"), last: v("2001:db8:1:ffff:ffff:ffff:ffff:ffff") },
  ]);
});
