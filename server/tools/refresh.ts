// refresh-diagram: brings a generated diagram up to date with the inventory. It re-reads the
// scope kept in the diagram's metadata (metadata.generated.scope), merges it into the stored
// XML (diagrams/refresh.ts: adds new devices and cables, marks those that left, updates labels,
// IPs and status, keeps every hand edit) and saves the result through save-diagram itself, so a
// refresh is a version like any save: parsed, stats, inventory, audit, change event. A refresh
// that changes nothing writes nothing.
//
// The diagram stays locked (LockDiagram, as save-diagram takes it) from reading its XML to
// saving the merge, and the save checks that the version is still the one merged into: a save
// made meanwhile waits for the refresh, or the refresh for it, and neither is lost.
import { z } from "zod";
import type { Db, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { DiagramScope } from "../diagrams/inventory_graph.ts";
import { readInventoryScope } from "../diagrams/inventory_scope.ts";
import { changeSummaryText, refreshDiagramXml } from "../diagrams/refresh.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { diagramId } from "./common.ts";
import { aclArgs, type DiagramAccess } from "./diagram_acl.ts";
import { diagramTools } from "./diagrams.ts";
import { defineTool, type ToolContext } from "./tool.ts";

interface Locked {
  id: string;
  name: string;
  version: number;
  access: DiagramAccess | null;
}

/** save-diagram itself: a refresh saves exactly as a person's save does. */
function saveTool() {
  const tool = diagramTools.find((t) => t.name === "save-diagram");
  if (tool === undefined) throw new Error("save-diagram is not defined");
  return tool;
}

/** The Db a tool sees inside the caller's transaction: its transactions become savepoints. */
function inTransaction(db: Db, tx: Tx): Db {
  return {
    kind: db.kind,
    query: (text, params) => tx.query(text, params),
    exec: (script) => tx.exec(script),
    transaction: (fn) => tx.savepoint(fn),
    listen: (channel, fn) => db.listen(channel, fn),
    stats: () => db.stats(),
    close: () => Promise.reject(new Error("A transaction's database cannot be closed")),
  };
}

/** The scope a diagram was generated from, or null when it was not generated. */
function scopeOf(metadata: unknown): DiagramScope | null {
  if (metadata === null || typeof metadata !== "object") return null;
  const generated = (metadata as Record<string, unknown>).generated;
  if (generated === null || typeof generated !== "object") return null;
  const scope = (generated as Record<string, unknown>).scope;
  return scope !== null && typeof scope === "object" ? scope as DiagramScope : null;
}

export async function refreshDiagram(
  args: { id: string; expectedVersion?: number },
  ctx: ToolContext,
): Promise<Record<string, unknown>> {
  return await ctx.db.transaction(async (tx) => {
    const [current] = await tx.query<Locked>(sql("LockDiagram"), [args.id, ...aclArgs(ctx)]);
    if (!current || current.access === null) {
      throw notFound(`Cannot refresh diagram ${args.id}: no such diagram`);
    }
    if (current.access !== "write") {
      throw new AppError(
        "forbidden",
        `Cannot refresh diagram "${current.name}": it is shared with ${ctx.actor.user} read-only`,
      );
    }
    if (args.expectedVersion !== undefined && args.expectedVersion !== current.version) {
      throw new AppError(
        "conflict",
        `Cannot refresh diagram "${current.name}": it is at version ${current.version}, ` +
          `not ${args.expectedVersion}; reload it first`,
        { currentVersion: current.version, expectedVersion: args.expectedVersion },
      );
    }
    const [source] = await tx.query<{ diagram_xml: string | null; metadata: unknown }>(
      sql("RefreshDiagramSource"),
      [args.id],
    );
    const scope = scopeOf(
      typeof source.metadata === "string" ? JSON.parse(source.metadata) : source.metadata,
    );
    if (scope === null) {
      throw invalid(
        `Cannot refresh diagram "${current.name}": it was not generated from the inventory ` +
          "(its metadata has no generated.scope); generate-diagram draws one that can be refreshed",
        { field: "id", reason: "not_generated" },
      );
    }
    const graph = await readInventoryScope(tx, scope, {
      maxDevices: ctx.config.ARCHIFLOW_GENERATE_MAX_DEVICES,
    });
    let merged;
    try {
      merged = await refreshDiagramXml(source.diagram_xml ?? "", graph, {
        maxBytes: ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES,
        maxXmlDepth: ctx.config.ARCHIFLOW_MAX_XML_DEPTH,
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw invalid(
        `Cannot refresh diagram "${current.name}": its stored XML cannot be merged: ${
          (err as Error).message
        }`,
        { field: "id", reason: "unreadable_xml" },
      );
    }
    const result = {
      id: current.id,
      changed: merged.changed,
      version: current.version,
      summary: merged.summary,
      changedCellIds: merged.changedCellIds,
      change_summary: null as string | null,
    };
    if (!merged.changed) return result;
    const changeSummary = changeSummaryText(merged.summary);
    const save = saveTool();
    const saved = await save.handler(
      save.input.parse({
        id: current.id,
        xml: merged.xml,
        changeSummary,
        expectedVersion: current.version,
      }),
      { ...ctx, db: inTransaction(ctx.db, tx) },
    );
    return {
      ...result,
      version: saved.version,
      change_summary: changeSummary,
      stats: saved.stats,
      inventory: saved.inventory,
    };
  });
}

export const refreshDiagramTool = defineTool({
  name: "refresh-diagram",
  description:
    'Bring a generated diagram up to date with the inventory: re-reads the scope it was generated from, adds new devices (next to their neighbours, moving nothing) and cables, marks devices and cables that left (dashed, faded, in the layer "Not in inventory"; never deleted), updates labels, IPs and status, and keeps everything a person moved, added or restyled. Saves a new version (as save-diagram) whose change summary lists what changed, or none when nothing did. Returns { id, changed, version, summary, changedCellIds, change_summary }.',
  scope: "write",
  input: z.object({
    id: diagramId,
    expectedVersion: z.number().int().min(1).optional(),
  }).strict(),
  handler: (args, ctx) => refreshDiagram(args, ctx),
});

export const refreshTools = [refreshDiagramTool];
