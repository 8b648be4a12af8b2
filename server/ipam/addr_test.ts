import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusDir, corpusMissing } from "../../tests/support/corpus.ts";
import {
  addrAt,
  addrBits,
  addrToBigint,
  bigintToAddr,
  type Cidr,
  cidrContainsCidr,
  cidrOf,
  cidrSize,
  compareAddr,
  contains,
  formatCidr,
  formatIp,
  formatRange,
  type IpAddr,
  IpParseError,
  isValidCidr,
  isValidIp,
  lastAddr,
  MacParseError,
  maxValue,
  netmask,
  nextAddr,
  offsetOf,
  overlaps,
  parseCidr,
  parseIp,
  parseRange,
  prevAddr,
  rangeSize,
  usableRange,
  usableSize,
  validateMac,
} from "./addr.ts";

const ip = (text: string): IpAddr => parseIp(text);
const net = (text: string): Cidr => parseCidr(text);
const fmt = (value: bigint, version: 4 | 6 = 4) => formatIp({ version, value });

function parseError(fn: () => unknown, includes: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IpParseError, `expected IpParseError, got ${e}`);
    assert.ok(e.message.includes(includes), `"${e.message}" should mention "${includes}"`);
    return true;
  });
}

// ---------------------------------------------------------------------------------------
// IPv4 parsing and formatting

Deno.test("parseIp() reads dotted quads including the extremes", () => {
  assert.deepEqual(ip("0.0.0.0"), { version: 4, value: 0n });
  assert.deepEqual(ip("255.255.255.255"), { version: 4, value: 0xffffffffn });
  assert.deepEqual(ip("10.1.2.3"), { version: 4, value: 0x0a010203n });
  assert.deepEqual(ip("192.168.0.1"), { version: 4, value: 0xc0a80001n });
});

Deno.test("parseIp() says which octet is out of range", () => {
  assert.throws(() => parseIp("10.0.0.256"), {
    name: "IpParseError",
    message: '"10.0.0.256" is not a valid IPv4 address: octet 256 is out of range',
  });
  parseError(() => parseIp("300.1.1.1"), "octet 300 is out of range");
  parseError(() => parseIp("1.1.1.1000"), 'octet "1000" has too many digits');
});

Deno.test("parseIp() refuses inet_aton shorthand, leading zeros, hex and octal", () => {
  parseError(() => parseIp("010.0.0.1"), 'octet "010" has a leading zero');
  parseError(() => parseIp("10.0.0.01"), 'octet "01" has a leading zero');
  parseError(() => parseIp("10.1"), "expected 4 octets, found 2");
  parseError(() => parseIp("10.0.1"), "expected 4 octets, found 3");
  parseError(() => parseIp("167772161"), 'octet "167772161" has too many digits');
  parseError(() => parseIp("1"), "expected 4 octets, found 1");
  parseError(() => parseIp("0x0a.0.0.1"), 'unexpected character "x"');
  parseError(() => parseIp("1.2.3.4.5"), "more than 4 octets");
  parseError(() => parseIp("1.2.3.4."), "it ends with a dot");
  parseError(() => parseIp("1..3.4"), "empty octet at position 3");
  parseError(() => parseIp(".1.2.3"), "empty octet at position 1");
});

Deno.test("parseIp() refuses whitespace, signs and other characters around an address", () => {
  parseError(() => parseIp(""), "it is empty");
  parseError(() => parseIp(" 1.2.3.4"), 'unexpected character " " at position 1');
  parseError(() => parseIp("1.2.3.4\n"), "unexpected character U+000A at position 8");
  parseError(() => parseIp("+1.2.3.4"), 'unexpected character "+"');
  parseError(() => parseIp("1.2.3.4/32"), 'unexpected character "/"');
  parseError(() => parseIp("１.2.3.4"), 'unexpected character "１"');
});

Deno.test("formatIp() writes IPv4 as a plain dotted quad", () => {
  assert.equal(fmt(0n), "0.0.0.0");
  assert.equal(fmt(0xffffffffn), "255.255.255.255");
  assert.equal(fmt(0x0a000001n), "10.0.0.1");
  assert.equal(fmt(0x80000000n), "128.0.0.0");
});

Deno.test("formatIp() refuses values that do not fit the version", () => {
  assert.throws(() => fmt(1n << 32n), RangeError);
  assert.throws(() => fmt(-1n), RangeError);
  assert.throws(() => fmt(1n << 128n, 6), RangeError);
});

// ---------------------------------------------------------------------------------------
// IPv6 parsing and formatting

