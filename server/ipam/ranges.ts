// Pool plans and free ranges: which addresses of a pool may ever be handed out, and the free
// space as a short sorted list of inclusive ranges. The allocator keeps these ranges in the
// database so that taking the lowest free address costs the same in an empty pool and in a
// nearly full one; this module computes them from scratch when a pool's exclusions change.
import { formatCidr, formatIp, formatRange } from "./addr_format.ts";
import { contains, lastAddr, usableRange } from "./addr_math.ts";
import { parseCidr, parseIp, parseRange } from "./addr_parse.ts";
import { type Cidr, IpParseError, type IpRange, type IpVersion } from "./addr_types.ts";

/** What a pool is made of, as a user gives it. */
export interface PoolSpec {
  network: string;
  gateway?: string | null;
  dnsServers?: readonly string[];
  reservedRanges?: readonly string[];
}

/** A validated pool: canonical texts and the addresses that are never handed out. */
export interface PoolPlan {
  cidr: Cidr;
  network: string;
  gateway: string | null;
  dnsServers: string[];
  reservedRanges: string[];
  /** The usable span before exclusions (addr_math.ts usableRange). */
  usable: { first: bigint; last: bigint };
  /** Gateway, DNS servers and reserved ranges inside the usable span, sorted and merged. */
  exclusions: Span[];
  /** Addresses of the whole prefix that are never handed out (edges plus exclusions). */
  excludedCount: bigint;
}

/** An inclusive span of address values of one pool. */
export interface Span {
  first: bigint;
  last: bigint;
}

/** A pool field that does not validate; the message names the field. */
export class PoolSpecError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "PoolSpecError";
  }
}

function parseField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof IpParseError) throw new PoolSpecError(field, `${field}: ${err.message}`);
    throw err;
  }
}

/** Validates a pool's addressing and works out its exclusions. Throws PoolSpecError. */
export function planPool(spec: PoolSpec): PoolPlan {
  const cidr = parseField("network", () => parseCidr(spec.network.trim()));
  const network = formatCidr(cidr);
  const inNetwork = (field: string, version: IpVersion, first: bigint, last: bigint) => {
    if (version !== cidr.version || first < cidr.network || last > lastAddr(cidr)) {
      const what = first === last
        ? formatIp({ version, value: first })
        : formatRange({ version, first, last });
      throw new PoolSpecError(field, `${field}: ${what} is not inside the pool network ${network}`);
    }
  };
  const holes: Span[] = [];
  let gateway: string | null = null;
  if (spec.gateway) {
    const g = parseField("gateway", () => parseIp(spec.gateway!.trim()));
    inNetwork("gateway", g.version, g.value, g.value);
    gateway = formatIp(g);
    holes.push({ first: g.value, last: g.value });
  }
  const dnsServers: string[] = [];
  for (const text of spec.dnsServers ?? []) {
    const d = parseField("dnsServers", () => parseIp(text.trim()));
    // DNS servers may live elsewhere (a shared resolver); only those inside are excluded.
    if (contains(cidr, d)) holes.push({ first: d.value, last: d.value });
    else if (d.version !== cidr.version) {
      throw new PoolSpecError(
        "dnsServers",
        `dnsServers: ${
          formatIp(d)
        } is IPv${d.version} but the pool network ${network} is IPv${cidr.version}`,
      );
    }
    const shown = formatIp(d);
    if (!dnsServers.includes(shown)) dnsServers.push(shown);
  }
  const reservedRanges: string[] = [];
  for (const text of spec.reservedRanges ?? []) {
    const r: IpRange = parseField("reservedRanges", () => parseRange(text.trim()));
    inNetwork("reservedRanges", r.version, r.first, r.last);
    holes.push({ first: r.first, last: r.last });
    reservedRanges.push(formatRange(r));
  }
  const usable = usableRange(cidr);
  const exclusions = mergeSpans(
    holes
      .map((h) => ({
        first: h.first < usable.first ? usable.first : h.first,
        last: h.last > usable.last ? usable.last : h.last,
      }))
      .filter((h) => h.first <= h.last),
  );
  const size = lastAddr(cidr) - cidr.network + 1n;
  const usableSize = usable.last - usable.first + 1n;
  const excludedInside = exclusions.reduce((n, s) => n + s.last - s.first + 1n, 0n);
  return {
    cidr,
    network,
    gateway,
    dnsServers,
    reservedRanges,
    usable,
    exclusions,
    excludedCount: size - usableSize + excludedInside,
  };
}

/** Sorts spans and merges those that overlap or touch. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const top = out[out.length - 1];
    if (top && s.first <= top.last + 1n) {
      if (s.last > top.last) top.last = s.last;
    } else out.push({ first: s.first, last: s.last });
  }
  return out;
}

/**
 * The free ranges of a pool: its usable span minus exclusions and minus the given active
 * addresses (any order). Returns the ranges in address order.
 */
export function freeSpans(plan: PoolPlan, active: readonly bigint[]): Span[] {
  const taken = mergeSpans([
    ...plan.exclusions,
    ...active.map((a) => ({ first: a, last: a })),
  ]);
  const out: Span[] = [];
  let cursor = plan.usable.first;
  for (const t of taken) {
    if (t.last < cursor) continue;
    if (t.first > plan.usable.last) break;
    if (t.first > cursor) out.push({ first: cursor, last: t.first - 1n });
    cursor = t.last + 1n;
  }
  if (cursor <= plan.usable.last) out.push({ first: cursor, last: plan.usable.last });
  return out;
}

/** Whether an address value falls in one of the pool's exclusions or outside its usable span. */
export function isExcluded(plan: PoolPlan, value: bigint): boolean {
  if (value < plan.usable.first || value > plan.usable.last) return true;
  return plan.exclusions.some((s) => value >= s.first && value <= s.last);
}
