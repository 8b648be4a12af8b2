// Arithmetic on addresses and prefixes (addr_math.ts): conversions, neighbours and order of single
// addresses, prefix membership, sizes and usable ranges, and properties over seeded random values.
// Reading and writing addresses is in addr_test.ts.
import assert from "node:assert/strict";
import { formatCidr, formatIp } from "./addr_format.ts";
import {
  addrAt,
  addrToBigint,
  bigintToAddr,
  cidrContainsCidr,
  cidrOf,
  cidrSize,
  compareAddr,
  contains,
  lastAddr,
  netmask,
  nextAddr,
  offsetOf,
  overlaps,
  prevAddr,
  usableRange,
  usableSize,
} from "./addr_math.ts";
import { isValidCidr, parseCidr, parseIp } from "./addr_parse.ts";
import { addrBits, maxValue } from "./addr_types.ts";
import { fmt, ip, net, parseError } from "../../tests/support/addr.ts";

// ---------------------------------------------------------------------------------------
// Single-address helpers

Deno.test("addrToBigint() and bigintToAddr() convert both ways and check range", () => {
  assert.equal(addrToBigint(ip("10.0.0.1")), 0x0a000001n);
  assert.deepEqual(bigintToAddr(6, 1n), ip("::1"));
  assert.throws(() => bigintToAddr(4, 1n << 32n), RangeError);
  assert.throws(() => bigintToAddr(6, -1n), RangeError);
  assert.equal(maxValue(4), 0xffffffffn);
  assert.equal(maxValue(6), (1n << 128n) - 1n);
  assert.equal(addrBits(6), 128);
});

Deno.test("nextAddr() and prevAddr() stop at the ends of the address space", () => {
  assert.deepEqual(nextAddr(ip("10.0.0.255")), ip("10.0.1.0"));
  assert.equal(nextAddr(ip("255.255.255.255")), null);
  assert.equal(nextAddr(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), null);
  assert.deepEqual(nextAddr(ip("::ffff")), ip("::1:0"));
  assert.deepEqual(prevAddr(ip("10.0.1.0")), ip("10.0.0.255"));
  assert.equal(prevAddr(ip("0.0.0.0")), null);
  assert.equal(prevAddr(ip("::")), null);
});

Deno.test("compareAddr() sorts IPv4 before IPv6 and then by value", () => {
  const sorted = ["::1", "10.0.0.2", "::", "9.255.255.255", "10.0.0.10", "::ffff:0.0.0.1"]
    .map(ip).sort(compareAddr).map(formatIp);
  assert.deepEqual(sorted, [
    "9.255.255.255",
    "10.0.0.2",
    "10.0.0.10",
    "::",
    "::1",
    "::ffff:0.0.0.1",
  ]);
  assert.equal(compareAddr(ip("1.2.3.4"), ip("1.2.3.4")), 0);
});

// ---------------------------------------------------------------------------------------
// Prefixes

Deno.test("parseCidr() reads prefixes and treats a bare address as a host prefix", () => {
  assert.deepEqual(net("10.0.0.0/24"), { version: 4, network: 0x0a000000n, prefix: 24 });
  assert.deepEqual(net("0.0.0.0/0"), { version: 4, network: 0n, prefix: 0 });
  assert.deepEqual(net("10.0.0.7"), { version: 4, network: 0x0a000007n, prefix: 32 });
  assert.deepEqual(net("::1"), { version: 6, network: 1n, prefix: 128 });
  assert.deepEqual(net("::/0"), { version: 6, network: 0n, prefix: 0 });
  assert.equal(formatCidr(net("2001:DB8:0::/32")), "2001:db8::/32");
  assert.equal(formatCidr(net("::ffff:10.0.0.0/104")), "::ffff:10.0.0.0/104");
});

Deno.test("parseCidr() refuses host bits in strict mode and names the network", () => {
  assert.throws(() => parseCidr("10.0.0.1/24"), {
    name: "IpParseError",
    message: '"10.0.0.1/24" is not a valid prefix: host bits are set after /24 ' +
      "(the network is 10.0.0.0/24)",
  });
  parseError(() => parseCidr("2001:db8::1/64"), "the network is 2001:db8::/64");
  parseError(() => parseCidr("1.0.0.0/0"), "the network is 0.0.0.0/0");
});

