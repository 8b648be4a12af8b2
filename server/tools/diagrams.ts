// Diagram tools: save (parse on every save, keep every version, derive inventory), load, list,
// delete, share and unshare; the version tools are in diagram_versions.ts and the write path they
// share in diagram_save.ts.
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { releaseInventory } from "../diagrams/inventory.ts";
import type { DiagramJson } from "../diagrams/model.ts";
import { invalid, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { diagramId, likeEscape, limit, offset } from "./common.ts";
import { aclArgs, diagramAccess } from "./diagram_acl.ts";
import { RawJson } from "./raw_json.ts";
import { defineTool } from "./tool.ts";
import {
  afterContentWrite,
  checkSize,
  checkWrite,
  contentParams,
  createDiagram,
  type DiagramRow,
  lockDiagram,
  type LockedDiagram,
  lockForWrite,
  parseChecked,
} from "./diagram_save.ts";
import {
  diffDiagramVersions,
  listDiagramVersions,
  publishDiagramVersion,
  restoreDiagramVersion,
} from "./diagram_versions.ts";

const saveDiagram = defineTool({
  name: "save-diagram",
  description:
    'Save a draw.io diagram (plain or compressed mxfile/mxGraphModel XML). With the id of an existing diagram it stores a new version; otherwise it creates the diagram (under the given id, or a new "diagram-N"; a name is required). Shapes with asset_id become devices, and edges with source_port/target_port between them become port connections.',
  scope: "write",
  input: z.object({
    id: diagramId.optional(),
    name: z.string().trim().min(1).max(255).optional(),
    description: z.string().max(5000).optional(),
    xml: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    site: z.string().max(200).optional(),
    changeSummary: z.string().max(2000).optional(),
    expectedVersion: z.number().int().min(1).optional(),
  }).strict(),
  // The XML is parsed inside the transaction, while the diagram's lock is on its way: a refused
  // parse rolls everything back, so nothing is written either way.
  handler: async (args, ctx) => {
    checkSize(args.xml, ctx);
    const create = (tx: Tx, id: string | undefined, parsed: DiagramJson | null) => {
      if (!args.name) throw invalid("Cannot create a diagram without a name", { field: "name" });
      return createDiagram(tx, ctx, { ...args, id, name: args.name }, parsed);
    };
    if (args.id === undefined) {
      if (args.expectedVersion !== undefined) {
        throw invalid("expectedVersion applies only when saving an existing diagram (id)");
      }
      return await ctx.db.transaction((tx) => create(tx, undefined, null));
    }
    const diagramId = args.id;
    return await ctx.db.transaction(async (tx) => {
      const locking = lockDiagram(tx, ctx, diagramId);
      locking.catch(() => {});
      /** Refuses the save itself (before any refusal of its XML); true when it creates. */
      const decide = (current: LockedDiagram | null): boolean => {
        if (current) {
          checkWrite(current, ctx, args.expectedVersion, "save");
          return false;
        }
        if (args.expectedVersion !== undefined) {
          throw notFound(`Cannot save diagram ${diagramId}: no such diagram`);
        }
        if (!args.name) throw invalid("Cannot create a diagram without a name", { field: "name" });
        return true;
      };
      let diagramJson: DiagramJson;
      try {
        diagramJson = await parseChecked(args.xml, ctx);
      } catch (err) {
        decide(await locking);
        throw err;
      }
      const current = await locking;
      // A diagram that does not exist (yet) is created under this id.
      if (decide(current)) return await create(tx, diagramId, diagramJson);
      const [saved] = await tx.query<DiagramRow>(sql("UpdateDiagram"), [
        diagramId,
        args.name ?? null,
        args.description ?? null,
        args.tags ?? null,
        args.metadata === undefined ? null : JSON.stringify(args.metadata),
        args.site ?? null,
        ctx.actor.user,
        args.xml,
        ...contentParams(diagramJson),
      ]);
      return await afterContentWrite(tx, ctx, {
        saved,
        diagramJson,
        action: "update",
        changeSummary: args.changeSummary ?? null,
        hasLinks: current!.has_links,
      });
    });
  },
});

const loadDiagram = defineTool({
  name: "load-diagram",
  description:
    "Load a diagram: its stored XML as `xml` and the parsed `diagram_json`; the current version, or the given `version`.",
  scope: "read",
  input: z.object({ id: diagramId, version: z.number().int().min(1).optional() }).strict(),
  handler: async (args, ctx) => {
    const visible = (await diagramAccess(ctx.db, ctx, args.id)) !== null;
    type Row = Record<string, unknown> & { diagram_json: string };
    // diagram_json is read as JSON text: it goes into the response as it is (see RawJson), not
    // parsed to be serialised again.
    if (args.version === undefined) {
      const [row] = visible ? await ctx.db.query<Row>(sql("GetDiagram"), [args.id]) : [];
      if (!row) throw notFound(`Diagram ${args.id} does not exist`);
      return { ...row, diagram_json: new RawJson(row.diagram_json) };
    }
    const [row] = visible
      ? await ctx.db.query<Row>(sql("GetDiagramVersion"), [args.id, args.version])
      : [];
    if (!row) {
      throw notFound(`Diagram ${args.id} has no version ${args.version}`, {
        id: args.id,
        version: args.version,
      });
    }
    return { ...row, diagram_json: new RawJson(row.diagram_json) };
  },
});

const listDiagrams = defineTool({
  name: "list-diagrams",
  description:
    "List diagrams (without their content), newest first; filter by tag, site, creator or text. Returns the total `count` and one page of `diagrams`.",
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
    const filters = [
      args.tag ?? null,
      args.site ?? null,
      args.createdBy ?? null,
      args.q ? likeEscape(args.q) : null,
    ];
    const acl = aclArgs(ctx);
    const rows = await ctx.db.query<Record<string, unknown>>(sql("ListDiagrams"), [
      ...filters,
      args.limit,
      args.offset,
      ...acl,
    ]);
    let count = rows.length ? Number(rows[0].total) : 0;
    if (rows.length === 0 && args.offset > 0) {
      [{ total: count }] = await ctx.db.query<{ total: number }>(sql("CountDiagrams"), [
        ...filters,
        ...acl,
      ]);
    }
    return {
      count,
      limit: args.limit,
      offset: args.offset,
      diagrams: rows.map(({ total: _total, ...d }) => d),
    };
  },
});

