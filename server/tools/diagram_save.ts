// The write path every diagram content change shares: size and parse checks (with limits
// named by their settings), the diagram's lock and write checks, creating a diagram, and what
// follows every content write (version row, inventory from shapes, audit, change event).
// save-diagram, the version tools, templates, generate-diagram and refresh-diagram use it.
import { audit } from "../audit.ts";
import type { Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { planInventory, syncInventory } from "../diagrams/inventory.ts";
import { parseDiagram } from "../diagrams/parse.ts";
import { utf8Length } from "../diagrams/compress.ts";
import { DiagramParseError } from "../diagrams/model.ts";
import type { DiagramJson, DiagramLimits } from "../diagrams/model.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { publish } from "../events.ts";
import { aclArgs, type DiagramAccess } from "./diagram_acl.ts";
import { type ToolContext } from "./tool.ts";

/** Refuses XML over the configured size limit. */
export function checkSize(xml: string, ctx: ToolContext): void {
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

export async function parseChecked(xml: string, ctx: ToolContext): Promise<DiagramJson> {
  try {
    return await parseDiagram(xml, diagramLimits(ctx));
  } catch (err) {
    if (err instanceof DiagramParseError) throw diagramRefusal(err);
    throw err;
  }
}

/** How many generated ids a create tries when each is taken by a client-chosen one. */
const ID_ATTEMPTS = 5;

export type DiagramRow = Record<string, unknown> & {
  id: string;
  version: number;
  site: string | null;
};

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
export async function afterContentWrite(
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

export interface LockedDiagram {
  id: string;
  version: number;
  name: string;
  has_links: boolean;
  access: DiagramAccess | null;
}

/** Locks a diagram the caller may see; null when it is missing or hidden from them. */
export async function lockDiagram(tx: Tx, ctx: ToolContext, diagramId: string) {
  const [row] = await tx.query<LockedDiagram>(sql("LockDiagram"), [diagramId, ...aclArgs(ctx)]);
  return row && row.access !== null ? row : null;
}

/** Refuses a write the caller may not make or that is based on another version. */
export function checkWrite(
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
export async function lockForWrite(
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
export function contentParams(d: DiagramJson): [string, string] {
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