Deno.test("parseCidr() with strict false clears host bits", () => {
  assert.equal(formatCidr(parseCidr("10.0.0.77/24", { strict: false })), "10.0.0.0/24");
  assert.equal(formatCidr(parseCidr("10.0.0.77/31", { strict: false })), "10.0.0.76/31");
  assert.equal(formatCidr(parseCidr("255.255.255.255/0", { strict: false })), "0.0.0.0/0");
  assert.equal(
    formatCidr(parseCidr("2001:db8:1:2:3:4:5:6/48", { strict: false })),
    "2001:db8:1::/48",
  );
});

Deno.test("parseCidr() refuses bad prefix lengths with a reason", () => {
  parseError(() => parseCidr("10.0.0.0/33"), "length 33 is out of range (0-32)");
  parseError(() => parseCidr("::/129"), "length 129 is out of range (0-128)");
  parseError(() => parseCidr("::/1000"), "out of range");
  parseError(() => parseCidr("10.0.0.0/"), 'the length after "/" is missing');
  parseError(() => parseCidr("10.0.0.0/024"), "leading zero");
  parseError(() => parseCidr("10.0.0.0/2x"), 'the length "2x" is not a number');
  parseError(() => parseCidr("10.0.0.0/-1"), "is not a number");
  parseError(() => parseCidr("10.0.0.0/ 8"), "is not a number");
  parseError(() => parseCidr("10.0.0.0/8/8"), "is not a number");
  parseError(() => parseCidr("/8"), "the address is missing");
  parseError(() => parseCidr("10.0/8"), "expected 4 octets");
  parseError(() => parseCidr("fe80::%eth0/64"), "zone ids");
  assert.equal(isValidCidr("10.0.0.0/8"), true);
  assert.equal(isValidCidr("10.0.0.1/8"), false);
  assert.equal(isValidCidr("10.0.0.1/8", { strict: false }), true);
});