const deleteDiagram = defineTool({
  name: "delete-diagram",
  description:
    "Delete a diagram with all its versions. Links it drew (and no other diagram draws) are unplugged; devices stay.",
  scope: "write",
  input: z.object({ id: diagramId, expectedVersion: z.number().int().min(1).optional() })
    .strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      await lockForWrite(tx, ctx, args.id, args.expectedVersion, "delete");
      const linksDisconnected = await releaseInventory(tx, ctx.actor, args.id);
      const [deleted] = await tx.query<DiagramRow>(sql("DeleteDiagram"), [args.id]);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "diagram",
        entityId: args.id,
        oldValues: deleted,
        newValues: { links_disconnected: linksDisconnected },
      });
      await publish(tx, {
        type: "diagram-changed",
        diagramId: args.id,
        deleted: true,
        by: ctx.actor.user,
      });
      return { ...deleted, deleted: true, links_disconnected: linksDisconnected };
    });
  },
});

const shareDiagram = defineTool({
  name: "share-diagram",
  description:
    "Share a diagram with a user (ARCHIFLOW_DIAGRAM_ACL=owner): they may read it, and write it when canWrite. Sharing again changes canWrite.",
  scope: "write",
  input: z.object({
    diagramId,
    user: z.string().trim().min(1).max(200),
    canWrite: z.boolean().default(false),
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      await lockForWrite(tx, ctx, args.diagramId, undefined, "share");
      const [row] = await tx.query<Record<string, unknown>>(sql("UpsertDiagramShare"), [
        args.diagramId,
        args.user,
        args.canWrite,
        ctx.actor.user,
      ]);
      await audit(tx, ctx.actor, {
        action: "share",
        entityType: "diagram",
        entityId: args.diagramId,
        newValues: { user_name: args.user, can_write: args.canWrite },
      });
      return row;
    });
  },
});

const unshareDiagram = defineTool({
  name: "unshare-diagram",
  description: "Stop sharing a diagram with a user.",
  scope: "write",
  input: z.object({ diagramId, user: z.string().trim().min(1).max(200) }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      await lockForWrite(tx, ctx, args.diagramId, undefined, "unshare");
      const [row] = await tx.query<Record<string, unknown>>(sql("DeleteDiagramShare"), [
        args.diagramId,
        args.user,
      ]);
      if (!row) {
        throw notFound(`Diagram ${args.diagramId} is not shared with ${args.user}`);
      }
      await audit(tx, ctx.actor, {
        action: "unshare",
        entityType: "diagram",
        entityId: args.diagramId,
        oldValues: row,
      });
      return { ...row, unshared: true };
    });
  },
});

export const diagramTools = [
  saveDiagram,
  loadDiagram,
  listDiagrams,
  deleteDiagram,
  listDiagramVersions,
  restoreDiagramVersion,
  diffDiagramVersions,
  publishDiagramVersion,
  shareDiagram,
  unshareDiagram,
];
