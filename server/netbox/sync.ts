// Runs one NetBox sync and keeps its record in sync_runs: picks a full or incremental run (since
// the last good run started, on NetBox's clock), walks the stages page by page, sweeps or applies
// deletions, and counts what changed. A failed run keeps every page it fully applied.
import { AppError } from "../errors.ts";
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Actor } from "../auth/actor.ts";
import type { NetboxClient } from "./client.ts";
import type { PoolSelection } from "./mapping.ts";
import { applyPage, removeObject, type StageName, sweepStage, SYNC_ACTOR } from "./sync_page.ts";
import { reallocateAll } from "./sync_pools.ts";
import { STAGES } from "./sync_stages.ts";

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
