// Canonical text of addresses, prefixes and ranges: dotted quads for IPv4 and RFC 5952 for
// IPv6, so that equal values always print the same way in the database, audit and replies.
import { checkValue, type Cidr, type IpAddr, type IpRange, MAX_V4 } from "./addr_types.ts";

const MAPPED_PREFIX = 0xffffn; // ::ffff:0:0/96, RFC 4291 section 2.5.5.2

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

/** Canonical text of a prefix, such as "2001:db8::/32". */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

/** Canonical text of a range: "first-last", or one address when both ends are equal. */
export function formatRange(range: IpRange): string {
  const first = formatIp({ version: range.version, value: range.first });
  if (range.first === range.last) return first;
  return `${first}-${formatIp({ version: range.version, value: range.last })}`;
}
