// Alert tools: list alerts, acknowledge and resolve them. Alerts themselves are raised by the
// system (server/ipam/alerts.ts); every transition is audited and published as an "alert" event.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { id, limit, offset } from "./common.ts";
import { defineTool } from "./tool.ts";

const ALERT_TYPES = ["ip_conflict", "pool_exhausted", "device_down"] as const;
const SEVERITIES = ["info", "warning", "critical"] as const;
const MAX_ID = 2 ** 31 - 1;

const getAlerts = defineTool({
  name: "get-alerts",
  description:
    "List alerts, newest first, filtered by type, severity, acknowledged, resolved, source or entity; with the total count.",
  scope: "read",
  input: z.object({
    type: z.enum(ALERT_TYPES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    acknowledged: z.boolean().optional(),
    resolved: z.boolean().optional(),
    source: z.string().max(200).optional(),
    entityType: z.string().max(100).optional(),
    entityId: z.string().max(200).optional(),
    limit,
    offset,
  }).strict(),
  handler: async (args, ctx) => {
    const rows = await ctx.db.query<Record<string, unknown>>(sql("ListAlerts"), [
      args.type ?? null,
      args.severity ?? null,
      args.acknowledged ?? null,
      args.resolved ?? null,
      args.source ?? null,
      args.entityType ?? null,
      args.entityId ?? null,
      args.limit,
      args.offset,
    ]);
    const count = rows.length ? Number(rows[0].total_count) : 0;
    const alerts = rows.map(({ total_count: _, ...a }) => a);
    return { count, alerts };
  },
});

/** Acknowledge or resolve: one transaction with its audit row and event. */
function transition(action: "acknowledge" | "resolve", query: string) {
  return async (
    args: { id: number },
    ctx: Parameters<Parameters<typeof defineTool>[0]["handler"]>[1],
  ) => {
    return await ctx.db.transaction(async (tx) => {
      // Alert ids are INTEGER: a larger number names no alert.
      const [before] = args.id <= MAX_ID
        ? await tx.query<Record<string, unknown>>(sql("GetAlert"), [args.id])
        : [];
      if (!before) throw notFound(`Cannot ${action} alert ${args.id}: no such alert`);
      const [alert] = await tx.query<Record<string, unknown>>(sql(query), [
        args.id,
        ctx.actor.user,
      ]);
      const changed = action === "acknowledge" ? !before.is_acknowledged : !before.resolved;
      if (changed) {
        // Acknowledging and resolving both change the alert: an "update" whose values show which.
        await audit(tx, ctx.actor, {
          action: "update",
          entityType: "alert",
          entityId: args.id,
          oldValues: before,
          newValues: alert,
        });
        await publish(tx, { type: "alert", alert });
      }
      return alert;
    });
  };
}

const acknowledgeAlert = defineTool({
  name: "acknowledge-alert",
  description: "Acknowledge an alert; the first acknowledgement (who, when) is kept.",
  scope: "write",
  input: z.object({ id }).strict(),
  handler: transition("acknowledge", "AcknowledgeAlert"),
});

const resolveAlert = defineTool({
  name: "resolve-alert",
  description: "Resolve an alert by hand; the first resolution (who, when) is kept.",
  scope: "write",
  input: z.object({ id }).strict(),
  handler: transition("resolve", "ResolveAlert"),
});

export const alertTools = [getAlerts, acknowledgeAlert, resolveAlert];
