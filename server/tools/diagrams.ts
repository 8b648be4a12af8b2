// Diagram tools: save (parse on every save, keep every version, derive inventory), load, list,
// delete, and the version tools: list, restore, diff and publish.
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { diffDiagrams } from "../diagrams/diff.ts";
import { planInventory, releaseInventory, syncInventory } from "../diagrams/inventory.ts";
import { parseDiagram } from "../diagrams/parse.ts";
import { utf8Length } from "../diagrams/compress.ts";
import { DiagramParseError } from "../diagrams/model.ts";
import type { DiagramJson, DiagramLimits } from "../diagrams/model.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { diagramId, likeEscape, limit, offset } from "./common.ts";
import { aclArgs, type DiagramAccess, diagramAccess } from "./diagram_acl.ts";
import { RawJson } from "./raw_json.ts";
import { defineTool, type ToolContext } from "./tool.ts";

export { utf8Length };

/** Refuses XML over the configured size limit. */
function checkSize(xml: string, ctx: ToolContext): void {
  const max = ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES;
  // A UTF-16 unit is at most 3 UTF-8 bytes: most documents need no counting at all.
  const bytes = xml.length * 3 <= max ? 0 : utf8Length(xml);
  if (bytes > max) {
    throw invalid(
      `Cannot save diagram: its XML is ${bytes} bytes, over the limit of ${max} bytes (set by ${LIMIT_SETTINGS.maxBytes})`,
      { field: "xml", reason: "too_large", limit: max, setting: LIMIT_SETTINGS.maxBytes },
    );
  }
}

/** Parses XML into diagram_json, turning parser refusals into `invalid` errors. */
export async function parseForSave(xml: string, ctx: ToolContext): Promise<DiagramJson> {
  checkSize(xml, ctx);
  return await parseChecked(xml, ctx);
}

/** The settings behind the parser's limits, named in refusals. */
const LIMIT_SETTINGS: Record<keyof DiagramLimits, string> = {
  maxBytes: "ARCHIFLOW_MAX_DIAGRAM_BYTES",
  maxCells: "ARCHIFLOW_MAX_DIAGRAM_CELLS",
  maxXmlDepth: "ARCHIFLOW_MAX_XML_DEPTH",
};

/** The parser's limits from the configuration. */
function diagramLimits(ctx: ToolContext): DiagramLimits {
  return {
    maxBytes: ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES,
    maxCells: ctx.config.ARCHIFLOW_MAX_DIAGRAM_CELLS,
    maxXmlDepth: ctx.config.ARCHIFLOW_MAX_XML_DEPTH,
  };
}

/** The `invalid` error a parser refusal becomes; a limit's refusal names its setting. */
export function diagramRefusal(err: DiagramParseError, what = "save diagram"): AppError {
  if (err.limit === undefined) {
    return invalid(`Cannot ${what}: ${err.message}`, { field: "xml", reason: err.code });
  }
  const setting = LIMIT_SETTINGS[err.limit.name];
  return invalid(`Cannot ${what}: ${err.message} (set by ${setting})`, {
    field: "xml",
    reason: err.code,
    limit: err.limit.value,
    setting,
  });
}

async function parseChecked(xml: string, ctx: ToolContext): Promise<DiagramJson> {
  try {
    return await parseDiagram(xml, diagramLimits(ctx));
  } catch (err) {
    if (err instanceof DiagramParseError) throw diagramRefusal(err);
    throw err;
  }
}

/** How many generated ids a create tries when each is taken by a client-chosen one. */
const ID_ATTEMPTS = 5;

type DiagramRow = Record<string, unknown> & { id: string; version: number; site: string | null };

/** One write of new content to a diagram, as afterContentWrite completes it. */
interface ContentWrite {
  /** The diagrams row, moved to its new version with its new content. */
  saved: DiagramRow;
  diagramJson: DiagramJson;
  /** The audit row's action. */
  action: "create" | "update" | "restore";
  changeSummary: string | null;
  /** Fields added to the result and the audit row. */
  extra?: Record<string, unknown>;
  /** Whether the diagram has made links before (its save may have to unplug some). */
  hasLinks?: boolean;
  /** Statements the caller sent and did not wait for. */
  pending?: Promise<unknown>[];
}

/**
 * What every write of new content does after the diagrams row moved to its new version: the
 * version row keeping it (the current one from now on), inventory from shapes, the audit row and
 * the change event, all in the caller's transaction and sent together. Statements the caller
 * left pending are awaited here with the rest, so that a failure of any is handled.
 */
