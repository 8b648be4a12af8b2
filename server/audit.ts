// The audit trail: every write records who did it, from where and what changed, inside the
// same transaction as the write itself, so a failed call leaves no audit row either. Rows take
// the design document's audit_log columns (action, entity_type, entity_id, old_value,
// new_value, user_id, user_name, ip_address, user_agent, created_at); the words are the
// caller's (create, update, delete, allocate_ip, ...; device, ip_pool, diagram, ...).
import type { Queryable } from "./db/db.ts";
import { sql } from "./db/queries.ts";
import { formatIp } from "./ipam/addr_format.ts";
import { parseIp } from "./ipam/addr_parse.ts";
import type { Actor } from "./auth/actor.ts";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  /** Stored as old_value. */
  oldValues?: unknown;
  /** Stored as new_value. */
  newValues?: unknown;
}

/**
 * The client address as audit_log.ip_address (INET) takes it, or null when it is not an IP
 * address. Addresses come from the peer or from X-Forwarded-For, so they may carry brackets, a
 * port or an IPv6 zone; those are dropped. An IPv4-mapped IPv6 address is the IPv4 client it
 * stands for. The result is canonical text PostgreSQL always accepts, so an odd address never
 * fails the write it is recorded for.
 */
export function auditAddress(addr: string | null | undefined): string | null {
  if (typeof addr !== "string") return null;
  let text = addr.trim();
  if (text === "" || text.length > 100) return null;
  // "[v6]" or "[v6]:port"
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1];
  // "a.b.c.d:port"
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(":"));
  // "fe80::1%eth0": zones are local to the host that saw the address.
  const zone = text.indexOf("%");
  if (zone >= 0 && text.includes(":")) text = text.slice(0, zone);
  try {
    const ip = parseIp(text);
    const mapped = ip.version === 6 && ip.value >> 32n === 0xffffn;
    return mapped ? formatIp({ version: 4, value: ip.value & 0xffffffffn }) : formatIp(ip);
  } catch {
    return null;
  }
}

/** The columns that say who wrote, as every audit statement passes them ($1..$4 here). */
export function auditActor(actor: Actor): [string, string | null, string | null, string | null] {
  return [actor.user, auditAddress(actor.clientAddr), actor.userAgent, actor.requestId];
}

export async function audit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.query(sql("InsertAudit"), [
    ...auditActor(actor),
    entry.action,
    entry.entityType,
    entry.entityId == null ? null : String(entry.entityId),
    entry.oldValues === undefined ? null : JSON.stringify(entry.oldValues),
    entry.newValues === undefined ? null : JSON.stringify(entry.newValues),
  ]);
}
