// Reading and writing addresses (addr_parse.ts, addr_format.ts): IPv4 and IPv6 in every form
// the parser accepts or refuses with a reason, RFC 5952 output, ranges, MACs, and third-party
// test vectors from the corpus. Arithmetic on addresses and prefixes is in addr_math_test.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusDir, corpusMissing } from "../../tests/support/corpus.ts";
import { formatCidr, formatIp, formatRange } from "./addr_format.ts";
import { cidrContainsCidr, cidrSize, contains, overlaps, rangeSize } from "./addr_math.ts";
import {
  isValidCidr,
  isValidIp,
  parseCidr,
  parseIp,
  parseRange,
  validateMac,
} from "./addr_parse.ts";
import { MacParseError, maxValue } from "./addr_types.ts";
import { fmt, ip, net, parseError } from "../../tests/support/addr.ts";

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
