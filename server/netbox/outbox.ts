// Write-back to NetBox through an outbox (NETBOX_PUSH=true): allocations in NetBox pools become
// IP addresses in NetBox and releases delete them. Entries are queued from the database state
// itself, so no allocation path has to remember to queue them, and processed with retries and
// backoff; a NetBox outage delays pushes and loses none. Before creating, the worker looks the
// address up in NetBox, so a push repeated after a crash never creates a duplicate.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { audit } from "../audit.ts";
import type { Logger } from "../log.ts";
import type { Actor } from "../auth/actor.ts";
import type { Json, NetboxClient } from "./client.ts";

export const PUSH_ACTOR: Actor = {
  user: "netbox-push",
  scope: "admin",
  clientAddr: null,
  userAgent: "archiflow-netbox-outbox",
  requestId: null,
};

export interface OutboxReport {
  queued: number;
  done: number;
  failed: number;
  skipped: number;
}

/** Queues what NetBox lacks; returns how many entries were added. */
export async function enqueuePushes(db: Db): Promise<number> {
  return (await db.query(sql("NbOutboxEnqueue"))).length;
}

interface Claimed {
  id: number;
  action: "create_ip" | "delete_ip";
  allocation_id: number | null;
  payload: Json;
  attempts: number;
  allocation_active: boolean | null;
  allocation_netbox_id: number | null;
}

async function pushOne(client: NetboxClient, e: Claimed): Promise<number | null> {
  const p = e.payload;
  if (e.action === "create_ip") {
    const host = String(p.address).split("/")[0];
    const existing = await client.get(
      `/api/ipam/ip-addresses/?address=${encodeURIComponent(host)}&limit=1`,
    );
    const found = (existing?.results as Json[] | undefined)?.[0];
    if (found) return Number(found.id);
    const body: Json = {
      address: p.address,
      status: p.status ?? "active",
      dns_name: p.dns_name ?? "",
      description: p.description ?? "",
    };
    if (typeof p.interface_netbox_id === "number") {
      body.assigned_object_type = "dcim.interface";
      body.assigned_object_id = p.interface_netbox_id;
    }
    const created = await client.post("/api/ipam/ip-addresses/", body);
    return Number(created?.id);
  }
  const id = Number(p.netbox_id);
  try {
    await client.delete(`/api/ipam/ip-addresses/${id}/`);
  } catch (err) {
    // Already gone from NetBox: the release is in effect.
    if (!(err instanceof Error && "kind" in err && err.kind === "not_found")) throw err;
  }
  return id;
}

/** Processes due entries once; `force` ignores backoff (tests, manual retries). */
export async function processOutbox(
  db: Db,
  client: NetboxClient,
  options: { batch?: number; force?: boolean; log?: Logger } = {},
): Promise<OutboxReport> {
  const report: OutboxReport = { queued: await enqueuePushes(db), done: 0, failed: 0, skipped: 0 };
  await db.transaction(async (tx) => {
    const claimed = await tx.query<Claimed>(sql("NbOutboxClaim"), [
      options.batch ?? 50,
      options.force ?? false,
    ]);
    for (const e of claimed) {
      if (e.action === "create_ip" && (e.allocation_active === false || e.allocation_netbox_id)) {
        // Released (or bound by a sync) before it could be pushed: nothing to create.
        await tx.query(sql("NbOutboxDone"), [e.id, e.allocation_netbox_id]);
        report.skipped++;
        continue;
      }
      try {
        const netboxId = await pushOne(client, e);
        if (e.action === "create_ip" && netboxId !== null) {
          await tx.query(sql("NbOutboxBindAllocation"), [e.allocation_id, netboxId]);
        }
        await tx.query(sql("NbOutboxDone"), [e.id, netboxId]);
        await audit(tx, PUSH_ACTOR, {
          action: e.action === "create_ip" ? "push_create" : "push_delete",
          entityType: "ip_allocation",
          entityId: e.allocation_id,
          newValues: { netbox_id: netboxId, ...e.payload },
        });
        report.done++;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await tx.query(sql("NbOutboxRetry"), [e.id, message]);
        options.log?.warn("netbox push failed", { entry: e.id, error: message });
        report.failed++;
      }
    }
  });
  return report;
}

/** Runs the outbox every intervalMs until stopped. */
export function startOutboxWorker(
  db: Db,
  client: NetboxClient,
  intervalMs: number,
  log: Logger,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = processOutbox(db, client, { log })
      .catch((err) => log.warn("netbox outbox run failed", { error: String(err) }))
      .finally(() => (running = null));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
