// The audit trail: every write records who did it, from where and what changed, inside the
// same transaction as the write itself, so a failed call leaves no audit row either.
import type { Queryable } from "./db/db.ts";
import { sql } from "./db/queries.ts";
import type { Actor } from "./tools/tool.ts";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  oldValues?: unknown;
  newValues?: unknown;
}

export async function audit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.query(sql("InsertAudit"), [
    actor.user,
    actor.clientAddr,
    actor.userAgent,
    actor.requestId,
    entry.action,
    entry.entityType,
    entry.entityId == null ? null : String(entry.entityId),
    entry.oldValues === undefined ? null : JSON.stringify(entry.oldValues),
    entry.newValues === undefined ? null : JSON.stringify(entry.newValues),
  ]);
}
