// IPv4 and IPv6 address math for IP address management: strict parsing, canonical
// formatting (RFC 5952), prefixes, ranges and MAC addresses. Values are bigints so that
// IPv6 /48 pools are exact. Pure TypeScript without Deno APIs, so the draw.io plugin can
// bundle it too.
//
// Parsers are hand-written loops over char codes rather than regular expressions: they run
// on every address a user or NetBox sends, and a loop has no backtracking to exploit.

export type IpVersion = 4 | 6;

/** One address; `value` is the address as an unsigned integer. */
export interface IpAddr {
  version: IpVersion;
  value: bigint;
}

/** A prefix; `network` never has host bits set. */
export interface Cidr {
  version: IpVersion;
  network: bigint;
  prefix: number;
}

/** An inclusive span of addresses of one version. */
export interface IpRange {
  version: IpVersion;
  first: bigint;
  last: bigint;
}

/** Thrown for text that is not an address, prefix or range; the message says why. */
export class IpParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IpParseError";
  }
}

/** Thrown for text that is not a MAC address; the message says why. */
export class MacParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MacParseError";
  }
}

const MAX_V4 = 0xffff_ffffn;
const MAX_V6 = (1n << 128n) - 1n;
const MAPPED_PREFIX = 0xffffn; // ::ffff:0:0/96, RFC 4291 section 2.5.5.2

/** Bits in an address of this version. */
export function addrBits(version: IpVersion): 32 | 128 {
  return version === 4 ? 32 : 128;
}

/** The largest address value of this version (255.255.255.255 or ffff:...:ffff). */
export function maxValue(version: IpVersion): bigint {
  return version === 4 ? MAX_V4 : MAX_V6;
}

// Host masks by prefix length, computed once: masking is on the hot path of every
// containment test.
const HOST_MASKS_V4: bigint[] = [];
const HOST_MASKS_V6: bigint[] = [];
for (let p = 0; p <= 32; p++) HOST_MASKS_V4.push((1n << BigInt(32 - p)) - 1n);
for (let p = 0; p <= 128; p++) HOST_MASKS_V6.push((1n << BigInt(128 - p)) - 1n);

function hostMask(version: IpVersion, prefix: number): bigint {
  return version === 4 ? HOST_MASKS_V4[prefix] : HOST_MASKS_V6[prefix];
}

/** The netmask of a prefix length as a value (for /24: 255.255.255.0). */
export function netmask(version: IpVersion, prefix: number): bigint {
  checkPrefix(version, prefix);
  return maxValue(version) ^ hostMask(version, prefix);
}

function checkPrefix(version: IpVersion, prefix: number): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > addrBits(version)) {
    throw new RangeError(`Prefix length ${prefix} is not valid for IPv${version}`);
  }
}

