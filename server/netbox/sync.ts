// Mirrors NetBox into ArchiFlow: sites, VLANs, devices, interfaces, cables, prefixes (pools for the
// selected ones) and IP addresses (allocations inside those pools). Each page is upserted and
// audited in its own transaction, so a failed run keeps every page it fully applied and never a
// half-written object; objects gone from NetBox are swept once their listing has completed.
// Incremental runs ask only for objects changed since the last good run started (NetBox's clock).
import { auditAddress } from "../audit.ts";
import { AppError } from "../errors.ts";
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Actor } from "../auth/actor.ts";
import type { Json, NetboxClient } from "./client.ts";
import {
  cableRow,
  deviceRow,
  FIELDS,
  ipAddressRow,
  type PoolSelection,
  portRow,
  prefixRow,
  siteRow,
  vlanRow,
} from "./mapping.ts";

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

export interface SyncProgress {
  stage: StageName;
  done: number;
  /** Objects NetBox reported for the stage; null when it pages by cursor (4.6+). */
  total: number | null;
}

export interface SyncDeps {
  db: Db;
  client: NetboxClient;
  selection: PoolSelection;
  actor?: Actor;
  log?: Logger;
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncOptions {
  /** "auto" runs incrementally when a previous run against the same NetBox succeeded. */
  mode?: "full" | "incremental" | "auto";
  /** A run still "running" after this long is taken as abandoned (default one hour). */
  abandonAfterSeconds?: number;
}

export interface StageCounts {
  fetched: number;
  /** Milliseconds spent listing and applying pages, and sweeping deletions. */
  timings?: { apply_ms: number; sweep_ms: number };
  created: number;
  updated: number;
  deleted: number;
}

export interface SyncRun {
  id: number;
  mode: "full" | "incremental";
  status: "succeeded" | "failed";
  since: Date | null;
  counts: Record<string, unknown>;
  errors: { stage: string; message: string }[];
  duration_ms: number;
  requests: number;
}

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

interface PageContext {
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
async function auditRows(
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

const bump = (counts: Record<string, number>, key: string, by: number) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Pools of selected prefixes follow the prefix mirror, page by page. */
async function syncPools(ctx: PageContext, prefixIds: number[]): Promise<void> {
  const changed = await ctx.tx.query<Changed>(sql("NbSyncUpsertPools"), [prefixIds]);
  await auditRows(ctx.tx, ctx.actor, "ip_pool", changed);
  bump(ctx.counts, "pools_changed", changed.length);
  if (changed.length) ctx.state.poolsChanged = true;
  for (const p of changed) {
    await publish(ctx.tx, { type: "pool-changed", poolId: p.id, change: "netbox-sync" });
  }
}

async function retirePools(ctx: PageContext): Promise<void> {
  const retired = await ctx.tx.query<Changed>(sql("NbSyncRetirePools"));
  await auditRows(ctx.tx, ctx.actor, "ip_pool", retired, "update");
  bump(ctx.counts, "pools_retired", retired.length);
  if (retired.length) ctx.state.poolsChanged = true;
}

/** Allocations for NetBox addresses inside pools; a clash with a local allocation is an alert. */
export async function syncAllocations(ctx: PageContext, ipIds: number[]): Promise<void> {
  const conflicts = await ctx.tx.query<Record<string, unknown>>(
    sql("NbSyncAllocationConflicts"),
    [ipIds],
  );
  for (const c of conflicts) {
    const [alert] = await ctx.tx.query<{ id: number }>(sql("NbRaiseAlert"), [
      "ip_conflict",
      "warning",
      `${c.ip_address} is in NetBox and allocated locally in pool "${c.pool_name}"`,
      `NetBox IP address ${c.netbox_id} (${c.ip_address}) clashes with local allocation ${c.allocation_id}` +
      (c.device_name ? ` for ${c.device_name}` : "") + "; the local allocation was kept.",
      "ip_allocation",
      String(c.allocation_id),
      `ip_conflict:netbox:${c.pool_id}:${c.ip_address}`,
      JSON.stringify(c),
    ]);
    if (alert) {
      bump(ctx.counts, "conflicts", 1);
      await publish(ctx.tx, { type: "alert", alertId: alert.id, alertType: "ip_conflict" });
    }
  }
  const skip = conflicts.map((c) => Number(c.netbox_id));
  const changed = await ctx.tx.query<Changed & { pool_id: string; old_pool_id: string | null }>(
    sql("NbSyncUpsertAllocations"),
    [ipIds, skip],
  );
  await markRangesStale(ctx.tx, changed.flatMap((c) => [c.pool_id, c.old_pool_id]));
  await auditRows(ctx.tx, ctx.actor, "ip_allocation", changed, "allocate_ip");
  bump(ctx.counts, "allocations_changed", changed.length);
}

/**
 * The sync writes allocations directly, past the allocator's free ranges: the pools it touched
 * rebuild theirs (under their lock) before they next hand out an address.
 */
async function markRangesStale(tx: Tx, poolIds: (string | null)[]): Promise<void> {
  const ids = [...new Set(poolIds.filter((id): id is string => id !== null).map(String))];
  if (ids.length) await tx.query(sql("MarkRangesStale"), [ids]);
}

async function releaseAllocations(ctx: PageContext): Promise<void> {
  const released = await ctx.tx.query<Changed & { pool_id: string }>(
    sql("NbSyncReleaseAllocations"),
  );
  await markRangesStale(ctx.tx, released.map((r) => r.pool_id));
  await auditRows(ctx.tx, ctx.actor, "ip_allocation", released, "release_ip");
  bump(ctx.counts, "allocations_released", released.length);
}

export const STAGES: Stage[] = [
  {
    name: "sites",
    objectType: "dcim.site",
    path: "/api/dcim/sites/",
    fields: FIELDS.sites,
    entity: "site",
    toRow: siteRow,
    upsert: "NbSyncUpsertSites",
    sweep: "NbSyncSweepSites",
  },
  {
    name: "vlans",
    objectType: "ipam.vlan",
    path: "/api/ipam/vlans/",
    fields: FIELDS.vlans,
    entity: "vlan",
    toRow: vlanRow,
    upsert: "NbSyncUpsertVlans",
    sweep: "NbSyncSweepVlans",
  },
  {
    name: "devices",
    objectType: "dcim.device",
    path: "/api/dcim/devices/",
    fields: FIELDS.devices,
    entity: "device",
    toRow: deviceRow,
    adopt: "NbSyncAdoptDevices",
    upsert: "NbSyncUpsertDevices",
    sweep: "NbSyncSweepDevices",
  },
  {
    name: "interfaces",
    objectType: "dcim.interface",
    path: "/api/dcim/interfaces/",
    fields: FIELDS.interfaces,
    entity: "port",
    toRow: portRow,
    adopt: "NbSyncAdoptPorts",
    upsert: "NbSyncUpsertPorts",
    sweep: "NbSyncSweepPorts",
  },
  {
    name: "cables",
    objectType: "dcim.cable",
    path: "/api/dcim/cables/",
    fields: FIELDS.cables,
    entity: "netbox_cable",
    toRow: cableRow,
    upsert: "NbSyncUpsertCables",
    sweep: "NbSyncSweepCables",
    afterPage: async (ctx, ids) => {
      await ctx.tx.query(sql("NbSyncLinkCables"), [ids]);
    },
    afterSweep: async (ctx, removed) => {
      await ctx.tx.query(sql("NbSyncLinkCables"), [removed]);
    },
  },
  {
    name: "prefixes",
    objectType: "ipam.prefix",
    path: "/api/ipam/prefixes/",
    fields: FIELDS.prefixes,
    entity: "netbox_prefix",
    toRow: prefixRow,
    upsert: "NbSyncUpsertPrefixes",
    sweep: "NbSyncSweepPrefixes",
    afterPage: syncPools,
    afterSweep: async (ctx) => {
      await retirePools(ctx);
      await releaseAllocations(ctx);
    },
  },
  {
    name: "ip_addresses",
    objectType: "ipam.ipaddress",
    path: "/api/ipam/ip-addresses/",
    fields: FIELDS.ipAddresses,
    entity: "netbox_ip_address",
    toRow: ipAddressRow,
    upsert: "NbSyncUpsertIpAddresses",
    sweep: "NbSyncSweepIpAddresses",
    afterPage: syncAllocations,
    afterSweep: releaseAllocations,
  },
];

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

/** Runs one sync against NetBox and records it in sync_runs. */
export async function syncNetbox(deps: SyncDeps, options: SyncOptions = {}): Promise<SyncRun> {
  const { db, client, selection } = deps;
  const actor = deps.actor ?? SYNC_ACTOR;
  const requestsBefore = client.requests;
  const version = await client.version();
  await client.request("GET", "/api/status/");
  // NetBox's clock, so that the next incremental run does not depend on ours; one second of
  // overlap covers the Date header's resolution.
  const netboxNow = new Date((client.lastResponseDate ?? new Date()).getTime() - 1000);
  const [last] = await db.query<{ netbox_started_at: Date | null }>(sql("NbLastGoodSyncRun"), [
    client.base,
  ]);
  let mode: "full" | "incremental" = options.mode === "incremental" ? "incremental" : "full";
  if (options.mode === "auto" || options.mode === undefined) {
    mode = last?.netbox_started_at ? "incremental" : "full";
  }
  if (mode === "incremental" && !last?.netbox_started_at) mode = "full";
  const since = mode === "incremental" ? last!.netbox_started_at : null;
  await db.query(sql("NbExpireAbandonedSyncRuns"), [
    client.base,
    options.abandonAfterSeconds ?? 3600,
  ]);
  const [run] = await db.query<{ id: number }>(sql("NbStartSyncRun"), [
    mode,
    client.base,
    version,
    netboxNow,
    since,
  ]).catch((err) => {
    if (err?.code === "23505") {
      throw new AppError("conflict", `A sync from ${client.base} is already running`);
    }
    throw err;
  });
  const started = performance.now();
  const counts: Record<string, number> = {};
  const perStage: Record<string, StageCounts> = {};
  const errors: { stage: string; message: string }[] = [];
  const state = { poolsChanged: false };
  let failed = false;

  for (const stage of STAGES) {
    const c: StageCounts = { fetched: 0, created: 0, updated: 0, deleted: 0 };
    perStage[stage.name] = c;
    const stageStart = performance.now();
    try {
      const present: number[] = [];
      const filters = since ? { last_updated__gte: since.toISOString() } : {};
      for await (const page of client.pages(stage.path, { fields: stage.fields, filters })) {
        if (!page.length) continue;
        const changed = await applyPage(db, stage, page, selection, actor, counts, state);
        c.fetched += page.length;
        for (const r of changed) r.inserted ? c.created++ : c.updated++;
        if (mode === "full") { for (const o of page) present.push(Number(o.id)); }
        deps.onProgress?.({ stage: stage.name, done: c.fetched, total: client.lastCount });
      }
      const listed = performance.now();
      if (mode === "full") {
        c.deleted = await sweepStage(db, stage, present, actor, counts, state);
      } else {
        // Deletions leave no trace in last_updated; NetBox's change log records them.
        const gone = await client.deletedSince(stage.objectType, since!);
        if (gone.length) {
          c.deleted = await db.transaction(async (tx) => {
            let n = 0;
            for (const id of new Set(gone)) {
              n += await removeObject(tx, stage, id, actor, counts, state);
            }
            return n;
          });
        }
      }
      if (stage.name === "ip_addresses" && state.poolsChanged) {
        await reallocateAll(db, actor, counts, state);
      }
      deps.onProgress?.({ stage: stage.name, done: c.fetched, total: c.fetched });
      c.timings = {
        apply_ms: Math.round(listed - stageStart),
        sweep_ms: Math.round(performance.now() - listed),
      };
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? err.message : String(err);
      errors.push({ stage: stage.name, message });
      deps.log?.error("netbox sync stage failed", { stage: stage.name, error: message });
      break;
    }
  }

  const [mirror] = await db.query<Record<string, number>>(sql("NbMirrorCounts"));
  const allCounts = { mirror, stages: perStage, ...counts };
  const requests = client.requests - requestsBefore;
  const finished = await db.transaction(async (tx) => {
    const [row] = await tx.query<Record<string, unknown>>(sql("NbFinishSyncRun"), [
      run.id,
      failed ? "failed" : "succeeded",
      JSON.stringify(allCounts),
      JSON.stringify(errors),
      requests,
    ]);
    await publish(tx, { type: "netbox-synced", runId: run.id, status: row.status });
    return row;
  });
  return {
    id: run.id,
    mode,
    status: failed ? "failed" : "succeeded",
    since,
    counts: allCounts,
    errors,
    duration_ms: Math.round(performance.now() - started),
    requests: Number(finished.requests),
  };
}

/** Re-evaluates every mirrored address after pools changed (a new pool may now contain it). */
async function reallocateAll(
  db: Db,
  actor: Actor,
  counts: Record<string, number>,
  state: { poolsChanged: boolean },
): Promise<void> {
  const ids = (await db.query<{ netbox_id: number }>(sql("NbListMirroredIpIds"))).map((r) =>
    r.netbox_id
  );
  for (let i = 0; i < ids.length; i += 5000) {
    await db.transaction((tx) =>
      syncAllocations({ tx, actor, counts, state }, ids.slice(i, i + 5000))
    );
  }
}
