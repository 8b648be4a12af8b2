// NetBox tools: run a sync and list past sync runs.
import { z } from "zod";
import { sql } from "../db/queries.ts";
import { netboxClientFrom, poolSelectionFrom } from "../netbox/settings.ts";
import { syncNetbox } from "../netbox/sync.ts";
import { defineTool } from "./tool.ts";

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

export const netboxTools = [syncNetboxTool, listSyncRuns];