// ---------------------------------------------------------------------------------------
// Parsing addresses

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  const shown = cp < 0x20 || cp === 0x7f
    ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`
    : `"${ch}"`;
  return `unexpected character ${shown} at position ${i + 1}`;
}

/**
 * Reads a dotted quad from text[start..end); returns its value, or a string that says
 * what is wrong. Only plain decimal octets without leading zeros are accepted: the
 * inet_aton forms (10.1, 0x0a.0.0.1, 010.0.0.1) mean different things to different tools.
 */
function readV4(text: string, start: number, end: number): number | string {
  let value = 0;
  let octets = 0;
  let i = start;
  while (true) {
    const octetStart = i;
    let octet = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
      if (i - octetStart > 3) {
        return `octet "${text.slice(octetStart, skipDigits(text, i, end))}" has too many digits`;
      }
    }
    if (i === octetStart) {
      if (i < end && text.charCodeAt(i) !== 46) return describeChar(text, i);
      return `empty octet at position ${i + 1}`;
    }
    if (i - octetStart > 1 && text.charCodeAt(octetStart) === 48) {
      return `octet "${text.slice(octetStart, i)}" has a leading zero`;
    }
    if (octet > 255) return `octet ${octet} is out of range`;
    value = value * 256 + octet;
    octets++;
    if (i === end) break;
    if (text.charCodeAt(i) !== 46) return describeChar(text, i);
    if (octets === 4) return i + 1 === end ? "it ends with a dot" : "more than 4 octets";
    i++;
  }
  if (octets !== 4) return `expected 4 octets, found ${octets}`;
  return value;
}

function skipDigits(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Reads an IPv6 address (RFC 4291 section 2.2 text forms) from text[start..end); returns
 * its value, or a string that says what is wrong.
 */
function readV6(text: string, start: number, end: number): bigint | string {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1; // index in groups where "::" stands
  let i = start;
  if (end - start >= 2 && text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return "it starts with a single colon";
    gap = 0;
    i += 2;
    if (i < end && text.charCodeAt(i) === 58) return `":::" at position ${i - 1}`;
  }
  while (i < end) {
    const groupStart = i;
    let group = 0;
    while (i < end) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) break;
      group = group * 16 + d;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // Embedded IPv4 (x:x:x:x:x:x:d.d.d.d): the last 32 bits, written as a dotted quad.
      if (count > 6) return "too many groups before the embedded IPv4 address";
      const v4 = readV4(text, groupStart, end);
      if (typeof v4 === "string") return `embedded IPv4 address: ${v4}`;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = end;
      break;
    }
    const digits = i - groupStart;
    if (digits === 0) {
      // Only a lone ":" gets here with a colon next: every other colon is consumed below.
      if (text.charCodeAt(i) === 58) return `empty group at position ${i + 1}`;
      return describeChar(text, i);
    }
    if (digits > 4) return `group "${text.slice(groupStart, i)}" has more than 4 hex digits`;
    if (count === 8) return "more than 8 groups";
    groups[count++] = group;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return describeChar(text, i);
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return `more than one "::"`;
      gap = count;
      i++;
      if (i < end && text.charCodeAt(i) === 58) return `":::" at position ${i - 1}`;
    } else if (i === end) {
      return "it ends with a single colon";
    }
  }
  if (gap < 0) {
    if (count !== 8) return `expected 8 groups, found ${count}`;
  } else {
    // "::" stands for one or more zero groups, so at most 7 may be written beside it.
    if (count > 7) return `"::" with 8 other groups`;
    const shift = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + shift] = groups[k];
    for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  }
  return (BigInt(groups[0] * 65536 + groups[1]) << 96n) |
    (BigInt(groups[2] * 65536 + groups[3]) << 64n) |
    (BigInt(groups[4] * 65536 + groups[5]) << 32n) |
    BigInt(groups[6] * 65536 + groups[7]);
}

/** Looks for characters that make the text an address plus something else. */
function v6Extra(text: string): string | null {
  const pct = text.indexOf("%");
  if (pct >= 0) return `zone ids ("${text.slice(pct)}") are not accepted`;
  if (text.charCodeAt(0) === 91) return "brackets are not part of an address";
  if (text.indexOf("/") >= 0) return "a prefix length is not part of an address";
  return null;
}

function parseAt(text: string, start: number, end: number, whole: string): IpAddr {
  if (start === end) throw new IpParseError(`"${whole}" is not a valid IP address: it is empty`);
  // A colon anywhere means IPv6; without one the text can only be IPv4.
  let colon = false;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 58) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    const v4 = readV4(text, start, end);
    if (typeof v4 === "string") {
      throw new IpParseError(`"${whole}" is not a valid IPv4 address: ${v4}`);
    }
    return { version: 4, value: BigInt(v4) };
  }
  const v6 = readV6(text, start, end);
  if (typeof v6 === "string") {
    const why = v6Extra(text.slice(start, end)) ?? v6;
    throw new IpParseError(`"${whole}" is not a valid IPv6 address: ${why}`);
  }
  return { version: 6, value: v6 };
}

/**
 * Parses an IPv4 dotted quad or an IPv6 address. Strict: no surrounding whitespace, no
 * inet_aton shorthand, no leading zeros in IPv4 octets, no zone ids, no brackets or prefix.
 */
export function parseIp(text: string): IpAddr {
  return parseAt(text, 0, text.length, text);
}

/** Whether parseIp would accept the text. */
export function isValidIp(text: string): boolean {
  if (text.length === 0) return false;
  return text.indexOf(":") < 0
    ? typeof readV4(text, 0, text.length) === "number"
    : typeof readV6(text, 0, text.length) === "bigint";
}

// ---------------------------------------------------------------------------------------
// Formatting addresses

function formatV4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function formatV6(value: bigint): string {
  if (value >> 32n === MAPPED_PREFIX) return "::ffff:" + formatV4(Number(value & MAX_V4));
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < 4; k++) {
    const word = Number((value >> BigInt(96 - 32 * k)) & MAX_V4);
    groups[2 * k] = Math.floor(word / 65536);
    groups[2 * k + 1] = word % 65536;
  }
  // RFC 5952 section 4.2: compress the longest run of two or more zero groups, the first
  // one when runs tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += "::";
      k += bestLen - 1;
      continue;
    }
    if (out !== "" && !out.endsWith(":")) out += ":";
    out += groups[k].toString(16);
  }
  return out;
}

/**
 * Canonical text of an address: dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, no
 * leading zeros, longest zero run compressed), IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
export function formatIp(addr: IpAddr): string {
  checkValue(addr.version, addr.value);
  return addr.version === 4 ? formatV4(Number(addr.value)) : formatV6(addr.value);
}

function checkValue(version: IpVersion, value: bigint): void {
  if (version !== 4 && version !== 6) throw new RangeError(`Unknown IP version ${version}`);
  if (typeof value !== "bigint" || value < 0n || value > maxValue(version)) {
    throw new RangeError(`${value} is not an IPv${version} address value`);
  }
}

// ---------------------------------------------------------------------------------------
// Helpers on single addresses

/** The address as an unsigned integer. */
export function addrToBigint(addr: IpAddr): bigint {
  return addr.value;
}

/** The address with this integer value; throws RangeError when it does not fit. */
export function bigintToAddr(version: IpVersion, value: bigint): IpAddr {
  checkValue(version, value);
  return { version, value };
}

/** Orders IPv4 before IPv6, then by value; returns -1, 0 or 1. */
export function compareAddr(a: IpAddr, b: IpAddr): -1 | 0 | 1 {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** The address after this one, or null after the last address of its version. */
export function nextAddr(addr: IpAddr): IpAddr | null {
  return addr.value >= maxValue(addr.version)
    ? null
    : { version: addr.version, value: addr.value + 1n };
}

/** The address before this one, or null before 0.0.0.0 / ::. */
export function prevAddr(addr: IpAddr): IpAddr | null {
  return addr.value <= 0n ? null : { version: addr.version, value: addr.value - 1n };
}

// ---------------------------------------------------------------------------------------
// Prefixes

/** Options for parseCidr. */
export interface ParseCidrOptions {
  /** Refuse host bits after the prefix (10.0.0.1/24); default true. When false they are cleared. */
  strict?: boolean;
}

/**
 * Parses "10.0.0.0/24" or "2001:db8::/32". A bare address is a /32 or /128. In strict mode
 * (the default) an address with host bits set is refused, since it usually means a typo
 * or an interface address where a network was meant.
 */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr {
  const strict = options.strict ?? true;
  const slash = text.indexOf("/");
  if (slash < 0) {
    const addr = parseAt(text, 0, text.length, text);
    return { version: addr.version, network: addr.value, prefix: addrBits(addr.version) };
  }
  if (slash === 0) {
    throw new IpParseError(`"${text}" is not a valid prefix: the address is missing`);
  }
  const addr = parseAt(text, 0, slash, text);
  const bits = addrBits(addr.version);
  const prefix = readPrefixLength(text, slash + 1, bits);
  const mask = hostMask(addr.version, prefix);
  if ((addr.value & mask) !== 0n) {
    const network = addr.value & ~mask;
    if (strict) {
      const shown = `${formatIp({ version: addr.version, value: network })}/${prefix}`;
      throw new IpParseError(
        `"${text}" is not a valid prefix: host bits are set after /${prefix} (the network is ${shown})`,
      );
    }
    return { version: addr.version, network, prefix };
  }
  return { version: addr.version, network: addr.value, prefix };
}

function readPrefixLength(text: string, start: number, bits: number): number {
  const end = text.length;
  const bad = (why: string): never => {
    throw new IpParseError(`"${text}" is not a valid prefix: ${why}`);
  };
  if (start === end) bad(`the length after "/" is missing`);
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) bad(`the length "${text.slice(start)}" is not a number`);
  }
  const n = end - start > 3 ? Infinity : Number(text.slice(start));
  if (n > bits) bad(`length ${text.slice(start)} is out of range (0-${bits})`);
  if (end - start > 1 && text.charCodeAt(start) === 48) {
    bad(`the length "${text.slice(start)}" has a leading zero`);
  }
  return n;
}

/** Whether parseCidr (strict) would accept the text. */
export function isValidCidr(text: string, options: ParseCidrOptions = {}): boolean {
  try {
    parseCidr(text, options);
    return true;
  } catch (e) {
    if (e instanceof IpParseError) return false;
    throw e;
  }
}

/** The prefix of this length that holds the address (host bits cleared). */
export function cidrOf(addr: IpAddr, prefix: number): Cidr {
  checkValue(addr.version, addr.value);
  checkPrefix(addr.version, prefix);
  return {
    version: addr.version,
    network: addr.value & ~hostMask(addr.version, prefix),
    prefix,
  };
}

/** Canonical text of a prefix, such as "2001:db8::/32". */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

/** The last address of the prefix (the IPv4 broadcast address). */
export function lastAddr(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr.version, cidr.prefix);
}

/** Whether the address lies in the prefix. Versions never mix: ::ffff:10.0.0.1 is not in 10.0.0.0/8. */
export function contains(cidr: Cidr, addr: IpAddr): boolean {
  return cidr.version === addr.version &&
    (addr.value & ~hostMask(cidr.version, cidr.prefix)) === cidr.network;
}

/** Whether every address of `inner` lies in `outer` (a prefix contains itself). */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.version === inner.version && inner.prefix >= outer.prefix &&
    (inner.network & ~hostMask(outer.version, outer.prefix)) === outer.network;
}

/** Whether two prefixes share any address; for prefixes that means one contains the other. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.prefix <= b.prefix ? cidrContainsCidr(a, b) : cidrContainsCidr(b, a);
}

/** How many addresses the prefix holds, usable or not. */
export function cidrSize(cidr: Cidr): bigint {
  return hostMask(cidr.version, cidr.prefix) + 1n;
}

/** Options for usableRange and usableSize. */
export interface UsableOptions {
  /**
   * Treat every address as usable, like a NetBox prefix marked "is a pool" (NAT pools,
   * loopback blocks). Default false.
   */
  pool?: boolean;
}

/**
 * The addresses that may be handed to hosts, following NetBox's available-IPs rules:
 * IPv4 leaves out the network and broadcast addresses, except in /31 (RFC 3021) and /32;
 * IPv6 leaves out the Subnet-Router anycast address (the first one, RFC 4291 section
 * 2.6.1), except in /127 (RFC 6164) and /128. With `pool` every address is usable.
 */
export function usableRange(
  cidr: Cidr,
  options: UsableOptions = {},
): { first: bigint; last: bigint } {
  const last = lastAddr(cidr);
  const bits = addrBits(cidr.version);
  if (options.pool || cidr.prefix >= bits - 1) return { first: cidr.network, last };
  if (cidr.version === 4) return { first: cidr.network + 1n, last: last - 1n };
  return { first: cidr.network + 1n, last };
}

/** How many addresses usableRange covers. */
export function usableSize(cidr: Cidr, options: UsableOptions = {}): bigint {
  const r = usableRange(cidr, options);
  return r.last - r.first + 1n;
}

/** The address at this offset from the start of the prefix (0 is the network address). */
export function addrAt(cidr: Cidr, offset: bigint): IpAddr {
  const size = cidrSize(cidr);
  if (offset < 0n || offset >= size) {
    throw new RangeError(
      `Offset ${offset} is outside ${formatCidr(cidr)}, which holds ${size} addresses`,
    );
  }
  return { version: cidr.version, value: cidr.network + offset };
}

/** The offset of an address from the start of the prefix; throws when it is not inside. */
export function offsetOf(cidr: Cidr, addr: IpAddr): bigint {
  if (!contains(cidr, addr)) {
    throw new RangeError(`${formatIp(addr)} is not inside ${formatCidr(cidr)}`);
  }
  return addr.value - cidr.network;
}

// ---------------------------------------------------------------------------------------
// Ranges

/**
 * Parses "10.0.0.10-10.0.0.20" (spaces around the dash allowed) or a single address into
 * an inclusive range. Both ends must be the same version and the first must not come after
 * the last.
 */
export function parseRange(text: string): IpRange {
  const dash = text.indexOf("-");
  if (dash < 0) {
    const a = parseAt(text, 0, text.length, text);
    return { version: a.version, first: a.value, last: a.value };
  }
  if (text.indexOf("-", dash + 1) >= 0) {
    throw new IpParseError(`"${text}" is not a valid range: more than one "-"`);
  }
  let aEnd = dash;
  while (aEnd > 0 && text.charCodeAt(aEnd - 1) === 32) aEnd--;
  let bStart = dash + 1;
  while (bStart < text.length && text.charCodeAt(bStart) === 32) bStart++;
  if (aEnd === 0) throw new IpParseError(`"${text}" is not a valid range: the start is missing`);
  if (bStart === text.length) {
    throw new IpParseError(`"${text}" is not a valid range: the end is missing`);
  }
  const a = parseAt(text, 0, aEnd, text);
  const b = parseAt(text, bStart, text.length, text);
  if (a.version !== b.version) {
    throw new IpParseError(
      `"${text}" is not a valid range: it mixes IPv${a.version} and IPv${b.version}`,
    );
  }
  if (a.value > b.value) {
    throw new IpParseError(
      `"${text}" is not a valid range: the start ${formatIp(a)} comes after the end ${formatIp(b)}`,
    );
  }
  return { version: a.version, first: a.value, last: b.value };
}

/** Canonical text of a range: "first-last", or one address when both ends are equal. */
export function formatRange(range: IpRange): string {
  const first = formatIp({ version: range.version, value: range.first });
  if (range.first === range.last) return first;
  return `${first}-${formatIp({ version: range.version, value: range.last })}`;
}

/** How many addresses the range holds. */
export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}

// ---------------------------------------------------------------------------------------
// MAC addresses

/**
 * Normalises a 48-bit MAC address to lowercase colon form (aa:bb:cc:dd:ee:ff). Accepts
 * aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF (one separator throughout), Cisco aabb.ccdd.eeff
 * and bare aabbccddeeff.
 */
export function validateMac(text: string): string {
  const fail = (why: string): never => {
    throw new MacParseError(`"${text}" is not a valid MAC address: ${why}`);
  };
  const n = text.length;
  let groupLen: number;
  let sep = 0;
  if (n === 17) {
    groupLen = 2;
    sep = text.charCodeAt(2);
    if (sep !== 58 && sep !== 45) fail(`expected ":" or "-" after the first byte`);
  } else if (n === 14 && text.charCodeAt(4) === 46) {
    groupLen = 4;
    sep = 46;
  } else if (n === 12) {
    groupLen = 12;
  } else {
    return fail(
      "expected 6 bytes as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff",
    );
  }
  let out = "";
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (sep !== 0 && (i + 1) % (groupLen + 1) === 0) {
      if (c !== sep) fail(`expected "${String.fromCharCode(sep)}" at position ${i + 1}`);
      continue;
    }
    const d = hexDigit(c);
    if (d < 0) fail(describeChar(text, i));
    if (digits > 0 && digits % 2 === 0) out += ":";
    out += d.toString(16);
    digits++;
  }
  return out;
}
