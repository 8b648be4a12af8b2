// NetBox tools: run a sync and list past sync runs.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { notFound } from "../errors.ts";
import { applyPlan, diagramDrift, type DiagramModel, planDeploy } from "../netbox/deploy.ts";
import { netboxClientFrom, poolSelectionFrom } from "../netbox/settings.ts";
import { syncNetbox } from "../netbox/sync.ts";
import { diagramId } from "./common.ts";
import { diagramAccess } from "./diagram_acl.ts";
import { defineTool, type ToolContext } from "./tool.ts";

const syncNetboxTool = defineTool({
  name: "sync-netbox",
  description:
    "Mirror NetBox (sites, devices, interfaces, cables, prefixes, IP addresses, VLANs) into ArchiFlow; incremental when a previous run succeeded, unless mode is full.",
  scope: "admin",
  input: z.object({ mode: z.enum(["full", "incremental", "auto"]).optional() }).strict(),
  handler: async (args, ctx) => {
    const client = netboxClientFrom(ctx.config);
    const run = await syncNetbox({
      db: ctx.db,
      client,
      selection: poolSelectionFrom(ctx.config),
      log: ctx.log,
    }, { mode: args.mode ?? "auto" });
    return { ...run };
  },
});

const listSyncRuns = defineTool({
  name: "list-sync-runs",
  description: "Recent NetBox sync runs with their counts, duration and errors, newest first.",
  scope: "read",
  input: z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(),
  handler: async (args, ctx) => {
    return { sync_runs: await ctx.db.query(sql("NbListSyncRuns"), [args.limit]) };
  },
});

async function loadModel(
  ctx: ToolContext,
  id: string,
): Promise<DiagramModel & { name: string }> {
  // Per-user diagram access: a hidden diagram is reported as missing.
  const visible = (await diagramAccess(ctx.db, ctx, id)) !== null;
  const [row] = visible
    ? await ctx.db.query<{ name: string; devices: unknown; links: unknown }>(
      sql("NbGetDiagramModel"),
      [id],
    )
    : [];
  if (!row) throw notFound(`Diagram ${id} does not exist`);
  return {
    name: row.name,
    devices: Array.isArray(row.devices) ? row.devices : [],
    links: Array.isArray(row.links) ? row.links : [],
  };
}

const deployDiagram = defineTool({
  name: "deploy-diagram",
  description:
    "Create in NetBox the devices, interfaces, IP addresses (as primary) and cables a diagram shows and NetBox lacks. Dry run (the default) returns the plan only.",
  scope: "admin",
  input: z.object({
    diagramId,
    dryRun: z.boolean().default(true),
    siteId: z.number().int().positive().optional(),
    roleId: z.number().int().positive().optional(),
    deviceTypeId: z.number().int().positive().optional(),
  }).strict(),
  handler: async (args, ctx) => {
    const client = netboxClientFrom(ctx.config);
    const model = await loadModel(ctx, args.diagramId);
    const plan = await planDeploy(client, model);
    if (args.dryRun) return { diagram_id: args.diagramId, dry_run: true, plan, applied: [] };
    const applied = await applyPlan(client, plan, {
      siteId: args.siteId ?? ctx.config.NETBOX_DEPLOY_SITE_ID,
      roleId: args.roleId ?? ctx.config.NETBOX_DEPLOY_ROLE_ID,
      deviceTypeId: args.deviceTypeId ?? ctx.config.NETBOX_DEPLOY_DEVICE_TYPE_ID,
    });
    await ctx.db.transaction(async (tx) => {
      await audit(tx, ctx.actor, {
        action: "deploy",
        entityType: "diagram",
        entityId: args.diagramId,
        newValues: { netbox: applied },
      });
    });
    return { diagram_id: args.diagramId, dry_run: false, plan, applied };
  },
});

const diagramDriftTool = defineTool({
  name: "diagram-drift",
  description:
    "Compare a diagram with NetBox: devices and links missing on either side, ports and addresses that disagree.",
  scope: "read",
  input: z.object({ diagramId }).strict(),
  handler: async (args, ctx) => {
    const client = netboxClientFrom(ctx.config);
    const model = await loadModel(ctx, args.diagramId);
    const drift = await diagramDrift(client, model);
    const clean = Object.values(drift).every((v) => v.length === 0);
    return { diagram_id: args.diagramId, in_sync: clean, ...drift };
  },
});

export const netboxTools = [syncNetboxTool, listSyncRuns, deployDiagram, diagramDriftTool];