Deno.test("parseIp() reads IPv6 in full, compressed and mixed forms", () => {
  assert.deepEqual(ip("::"), { version: 6, value: 0n });
  assert.deepEqual(ip("::1"), { version: 6, value: 1n });
  assert.deepEqual(ip("1::"), { version: 6, value: 1n << 112n });
  assert.equal(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").value, maxValue(6));
  assert.equal(ip("2001:db8::1").value, 0x20010db8000000000000000000000001n);
  assert.equal(ip("2001:0DB8:0000:0000:0000:0000:0000:0001").value, ip("2001:db8::1").value);
  assert.equal(ip("::ffff:1.2.3.4").value, 0xffff01020304n);
  assert.equal(ip("64:ff9b::192.0.2.33").value, 0x0064ff9b0000000000000000c0000221n);
  assert.equal(ip("1:2:3:4:5:6:1.2.3.4").value, 0x00010002000300040005000601020304n);
  // "::" may stand for a single group on input (RFC 4291), though RFC 5952 never writes it.
  assert.equal(ip("1:2:3:4:5:6:7::").value, ip("1:2:3:4:5:6:7:0").value);
  assert.equal(ip("::2:3:4:5:6:7:8").value, ip("0:2:3:4:5:6:7:8").value);
});

Deno.test("parseIp() refuses malformed IPv6 with a reason", () => {
  parseError(() => parseIp("1:2:3:4:5:6:7"), "expected 8 groups, found 7");
  parseError(() => parseIp("1:2:3:4:5:6:7:8:9"), "more than 8 groups");
  parseError(() => parseIp("1:2:3:4::5:6:7:8"), '"::" with 8 other groups');
  parseError(() => parseIp("1::2::3"), 'more than one "::"');
  parseError(() => parseIp("1:::2"), '":::"');
  parseError(() => parseIp(":::"), '":::"');
  parseError(() => parseIp(":1:2:3:4:5:6:7"), "starts with a single colon");
  parseError(() => parseIp("1:2:3:4:5:6:7:"), "ends with a single colon");
  parseError(() => parseIp(":"), "empty group");
  parseError(() => parseIp("12345::"), 'group "12345" has more than 4 hex digits');
  parseError(() => parseIp("::g"), 'unexpected character "g"');
  parseError(() => parseIp("fe80::1%eth0"), 'zone ids ("%eth0") are not accepted');
  parseError(() => parseIp("[::1]"), "brackets are not part of an address");
  parseError(() => parseIp("2001:db8::/32"), "a prefix length is not part of an address");
  parseError(() => parseIp("::ffff:1.2.3.256"), "embedded IPv4 address: octet 256 is out of range");
  parseError(() => parseIp("::ffff:1.2.3"), "embedded IPv4 address: expected 4 octets");
  parseError(() => parseIp("::ffff:01.2.3.4"), "leading zero");
  parseError(() => parseIp("1:2:3:4:5:6:7:1.2.3.4"), "too many groups before the embedded IPv4");
  parseError(() => parseIp("1.2.3.4::"), "embedded IPv4 address");
});

Deno.test("formatIp() follows RFC 5952 for IPv6", () => {
  const canon = (t: string) => formatIp(parseIp(t));
  assert.equal(canon("::"), "::");
  assert.equal(canon("::1"), "::1");
  assert.equal(canon("1::"), "1::");
  assert.equal(canon("2001:DB8:0:0:0:0:0:1"), "2001:db8::1"); // lowercase, compressed
  assert.equal(canon("2001:0db8:0001:0000:0000:0000:0000:0001"), "2001:db8:1::1"); // no leading 0s
  assert.equal(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1"); // one zero group stays
  assert.equal(canon("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1"); // the longest run wins
  assert.equal(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1"); // the first of equal runs
  assert.equal(canon("0:0:1:0:0:0:0:0"), "0:0:1::");
  assert.equal(canon("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(canon("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
  assert.equal(canon("0:2:3:4:5:6:7:8"), "0:2:3:4:5:6:7:8");
  assert.equal(
    canon("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  );
  assert.equal(canon("fe80:0000:0000:0000:0204:61ff:fe9d:f156"), "fe80::204:61ff:fe9d:f156");
});

Deno.test("formatIp() shows IPv4-mapped addresses in dotted form and nothing else", () => {
  assert.equal(formatIp(parseIp("::ffff:c000:0280")), "::ffff:192.0.2.128");
  assert.equal(formatIp(parseIp("::FFFF:1.2.3.4")), "::ffff:1.2.3.4");
  assert.equal(formatIp(parseIp("::ffff:0.0.0.0")), "::ffff:0.0.0.0");
  // Deprecated IPv4-compatible and NAT64 addresses stay in hex.
  assert.equal(formatIp(parseIp("::1.2.3.4")), "::102:304");
  assert.equal(formatIp(parseIp("64:ff9b::1.2.3.4")), "64:ff9b::102:304");
  assert.equal(formatIp(parseIp("::1:ffff:1.2.3.4")), "::1:ffff:102:304");
});

Deno.test("isValidIp() agrees with parseIp()", () => {
  for (const t of ["1.2.3.4", "::", "::ffff:1.2.3.4", "fe80::1"]) {
    assert.equal(isValidIp(t), true, t);
  }
  for (const t of ["", "1.2.3", "01.2.3.4", "fe80::1%1", "::1::", "[::1]", "1.2.3.4 "]) {
    assert.equal(isValidIp(t), false, t);
  }
});

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
// Ranges and MACs

Deno.test("parseRange() reads a span or a single address", () => {
  assert.deepEqual(parseRange("10.0.0.10-10.0.0.20"), {
    version: 4,
    first: 0x0a00000an,
    last: 0x0a000014n,
  });
  assert.deepEqual(parseRange("10.0.0.10 - 10.0.0.20"), parseRange("10.0.0.10-10.0.0.20"));
  assert.deepEqual(parseRange("2001:db8::1"), {
    version: 6,
    first: ip("2001:db8::1").value,
    last: ip("2001:db8::1").value,
  });
  assert.equal(rangeSize(parseRange("2001:db8::-2001:db8::ffff")), 65536n);
  assert.equal(formatRange(parseRange("10.0.0.5-10.0.0.5")), "10.0.0.5");
  assert.equal(formatRange(parseRange("2001:DB8::1-2001:db8::0:a")), "2001:db8::1-2001:db8::a");
});

Deno.test("parseRange() refuses mixed versions, reversed ends and missing parts", () => {
  parseError(() => parseRange("10.0.0.1-::1"), "mixes IPv4 and IPv6");
  parseError(
    () => parseRange("10.0.0.20-10.0.0.10"),
    "the start 10.0.0.20 comes after the end 10.0.0.10",
  );
  parseError(() => parseRange("-10.0.0.1"), "the start is missing");
  parseError(() => parseRange("10.0.0.1-"), "the end is missing");
  parseError(() => parseRange("1.1.1.1-2.2.2.2-3.3.3.3"), 'more than one "-"');
  parseError(() => parseRange("10.0.0.1-10.0.0.300"), "octet 300 is out of range");
});

Deno.test("validateMac() normalises the common notations to lowercase colon form", () => {
  for (
    const t of [
      "aa:bb:cc:dd:ee:ff",
      "AA:BB:CC:DD:EE:FF",
      "AA-BB-cc-DD-ee-FF",
      "aabb.ccdd.eeff",
      "AABBCCDDEEFF",
    ]
  ) {
    assert.equal(validateMac(t), "aa:bb:cc:dd:ee:ff", t);
  }
  assert.equal(validateMac("00:00:5e:00:53:01"), "00:00:5e:00:53:01");
});

Deno.test("validateMac() refuses malformed MAC addresses with a reason", () => {
  const bad = (t: string, why: string) =>
    assert.throws(() => validateMac(t), (e: unknown) => {
      assert.ok(e instanceof MacParseError);
      assert.ok(e.message.includes(why), e.message);
      return true;
    });
  bad("aa:bb:cc:dd:ee", "expected 6 bytes");
  bad("aa:bb:cc:dd:ee:ff:00", "expected 6 bytes");
  bad("aa:bb-cc:dd:ee:ff", 'expected ":" at position 6');
  bad("aa.bb.cc.dd.ee.ff", 'expected ":" or "-"');
  bad("aa:bb:cc:dd:ee:fg", 'unexpected character "g" at position 17');
  bad("aabb.ccdd:eeff", 'expected "." at position 10');
  bad(" aabbccddeeff", "expected 6 bytes");
  bad("", "expected 6 bytes");
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

// ---------------------------------------------------------------------------------------
// Third-party corpus: JSON-Schema-Test-Suite, WHATWG URL host data, IANA registries

interface SchemaGroup {
  tests: { description: string; data: unknown; valid: boolean }[];
}

function readCorpusJson<T>(...parts: string[]): T {
  return JSON.parse(Deno.readTextFileSync(join(corpusDir()!, "ipmath", ...parts)));
}

function schemaCases(file: string): { data: string; valid: boolean; description: string }[] {
  const groups = readCorpusJson<SchemaGroup[]>(
    "json-schema-org__JSON-Schema-Test-Suite/tests/draft2020-12/optional/format",
    file,
  );
  // Non-string cases only check that formats ignore other JSON types: nothing to parse.
  return groups.flatMap((g) => g.tests)
    .filter((t): t is { data: string; valid: boolean; description: string } =>
      typeof t.data === "string"
    );
}

const versionOf = (text: string): 4 | 6 | null => isValidIp(text) ? parseIp(text).version : null;

Deno.test({
  name: "parseIp() agrees with every JSON-Schema-Test-Suite ipv4 verdict",
  ignore: corpusMissing("JSON-Schema-Test-Suite ipv4 cases"),
  fn() {
    const cases = schemaCases("ipv4.json");
    assert.ok(cases.length >= 30, `only ${cases.length} ipv4 cases`);
    for (const c of cases) {
      // "ipv4" format means the text is an IPv4 address; ::ffff:1.2.3.4 parses, but as IPv6.
      assert.equal(versionOf(c.data) === 4, c.valid, `${JSON.stringify(c.data)}: ${c.description}`);
      if (c.valid) assert.equal(formatIp(parseIp(c.data)), c.data);
    }
  },
});

Deno.test({
  name: "parseIp() agrees with every JSON-Schema-Test-Suite ipv6 verdict",
  ignore: corpusMissing("JSON-Schema-Test-Suite ipv6 cases"),
  fn() {
    const cases = schemaCases("ipv6.json");
    assert.ok(cases.length >= 30, `only ${cases.length} ipv6 cases`);
    for (const c of cases) {
      assert.equal(versionOf(c.data) === 6, c.valid, `${JSON.stringify(c.data)}: ${c.description}`);
      if (c.valid) {
        const canonical = formatIp(parseIp(c.data));
        assert.equal(parseIp(canonical).value, parseIp(c.data).value);
        assert.equal(formatIp(parseIp(canonical)), canonical);
      }
    }
  },
});

interface UrlCase {
  input: string;
  failure?: boolean;
  hostname?: string;
}

const SPECIAL_SCHEMES = new Set(["http", "https", "ws", "wss", "ftp", "file"]);

Deno.test({
  name: "parseIp() agrees with the WHATWG URL test data on bracketed IPv6 hosts",
  ignore: corpusMissing("rust-url urltestdata.json"),
  fn() {
    const data = readCorpusJson<(UrlCase | string)[]>("servo__rust-url/url/tests/urltestdata.json");
    let accepted = 0;
    let refused = 0;
    for (const c of data) {
      if (typeof c === "string") continue; // section comments
      const m = /^[a-z][a-z0-9+.-]*:\/\/\[([^\]]*)\](.*)$/.exec(c.input);
      if (!m) continue;
      const [, host, rest] = m;
      if (c.failure) {
        // Only failures the host itself causes: "[1::2]:3:4" fails on its port.
        if (rest !== "" && !rest.startsWith("/")) continue;
        assert.equal(isValidIp(host), false, c.input);
        refused++;
      } else {
        // WHATWG serialises IPv6 hosts the RFC 5952 way, but writes IPv4-mapped addresses
        // in hex; none of these cases is IPv4-mapped, so the texts must match exactly.
        assert.equal(`[${formatIp(parseIp(host))}]`, c.hostname, c.input);
        accepted++;
      }
    }
    assert.ok(accepted >= 8 && refused >= 15, `accepted ${accepted}, refused ${refused}`);
  },
});

Deno.test({
  name: "parseIp() accepts exactly the IPv4 hosts that WHATWG URLs keep unchanged",
  ignore: corpusMissing("rust-url urltestdata.json"),
  fn() {
    const data = readCorpusJson<(UrlCase | string)[]>("servo__rust-url/url/tests/urltestdata.json");
    let same = 0;
    let lenient = 0;
    let failed = 0;
    for (const c of data) {
      if (typeof c === "string") continue;
      const m = /^([a-z]+):\/\/([0-9a-fA-FxX.]*[0-9][0-9a-fA-FxX.]*)(?::\d*)?(?:[/?#].*)?$/.exec(
        c.input,
      );
      // Only special schemes parse IPv4 hosts; other schemes keep host text opaque.
      if (!m || !SPECIAL_SCHEMES.has(m[1])) continue;
      const host = m[2];
      if (c.failure) {
        assert.equal(isValidIp(host), false, c.input);
        failed++;
      } else if (c.hostname === host) {
        assert.equal(formatIp(parseIp(host)), host, c.input);
        same++;
      } else {
        // WHATWG accepts inet_aton forms (192.168.257, 0xffffffff, 1.2.3.4.) and rewrites
        // them; an IPAM must refuse them, since other tools read them differently.
        assert.equal(isValidIp(host), false, `${c.input} is rewritten to ${c.hostname}`);
        lenient++;
      }
    }
    assert.ok(
      same >= 3 && lenient >= 8 && failed >= 15,
      `same ${same}, lenient ${lenient}, failed ${failed}`,
    );
  },
});

function registryTexts(file: string, tag: string): string[] {
  const xml = Deno.readTextFileSync(join(corpusDir()!, "ipmath/netaddr__netaddr/netaddr/ip", file));
  const out: string[] = [];
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  for (let i = xml.indexOf(open); i >= 0; i = xml.indexOf(open, i + 1)) {
    out.push(xml.slice(i + open.length, xml.indexOf(close, i)).trim());
  }
  return out;
}

Deno.test({
  name: "the IANA IPv4 address space registry's 256 /8 blocks tile the whole IPv4 space",
  ignore: corpusMissing("IANA ipv4-address-space.xml"),
  fn() {
    const texts = registryTexts("ipv4-address-space.xml", "prefix");
    assert.equal(texts.length, 256);
    const blocks = texts.map((t) => {
      // The registry writes a /8 as its zero-padded first octet ("010/8"); that is
      // shorthand a strict parser must refuse, so it is rewritten as a dotted quad.
      assert.equal(isValidCidr(t), false, t);
      const [octet, len] = t.split("/");
      return parseCidr(`${Number(octet)}.0.0.0/${len}`);
    });
    let total = 0n;
    for (let i = 0; i < blocks.length; i++) {
      total += cidrSize(blocks[i]);
      for (let j = i + 1; j < blocks.length; j++) {
        assert.equal(overlaps(blocks[i], blocks[j]), false);
      }
      assert.ok(contains(blocks[i], ip(`${i}.1.2.3`)));
    }
    assert.equal(total, 1n << 32n);
  },
});

Deno.test({
  name: "the IANA IPv6 registries parse strictly, tile the space and nest as published",
  ignore: corpusMissing("IANA ipv6 registries"),
  fn() {
    const space = registryTexts("ipv6-address-space.xml", "prefix").map((t) => parseCidr(t));
    const unicastTexts = registryTexts("ipv6-unicast-address-assignments.xml", "prefix");
    assert.ok(space.length >= 20 && unicastTexts.length >= 40);
    let total = 0n;
    for (let i = 0; i < space.length; i++) {
      total += cidrSize(space[i]);
      for (let j = i + 1; j < space.length; j++) assert.equal(overlaps(space[i], space[j]), false);
    }
    assert.equal(total, 1n << 128n);
    for (const t of unicastTexts) {
      const c = parseCidr(t);
      const canonical = formatCidr(c);
      // The registry pads groups ("2001:0000::/23"); the canonical form drops that.
      assert.equal(canonical, t.replace(/(^|:)0+([0-9a-f])/g, "$1$2").replace(":0::", "::"), t);
      assert.deepEqual(parseCidr(canonical), c);
      assert.equal(space.filter((s) => cidrContainsCidr(s, c)).length, 1, `${t} in one block`);
      assert.ok(cidrContainsCidr(net("2000::/3"), c) || t === "5f00::/8", t);
    }
  },
});

Deno.test({
  name: "every IANA multicast assignment parses as an address or range inside 224.0.0.0/4",
  ignore: corpusMissing("IANA multicast-addresses.xml"),
  fn() {
    const texts = registryTexts("multicast-addresses.xml", "addr");
    const multicast = net("224.0.0.0/4");
    let ranges = 0;
    for (const t of texts) {
      const r = parseRange(t);
      assert.equal(r.version, 4, t);
      assert.equal(formatRange(r), t);
      assert.ok(contains(multicast, { version: 4, value: r.first }), t);
      assert.ok(contains(multicast, { version: 4, value: r.last }), t);
      if (r.first !== r.last) ranges++;
    }
    assert.ok(texts.length >= 500, `only ${texts.length} assignments`);
    assert.ok(ranges >= 150, `only ${ranges} ranges`);
  },
});
