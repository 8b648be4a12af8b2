// Pools as get-ip-pools and get-ip-pool return them: each pool with its usage figures and
// bounded samples of its allocated and free addresses, read in one statement (ListPools).
import type { Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { formatIp } from "./addr_format.ts";
import { parseIp } from "./addr_parse.ts";

/** Which pools to list; `poolId` narrows the listing to one pool. */
export interface PoolQuery {
  poolType?: string;
  vlanId?: number;
  active?: boolean;
  /** Text to find in name, description or site, or the start of the network; LIKE-escaped. */
  q?: string;
  poolId?: string;
  limit: number;
  offset: number;
  /** Addresses in each sample; 0 for none. */
  sampleSize: number;
}

/** A row of ListPools. */
interface PoolRow {
  id: string;
  name: string;
  network: string;
  gateway: string | null;
  dns_servers: string[];
  vlan_id: number | null;
  pool_type: string;
  description: string;
  site: string | null;
  is_active: boolean;
  reserved_ranges: string[];
  alert_threshold: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  allocated_count: number;
  /** numeric, as its text. */
  usable_count: string;
  available_count: string;
  usage_percentage: number;
  allocated: string[];
  /** The lowest free ranges, as first-last. */
  available: string[];
}

export type PoolView = ReturnType<typeof poolView>;

/** One page of pools (or the one pool asked for), oldest first. */
export async function listPools(db: Queryable, p: PoolQuery): Promise<PoolView[]> {
  const rows = await db.query<PoolRow>(sql("ListPools"), [
    p.poolType ?? null,
    p.vlanId ?? null,
    p.active ?? null,
    p.q ?? null,
    p.limit,
    p.offset,
    p.sampleSize,
    p.poolId ?? null,
  ]);
  return rows.map((r) => poolView(r, p.sampleSize));
}

/** Counts up to 2^53 as numbers; larger ones (IPv6) as exact decimal strings. */
export function countValue(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/**
 * The pool as the tools return it. Built as one object literal: every pool then has the same
 * shape, which JSON.stringify serialises far faster than the driver's row objects.
 */
function poolView(r: PoolRow, sampleSize: number) {
  return {
    id: r.id,
    name: r.name,
    network: r.network,
    gateway: r.gateway,
    dns_servers: r.dns_servers,
    vlan_id: r.vlan_id,
    pool_type: r.pool_type,
    description: r.description,
    site: r.site,
    is_active: r.is_active,
    reserved_ranges: r.reserved_ranges,
    alert_threshold: r.alert_threshold,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_at: r.updated_at,
    allocated_count: r.allocated_count,
    usable_count: countValue(r.usable_count),
    available_count: countValue(r.available_count),
    usage_percentage: r.usage_percentage,
    allocated: r.allocated,
    available: firstAddresses(r.available, sampleSize),
  };
}

/** The lowest `size` addresses of ascending "first-last" ranges (as PostgreSQL's host() writes). */
export function firstAddresses(ranges: string[], size: number): string[] {
  const out: string[] = [];
  for (const range of ranges) {
    if (out.length >= size) break;
    const dash = range.indexOf("-");
    const first = range.slice(0, dash);
    const last = range.slice(dash + 1);
    if (first.includes(":")) {
      const end = parseIp(last).value;
      for (let v = parseIp(first).value; v <= end && out.length < size; v++) {
        out.push(formatIp({ version: 6, value: v }));
      }
    } else {
      // IPv4 in plain numbers: nearly every pool is IPv4, and bigints cost more.
      const end = v4Number(last);
      for (let v = v4Number(first); v <= end && out.length < size; v++) {
        out.push(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
      }
    }
  }
  return out;
}

/** A dotted-quad address as an unsigned number; the text comes from PostgreSQL, well formed. */
function v4Number(text: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + c - 48;
    }
  }
  return value * 256 + octet;
}
