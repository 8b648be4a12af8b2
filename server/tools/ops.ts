// Operations tools: database status for administrators.
import { z } from "zod";
import { getDbStatus } from "../ops/db_status.ts";
import { defineTool } from "./tool.ts";

const getDbStatusTool = defineTool({
  name: "get-db-status",
  description:
    "Database status: connections, statements running longer than a threshold, table sizes, cache hit ratio and the slowest statements (when pg_stat_statements is available).",
  scope: "admin",
  input: z.object({
    longRunningSeconds: z.number().min(0).max(86_400).default(30),
    slowestLimit: z.number().int().min(1).max(100).default(10),
  }).strict(),
  handler: async (args, ctx) => {
    return { ...await getDbStatus(ctx.db, args) };
  },
});

export const opsTools = [getDbStatusTool];