async function afterContentWrite(
  tx: Tx,
  ctx: ToolContext,
  write: ContentWrite,
): Promise<Record<string, unknown>> {
  const { saved, diagramJson, action, changeSummary } = write;
  const { extra = {}, hasLinks = false, pending = [] } = write;
  // A diagram that has made no links (one created in this transaction, or a drawing without
  // network shapes) has none to unplug.
  const syncing = syncInventory(
    tx,
    ctx.actor,
    saved.id,
    planInventory(diagramJson, saved.site),
    !hasLinks,
  );
  // The change event is known already: it goes out with the first statements (NOTIFY delivers
  // it at commit only).
  const notifying = publish(tx, {
    type: "diagram-changed",
    diagramId: saved.id,
    version: saved.version,
    by: ctx.actor.user,
  });
  // The version row copies what the diagrams row now holds, inside the database.
  const versioning = Promise.all([
    tx.query(sql("ClearCurrentVersion"), [saved.id]),
    tx.query(sql("InsertDiagramVersion"), [saved.id, changeSummary, ctx.actor.user]),
  ]);
  // Awaited together: the first failure is thrown (and the transaction rolled back); the others
  // then fail only because the transaction is aborted.
  const [{ summary: inventory, newLinks }] = await Promise.all([
    syncing,
    versioning,
    notifying,
    ...pending,
  ]);
  await audit(tx, ctx.actor, {
    action,
    entityType: "diagram",
    entityId: saved.id,
    newValues: {
      ...saved,
      ...extra,
      stats: diagramJson.stats,
      change_summary: changeSummary,
      inventory: {
        ...inventory,
        skipped: undefined,
        new_links: newLinks.rows.length === 0 ? undefined : newLinks,
      },
    },
  });
  return { ...saved, ...extra, stats: diagramJson.stats, inventory };
}

interface LockedDiagram {
  id: string;
  version: number;
  name: string;
  has_links: boolean;
  access: DiagramAccess | null;
}

/** Locks a diagram the caller may see; null when it is missing or hidden from them. */
async function lockDiagram(tx: Tx, ctx: ToolContext, diagramId: string) {
  const [row] = await tx.query<LockedDiagram>(sql("LockDiagram"), [diagramId, ...aclArgs(ctx)]);
  return row && row.access !== null ? row : null;
}

/** Refuses a write the caller may not make or that is based on another version. */
function checkWrite(
  current: LockedDiagram,
  ctx: ToolContext,
  expectedVersion: number | undefined,
  what: string,
): void {
  if (current.access !== "write") {
    throw new AppError(
      "forbidden",
      `Cannot ${what} diagram "${current.name}": it is shared with ${ctx.actor.user} read-only`,
    );
  }
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new AppError(
      "conflict",
      `Cannot ${what} diagram "${current.name}": it is at version ${current.version}, ` +
        `not ${expectedVersion}; reload it first`,
      { currentVersion: current.version, expectedVersion },
    );
  }
}

/**
 * Locks a diagram and checks that the caller may write it (a hidden diagram is reported as
 * missing) and the caller's expected version.
 */
async function lockForWrite(
  tx: Tx,
  ctx: ToolContext,
  diagramId: string,
  expectedVersion: number | undefined,
  what: string,
): Promise<LockedDiagram> {
  const current = await lockDiagram(tx, ctx, diagramId);
  if (!current) throw notFound(`Cannot ${what} diagram ${diagramId}: no such diagram`);
  checkWrite(current, ctx, expectedVersion, what);
  return current;
}

export interface NewDiagram {
  /** The id the client chose; without one, the next "diagram-N". */
  id?: string;
  name: string;
  description?: string;
  xml: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  site?: string;
  changeSummary?: string;
}

/** The parsed content a diagrams row stores beside its XML: diagram_json and its stats. */
function contentParams(d: DiagramJson): [string, string] {
  return [JSON.stringify(d), JSON.stringify(d.stats)];
}

/**
 * Creates a diagram at version 1, with inventory, audit and event. Without `parsed`, the XML is
 * parsed here. A client-chosen id that is taken is a conflict; a generated one that a client
 * chose already is skipped.
 */
export async function createDiagram(
  tx: Tx,
  ctx: ToolContext,
  d: NewDiagram,
  parsed: DiagramJson | null,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const diagramJson = parsed ?? await parseChecked(d.xml, ctx);
  const fields = [
    d.name,
    d.description ?? null,
    d.tags ?? null,
    d.metadata === undefined ? null : JSON.stringify(d.metadata),
    d.site ?? null,
    ctx.actor.user,
    d.xml,
    ...contentParams(diagramJson),
  ];
  const insert = () =>
    d.id === undefined
      ? tx.query<DiagramRow>(sql("InsertNumberedDiagram"), fields)
      : tx.query<DiagramRow>(sql("InsertDiagram"), [d.id, ...fields]);
  let [saved] = await insert();
  for (let attempt = 1; !saved && d.id === undefined && attempt < ID_ATTEMPTS; attempt++) {
    [saved] = await insert();
  }
  if (!saved) {
    throw new AppError(
      "conflict",
      d.id === undefined
        ? "Cannot create diagram: no free diagram id was found; try again"
        : `Cannot create diagram "${d.name}": the id ${d.id} is taken`,
      { field: "id" },
    );
  }
  return await afterContentWrite(tx, ctx, {
    saved,
    diagramJson,
    action: "create",
    changeSummary: d.changeSummary ?? null,
    extra,
  });
}

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

const listDiagramVersions = defineTool({
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

const restoreDiagramVersion = defineTool({
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

const diffDiagramVersions = defineTool({
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

const publishDiagramVersion = defineTool({
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
