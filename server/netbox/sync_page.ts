// How NetBox objects are written into the mirror: the description of a sync stage, the audit of
// changed rows, and applying a page, removing one object or sweeping what NetBox no longer
// lists, each with the stage's follow-up work in the same transaction. Used by full and
// incremental runs (sync.ts) and by webhooks (webhook.ts) alike.
import { auditAddress } from "../audit.ts";
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { Actor } from "../auth/actor.ts";
import type { Json } from "./client.ts";
import type { PoolSelection } from "./mapping.ts";

export const SYNC_ACTOR: Actor = {
  user: "netbox-sync",
  scope: "admin",
  clientAddr: null,
  userAgent: "archiflow-netbox-sync",
  requestId: null,
};

export type StageName =
  | "sites"
  | "vlans"
  | "devices"
  | "interfaces"
  | "cables"
  | "prefixes"
  | "ip_addresses";

export interface Stage {
  name: StageName;
  path: string;
  /** NetBox's object type, as the change log names it. */
  objectType: string;
  fields: string[];
  entity: string;
  toRow: (o: Json, sel: PoolSelection) => Record<string, unknown>;
  adopt?: string;
  upsert: string;
  sweep: string;
  /** Extra work inside each page's transaction, given the NetBox ids of the page. */
  afterPage?: (ctx: PageContext, ids: number[]) => Promise<void>;
  /** Extra work inside the sweep's transaction, given the NetBox ids swept away. */
  afterSweep?: (ctx: PageContext, removed: number[]) => Promise<void>;
}

export interface PageContext {
  tx: Tx;
  actor: Actor;
  counts: Record<string, number>;
  state: { poolsChanged: boolean };
}

/** A changed mirror row: id is its key (a device's asset id, a pool's id, a port's number). */
export type Changed = {
  id: number | string;
  netbox_id: number;
  inserted?: boolean;
  row: unknown;
};

/**
 * Audits changed rows in one statement. An allocation is audited the way the allocator does
 * it: as allocate_ip or release_ip of its pool, with the allocation row as the value.
 */
export async function auditRows(
  tx: Tx,
  actor: Actor,
  entity: string,
  rows: (Changed & { pool_id?: string })[],
  action?: "delete" | "allocate_ip" | "release_ip" | "update",
): Promise<void> {
  if (!rows.length) return;
  const ofPool = action === "allocate_ip" || action === "release_ip";
  const entries = rows.map((r) => ({
    action: action ?? (r.inserted ? "create" : "update"),
    id: String(ofPool ? r.pool_id : r.id),
    entity_type: ofPool ? "ip_pool" : entity,
    new: action === "delete" ? null : r.row,
    old: action === "delete" ? r.row : null,
  }));
  await tx.query(sql("NbInsertAuditBatch"), [
    actor.user,
    auditAddress(actor.clientAddr),
    actor.userAgent,
    actor.requestId,
    entity,
    JSON.stringify(entries),
  ]);
}

export const bump = (counts: Record<string, number>, key: string, by: number) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Applies NetBox objects of one stage inside the caller's transaction. */
export async function applyObjects(
  tx: Tx,
  stage: Stage,
  objects: Json[],
  selection: PoolSelection,
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<Changed[]> {
  const rows = objects.map((o) => stage.toRow(o, selection));
  const ids = objects.map((o) => Number(o.id));
  const ctx: PageContext = { tx, actor, counts, state };
  if (stage.adopt) await tx.query(sql(stage.adopt), [JSON.stringify(rows)]);
  const changed = await tx.query<Changed>(sql(stage.upsert), [JSON.stringify(rows)]);
  await auditRows(tx, actor, stage.entity, changed);
  if (stage.afterPage) await stage.afterPage(ctx, ids);
  return changed;
}

/** Applies one page of NetBox objects of a stage in its own transaction. */
export function applyPage(
  db: Db,
  stage: Stage,
  objects: Json[],
  selection: PoolSelection,
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<Changed[]> {
  return db.transaction((tx) => applyObjects(tx, stage, objects, selection, actor, counts, state));
}

/** Removes one object NetBox deleted, with the same follow-up as a sweep. */
export async function removeObject(
  tx: Tx,
  stage: Stage,
  netboxId: number,
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<number> {
  const ctx: PageContext = { tx, actor, counts, state };
  const removed = await tx.query<Changed>(sql("NbDeleteMirrored"), [stage.name, netboxId]);
  await auditRows(tx, actor, stage.entity, removed, "delete");
  if (stage.afterSweep) await stage.afterSweep(ctx, removed.map((r) => r.netbox_id));
  return removed.length;
}

export async function sweepStage(
  db: Db,
  stage: Stage,
  present: number[],
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<number> {
  return await db.transaction(async (tx) => {
    const ctx: PageContext = { tx, actor, counts, state };
    const removed = await tx.query<Changed>(sql(stage.sweep), [present]);
    await auditRows(tx, actor, stage.entity, removed, "delete");
    if (stage.afterSweep) await stage.afterSweep(ctx, removed.map((r) => r.netbox_id));
    return removed.length;
  });
}