Deno.test("cidrOf(), netmask() and lastAddr() agree on prefix boundaries", () => {
  assert.equal(formatCidr(cidrOf(ip("192.168.7.200"), 22)), "192.168.4.0/22");
  assert.equal(fmt(netmask(4, 22)), "255.255.252.0");
  assert.equal(fmt(netmask(4, 0)), "0.0.0.0");
  assert.equal(fmt(netmask(6, 64), 6), "ffff:ffff:ffff:ffff::");
  assert.equal(fmt(lastAddr(net("192.168.4.0/22"))), "192.168.7.255");
  assert.equal(fmt(lastAddr(net("::/0")), 6), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  assert.throws(() => cidrOf(ip("1.2.3.4"), 33), RangeError);
});

Deno.test("contains() tests membership at the edges and never mixes versions", () => {
  const c = net("10.0.0.0/24");
  assert.equal(contains(c, ip("10.0.0.0")), true);
  assert.equal(contains(c, ip("10.0.0.255")), true);
  assert.equal(contains(c, ip("10.0.1.0")), false);
  assert.equal(contains(c, ip("9.255.255.255")), false);
  assert.equal(contains(net("0.0.0.0/0"), ip("255.255.255.255")), true);
  assert.equal(contains(net("::/0"), ip("1.2.3.4")), false);
  assert.equal(contains(c, ip("::ffff:10.0.0.1")), false);
  assert.equal(contains(net("1.2.3.4/32"), ip("1.2.3.4")), true);
  assert.equal(contains(net("1.2.3.4/32"), ip("1.2.3.5")), false);
  assert.equal(contains(net("2001:db8::/32"), ip("2001:db8:ffff::1")), true);
  assert.equal(contains(net("2001:db8::/32"), ip("2001:db9::")), false);
});

Deno.test("cidrContainsCidr() and overlaps() compare prefixes", () => {
  assert.equal(cidrContainsCidr(net("10.0.0.0/8"), net("10.1.0.0/16")), true);
  assert.equal(cidrContainsCidr(net("10.1.0.0/16"), net("10.0.0.0/8")), false);
  assert.equal(cidrContainsCidr(net("10.0.0.0/8"), net("10.0.0.0/8")), true);
  assert.equal(cidrContainsCidr(net("10.0.0.0/8"), net("11.0.0.0/16")), false);
  assert.equal(cidrContainsCidr(net("::/0"), net("0.0.0.0/0")), false);
  assert.equal(overlaps(net("10.0.0.0/8"), net("10.200.0.0/16")), true);
  assert.equal(overlaps(net("10.200.0.0/16"), net("10.0.0.0/8")), true);
  assert.equal(overlaps(net("10.0.0.0/25"), net("10.0.0.128/25")), false);
  assert.equal(overlaps(net("10.0.0.0/31"), net("10.0.0.1")), true);
  assert.equal(overlaps(net("0.0.0.0/0"), net("::/0")), false);
  assert.equal(overlaps(net("2001:db8::/48"), net("2001:db8:0:ff00::/56")), true);
});

Deno.test("cidrSize() counts every address, IPv6 included", () => {
  assert.equal(cidrSize(net("0.0.0.0/0")), 1n << 32n);
  assert.equal(cidrSize(net("10.0.0.0/24")), 256n);
  assert.equal(cidrSize(net("10.0.0.0/31")), 2n);
  assert.equal(cidrSize(net("10.0.0.0/32")), 1n);
  assert.equal(cidrSize(net("::/0")), 1n << 128n);
  assert.equal(cidrSize(net("2001:db8::/48")), 1n << 80n);
  assert.equal(cidrSize(net("::/128")), 1n);
});

Deno.test("usableRange() leaves out IPv4 network and broadcast except in /31 and /32", () => {
  const r = (t: string) => {
    const u = usableRange(net(t));
    return `${fmt(u.first)}-${fmt(u.last)} ${usableSize(net(t))}`;
  };
  assert.equal(r("10.0.0.0/24"), "10.0.0.1-10.0.0.254 254");
  assert.equal(r("10.0.0.0/30"), "10.0.0.1-10.0.0.2 2");
  assert.equal(r("10.0.0.0/31"), "10.0.0.0-10.0.0.1 2");
  assert.equal(r("10.0.0.9/32"), "10.0.0.9-10.0.0.9 1");
  assert.equal(r("0.0.0.0/0"), "0.0.0.1-255.255.255.254 4294967294");
  assert.equal(usableSize(net("10.0.0.0/24"), { pool: true }), 256n);
});

Deno.test("usableRange() leaves out the IPv6 Subnet-Router anycast address except in /127 and /128", () => {
  const r = (t: string) => {
    const u = usableRange(net(t));
    return `${fmt(u.first, 6)}-${fmt(u.last, 6)} ${usableSize(net(t))}`;
  };
  assert.equal(r("2001:db8::/64"), `2001:db8::1-2001:db8::ffff:ffff:ffff:ffff ${(1n << 64n) - 1n}`);
  assert.equal(r("2001:db8::/126"), "2001:db8::1-2001:db8::3 3");
  assert.equal(r("2001:db8::/127"), "2001:db8::-2001:db8::1 2");
  assert.equal(r("2001:db8::5/128"), "2001:db8::5-2001:db8::5 1");
  assert.equal(usableSize(net("2001:db8::/64"), { pool: true }), 1n << 64n);
  assert.equal(usableSize(net("::/0")), (1n << 128n) - 1n);
});

Deno.test("addrAt() and offsetOf() index into a prefix and refuse outside positions", () => {
  const c = net("10.0.0.0/24");
  assert.equal(formatIp(addrAt(c, 0n)), "10.0.0.0");
  assert.equal(formatIp(addrAt(c, 255n)), "10.0.0.255");
  assert.throws(() => addrAt(c, 256n), RangeError);
  assert.throws(() => addrAt(c, -1n), RangeError);
  assert.equal(offsetOf(c, ip("10.0.0.77")), 77n);
  assert.throws(() => offsetOf(c, ip("10.0.1.0")), /10\.0\.1\.0 is not inside 10\.0\.0\.0\/24/);
  assert.throws(() => offsetOf(c, ip("::a00:1")), RangeError);
  const v6 = net("2001:db8::/32");
  assert.equal(formatIp(addrAt(v6, (1n << 96n) - 1n)), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  assert.equal(offsetOf(v6, ip("2001:db8::1:0")), 65536n);
  assert.equal(
    formatIp(addrAt(net("::/0"), maxValue(6))),
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  );
});

// ---------------------------------------------------------------------------------------
// Properties over random values (seeded, so a failure reproduces)

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(next: () => number, version: 4 | 6): bigint {
  let v = 0n;
  for (let k = 0; k < (version === 4 ? 2 : 8); k++) {
    // Bias groups towards zero so that compression and mapped addresses come up often.
    const r = next();
    const g = r < 0.4 ? 0 : r < 0.5 ? 0xffff : Math.floor(next() * 65536);
    v = (v << 16n) | BigInt(g);
  }
  return v;
}

/** An independent, uncompressed spelling of an IPv6 value with random case and zero padding. */
function spellV6(v: bigint, next: () => number): string {
  const groups: string[] = [];
  for (let k = 7; k >= 0; k--) {
    let g = Number((v >> BigInt(k * 16)) & 0xffffn).toString(16);
    if (next() < 0.3) g = g.padStart(4, "0");
    if (next() < 0.3) g = g.toUpperCase();
    groups.push(g);
  }
  return groups.join(":");
}

/** Checks that "::" replaces the first longest run of two or more zero groups, and only that. */
function assertRfc5952Compression(text: string): void {
  const runs = (groups: string[]) => {
    const out: number[] = [];
    let run = 0;
    for (const g of [...groups, "x"]) {
      if (g === "0") run++;
      else if (run > 0) {
        out.push(run);
        run = 0;
      }
    }
    return out;
  };
  const halves = text.split("::");
  assert.ok(halves.length <= 2, text);
  if (halves.length === 1) {
    assert.ok(runs(text.split(":")).every((r) => r < 2), `uncompressed zero run in ${text}`);
    return;
  }
  const left = halves[0] === "" ? [] : halves[0].split(":");
  const right = halves[1] === "" ? [] : halves[1].split(":");
  const compressed = 8 - left.length - right.length;
  assert.ok(compressed >= 2, `single group compressed in ${text}`);
  assert.ok(runs(left).every((r) => r < compressed), `an earlier run as long in ${text}`);
  assert.ok(runs(right).every((r) => r <= compressed), `a later, longer run in ${text}`);
}

Deno.test("formatIp() and parseIp() round trip random addresses", () => {
  const next = rng(0x1a2b3c);
  for (let n = 0; n < 3000; n++) {
    const version = n % 2 === 0 ? 4 : 6;
    const value = randomValue(next, version);
    const text = formatIp({ version, value });
    assert.deepEqual(parseIp(text), { version, value }, text);
    if (version === 6) {
      // Any spelling of the value parses to it and formats back to the same canonical text.
      const spelt = spellV6(value, next);
      assert.equal(formatIp(parseIp(spelt)), text, spelt);
      assert.ok(!/(^|:)0[0-9a-f]/.test(text) && !/[A-F]/.test(text), text);
      assert.ok(text.split("::").length <= 2, text);
      if (value >> 32n !== 0xffffn) assertRfc5952Compression(text);
    } else {
      const octets = text.split(".").map(Number);
      assert.equal(octets.length, 4);
      assert.equal(
        BigInt(((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3]),
        value,
      );
    }
  }
});

Deno.test("offsetOf() inverts addrAt() on random prefixes and offsets", () => {
  const next = rng(0x5eed);
  for (let n = 0; n < 2000; n++) {
    const version = n % 2 === 0 ? 4 : 6;
    const prefix = Math.floor(next() * (addrBits(version) + 1));
    const cidr = cidrOf({ version, value: randomValue(next, version) }, prefix);
    const size = cidrSize(cidr);
    const offset = randomValue(next, version) % size;
    const addr = addrAt(cidr, offset);
    assert.ok(contains(cidr, addr));
    assert.equal(offsetOf(cidr, addr), offset);
    // The text form of the prefix parses back strictly to the same prefix.
    assert.deepEqual(parseCidr(formatCidr(cidr)), cidr);
    // Usable ranges lie inside the prefix and are never empty.
    const u = usableRange(cidr);
    assert.ok(cidr.network <= u.first && u.first <= u.last && u.last <= lastAddr(cidr));
  }
});
