// Arithmetic on addresses, prefixes and ranges: ordering and stepping, containment and
// overlap, sizes, the usable addresses of a prefix and offsets within it.
import { formatCidr, formatIp } from "./addr_format.ts";
import {
  addrBits,
  checkPrefix,
  checkValue,
  type Cidr,
  hostMask,
  type IpAddr,
  type IpRange,
  type IpVersion,
  maxValue,
} from "./addr_types.ts";

/** The netmask of a prefix length as a value (for /24: 255.255.255.0). */
export function netmask(version: IpVersion, prefix: number): bigint {
  checkPrefix(version, prefix);
  return maxValue(version) ^ hostMask(version, prefix);
}

// ---------------------------------------------------------------------------------------
// Single addresses

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

/** How many addresses the range holds. */
export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}
