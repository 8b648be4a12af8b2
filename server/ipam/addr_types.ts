// The value types of IP address management (addresses, prefixes and ranges held as bigints so
// that IPv6 /48 pools are exact), their error types, and the per-version facts that parsing,
// formatting and arithmetic share. The addr_* modules are pure TypeScript without Deno APIs,
// so the draw.io plugin can bundle them too.

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

export const MAX_V4 = 0xffff_ffffn;
const MAX_V6 = (1n << 128n) - 1n;

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

/** The bits after a prefix of this length, set (for IPv4 /24: 0.0.0.255). */
export function hostMask(version: IpVersion, prefix: number): bigint {
  return version === 4 ? HOST_MASKS_V4[prefix] : HOST_MASKS_V6[prefix];
}

/** Throws RangeError unless the prefix length is an integer from 0 to the version's bits. */
export function checkPrefix(version: IpVersion, prefix: number): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > addrBits(version)) {
    throw new RangeError(`Prefix length ${prefix} is not valid for IPv${version}`);
  }
}

/** Throws RangeError unless the value is an address of this version. */
export function checkValue(version: IpVersion, value: bigint): void {
  if (version !== 4 && version !== 6) throw new RangeError(`Unknown IP version ${version}`);
  if (typeof value !== "bigint" || value < 0n || value > maxValue(version)) {
    throw new RangeError(`${value} is not an IPv${version} address value`);
  }
}
