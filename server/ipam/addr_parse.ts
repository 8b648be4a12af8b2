// Strict parsers for the text forms of IP addresses, prefixes, ranges and MAC addresses, with
// errors that say what is wrong and where.
//
// Parsers are hand-written loops over char codes rather than regular expressions: they run
// on every address a user or NetBox sends, and a loop has no backtracking to exploit.
import { formatIp } from "./addr_format.ts";
import {
  addrBits,
  type Cidr,
  hostMask,
  type IpAddr,
  IpParseError,
  type IpRange,
  MacParseError,
} from "./addr_types.ts";

// ---------------------------------------------------------------------------------------
// Addresses

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
