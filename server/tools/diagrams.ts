// Diagram tools: save (parse on every save, keep every version), load and list.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { parseDiagram } from "../diagrams/parse.ts";
import { DiagramParseError } from "../diagrams/model.ts";
import type { DiagramJson } from "../diagrams/model.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { id, likeEscape, limit, offset } from "./common.ts";
import { defineTool, type ToolContext } from "./tool.ts";

/** Parses XML into diagram_json, turning parser refusals into `invalid` errors. */
export async function parseForSave(xml: string, ctx: ToolContext): Promise<DiagramJson> {
  const bytes = new TextEncoder().encode(xml).length;
  const max = ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES;
  if (bytes > max) {
    throw invalid(
      `Cannot save diagram: its XML is ${bytes} bytes, over the limit of ${max} bytes`,
      {
        field: "xml",
      },
    );
  }
  try {
    return await parseDiagram(xml);
  } catch (err) {
    if (err instanceof DiagramParseError) {
      throw invalid(`Cannot save diagram: ${err.message}`, { field: "xml", reason: err.code });
    }
    throw err;
  }
}

const saveDiagram = defineTool({
  name: "save-diagram",
  description:
    "Save a draw.io diagram (plain or compressed mxfile/mxGraphModel XML). Without id it creates a diagram; with id it stores a new version.",
  scope: "write",
  input: z.object({
    id: id.optional(),
    name: z.string().trim().min(1).max(300).optional(),
    description: z.string().max(5000).optional(),
    xml: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    site: z.string().max(200).optional(),
    changeSummary: z.string().max(2000).optional(),
    expectedVersion: z.number().int().min(1).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    const diagramJson = await parseForSave(args.xml, ctx);
    const json = JSON.stringify(diagramJson);
    return await ctx.db.transaction(async (tx) => {
      let saved: Record<string, unknown>;
      if (args.id === undefined) {
        if (!args.name) throw invalid("Cannot create a diagram without a name", { field: "name" });
        if (args.expectedVersion !== undefined && args.expectedVersion !== 0) {
          throw invalid("expectedVersion applies only when saving an existing diagram (id)");
        }
        [saved] = await tx.query(sql("InsertDiagram"), [
          args.name,
          args.description ?? null,
          args.xml,
          json,
          args.tags ?? null,
          args.metadata === undefined ? null : JSON.stringify(args.metadata),
          args.site ?? null,
          ctx.actor.user,
        ]);
      } else {
        const [current] = await tx.query<{ id: number; version: number; name: string }>(
          sql("LockDiagram"),
          [args.id],
        );
        if (!current) throw notFound(`Cannot save diagram ${args.id}: no such diagram`);
        if (args.expectedVersion !== undefined && args.expectedVersion !== current.version) {
          throw new AppError(
            "conflict",
            `Cannot save diagram "${current.name}": it is at version ${current.version}, ` +
              `not ${args.expectedVersion}; reload it before saving`,
            { currentVersion: current.version, expectedVersion: args.expectedVersion },
          );
        }
        [saved] = await tx.query(sql("UpdateDiagram"), [
          args.id,
          args.name ?? null,
          args.description ?? null,
          args.xml,
          json,
          args.tags ?? null,
          args.metadata === undefined ? null : JSON.stringify(args.metadata),
          args.site ?? null,
          ctx.actor.user,
        ]);
      }
      await tx.query(sql("InsertDiagramVersion"), [
        saved.id,
        saved.version,
        args.xml,
        json,
        args.changeSummary ?? null,
        ctx.actor.user,
      ]);
      await audit(tx, ctx.actor, {
        action: args.id === undefined ? "create" : "update",
        entityType: "diagram",
        entityId: saved.id as number,
        newValues: { ...saved, stats: diagramJson.stats, change_summary: args.changeSummary },
      });
      await publish(tx, {
        type: "diagram-changed",
        diagramId: saved.id,
        version: saved.version,
        by: ctx.actor.user,
      });
      return { ...saved, stats: diagramJson.stats };
    });
  },
});

const loadDiagram = defineTool({
  name: "load-diagram",
  description: "Load a diagram: its stored XML as `xml` and the parsed `diagram_json`.",
  scope: "read",
  input: z.object({ id }).strict(),
  handler: async (args, ctx) => {
    const [row] = await ctx.db.query(sql("GetDiagram"), [args.id]);
    if (!row) throw notFound(`Diagram ${args.id} does not exist`);
    return row;
  },
});

const listDiagrams = defineTool({
  name: "list-diagrams",
  description:
    "List diagrams (without their content), newest first; filter by tag, site, creator or text.",
  scope: "read",
  input: z.object({
    tag: z.string().max(100).optional(),
    site: z.string().max(200).optional(),
    createdBy: z.string().max(200).optional(),
    q: z.string().max(200).optional(),
    limit: limit,
    offset: offset,
  }).strict(),
  handler: async (args, ctx) => {
    const rows = await ctx.db.query<Record<string, unknown>>(sql("ListDiagrams"), [
      args.tag ?? null,
      args.site ?? null,
      args.createdBy ?? null,
      args.q ? likeEscape(args.q) : null,
      args.limit,
      args.offset,
    ]);
    const count = rows.length ? Number(rows[0].total) : 0;
    return { count, diagrams: rows.map(({ total: _total, ...d }) => d) };
  },
});

export const diagramTools = [saveDiagram, loadDiagram, listDiagrams];
