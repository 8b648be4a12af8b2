// The version tools: list a diagram's versions, restore one as the newest, diff two, publish one.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import { diffDiagrams } from "../diagrams/diff.ts";
import type { DiagramJson } from "../diagrams/model.ts";
import { notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { diagramId, limit, offset } from "./common.ts";
import { diagramAccess } from "./diagram_acl.ts";
import { defineTool } from "./tool.ts";
import { afterContentWrite, type DiagramRow, lockForWrite } from "./diagram_save.ts";

export const listDiagramVersions = defineTool({
  name: "list-diagram-versions",
  description:
    "List a diagram's versions newest first, without content: version, name, created_by, created_at, change_summary, is_current (the version the diagram holds now), is_published, stats.",
  scope: "read",
  input: z.object({ id: diagramId, limit, offset }).strict(),
  handler: async (args, ctx) => {
    const visible = (await diagramAccess(ctx.db, ctx, args.id)) !== null;
    const [d] = visible
      ? await ctx.db.query<{ id: string; name: string; current_version: number; total: number }>(
        sql("CountDiagramVersions"),
        [args.id],
      )
      : [];
    if (!d) throw notFound(`Diagram ${args.id} does not exist`);
    const versions = await ctx.db.query(sql("ListDiagramVersions"), [
      args.id,
      args.limit,
      args.offset,
    ]);
    return {
      id: d.id,
      name: d.name,
      current_version: d.current_version,
      count: d.total,
      versions,
    };
  },
});

export const restoreDiagramVersion = defineTool({
  name: "restore-diagram-version",
  description:
    "Restore an old version: writes a NEW version whose content equals the old one (history is kept), with change summary `Restored version N`.",
  scope: "write",
  input: z.object({
    diagramId,
    version: z.number().int().min(1),
    expectedVersion: z.number().int().min(1).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const { has_links } = await lockForWrite(
        tx,
        ctx,
        args.diagramId,
        args.expectedVersion,
        "restore",
      );
      // The content is copied inside the server; its JSON comes back once, for the inventory.
      const [row] = await tx.query<DiagramRow & { diagram_json: DiagramJson | string }>(
        sql("RestoreDiagramVersion"),
        [args.diagramId, args.version, ctx.actor.user],
      );
      if (!row) {
        throw notFound(
          `Cannot restore diagram ${args.diagramId}: it has no version ${args.version}`,
        );
      }
      const { diagram_json: content, stats: _stats, ...saved } = row;
      return await afterContentWrite(tx, ctx, {
        saved,
        diagramJson: typeof content === "string" ? JSON.parse(content) : content,
        action: "restore",
        changeSummary: `Restored version ${args.version}`,
        extra: { restored_from: args.version },
        hasLinks: has_links,
      });
    });
  },
});

export const diffDiagramVersions = defineTool({
  name: "diff-diagram-versions",
  description:
    "Compare two versions of a diagram: per page, cells added, removed and changed (by id), naming which of label, style, geometry, attributes, source, target changed.",
  scope: "read",
  input: z.object({
    diagramId,
    from: z.number().int().min(1),
    to: z.number().int().min(1),
  }).strict(),
  handler: async (args, ctx) => {
    const visible = (await diagramAccess(ctx.db, ctx, args.diagramId)) !== null;
    const rows = visible
      ? await ctx.db.query<{ version: number; diagram_json: DiagramJson | string }>(
        sql("GetVersionJson"),
        [args.diagramId, [args.from, args.to]],
      )
      : [];
    const byVersion = new Map(
      rows.map((r) => [
        r.version,
        (typeof r.diagram_json === "string"
          ? JSON.parse(r.diagram_json)
          : r.diagram_json) as DiagramJson,
      ]),
    );
    for (const v of [args.from, args.to]) {
      if (!byVersion.has(v)) {
        throw notFound(`Diagram ${args.diagramId} has no version ${v}`, {
          diagramId: args.diagramId,
          version: v,
        });
      }
    }
    const diff = diffDiagrams(byVersion.get(args.from)!, byVersion.get(args.to)!);
    return { diagram_id: args.diagramId, from: args.from, to: args.to, ...diff };
  },
});

export const publishDiagramVersion = defineTool({
  name: "publish-diagram-version",
  description:
    "Mark one version as the diagram's live (published) version; the previously published one is unpublished in the same transaction.",
  scope: "write",
  input: z.object({ diagramId, version: z.number().int().min(1) }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      await lockForWrite(tx, ctx, args.diagramId, undefined, "publish");
      const previous = await tx.query<{ version: number }>(
        sql("UnpublishDiagramVersions"),
        [args.diagramId],
      );
      const [row] = await tx.query<Record<string, unknown>>(sql("PublishDiagramVersion"), [
        args.diagramId,
        args.version,
      ]);
      if (!row) {
        throw notFound(
          `Cannot publish diagram ${args.diagramId}: it has no version ${args.version}`,
        );
      }
      const previousVersion = previous[0]?.version ?? null;
      await audit(tx, ctx.actor, {
        action: "publish",
        entityType: "diagram",
        entityId: args.diagramId,
        oldValues: { published_version: previousVersion },
        newValues: { published_version: args.version },
      });
      await publish(tx, {
        type: "diagram-changed",
        diagramId: args.diagramId,
        publishedVersion: args.version,
        by: ctx.actor.user,
      });
      return { ...row, previous_published_version: previousVersion };
    });
  },
});
