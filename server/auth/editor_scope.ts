// What a signed editor token may do. The NetBox plugin signs one per page: the Diagrams list
// (no claim), one diagram (`diagram`), or the Diagram tab of a Site (`site`) or a Device
// (`device`). A token grants the tools the draw.io plugin calls (drawio-plugin/src/),
// and within them only what its page was signed for; anything else is refused as `forbidden`
// with the reason. Tools are reached through callTool() on every transport, which asks
// enforceEditorGrant(); routes that are not tools are closed to editor tokens (editorMayUse).
//
// Left out on purpose, although the editor has menu items for them: IP allocation and release
// and pool listing (IPAM writes need an API token), and everything that is not diagram editing
// (devices, ports, templates, alerts other than reading them, sync, sharing, deleting).
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { diagramId } from "../tools/common.ts";

/** The claims of a verified editor token that limit what it grants. */
export interface EditorGrant {
  /** The one diagram the token was signed for (the diagram page), by its text id. */
  diagram?: string;
  /** NetBox site slug (the Site tab): only that site's diagrams and devices. */
  site?: string;
  /** NetBox device id (the Device tab): acts as a token for the device's site. */
  device?: number;
}

/**
 * Editor sessions act as `netbox:<username>`: a NetBox user can never be taken for the API
 * token user of the same name (audit rows, diagram ownership and sharing all use this name).
 */
export const EDITOR_USER_PREFIX = "netbox:";

export function editorUserName(netboxUser: string): string {
  return EDITOR_USER_PREFIX + netboxUser;
}

interface Rule {
  /** The argument naming an existing diagram. */
  diagram?: "id" | "diagramId";
  /** Creates a diagram: always, or when the `diagram` argument is absent. */
  creates?: "always" | "without-id";
  /** Lists diagrams, which a token for one diagram has no use for. */
  listsDiagrams?: true;
  /** Takes a `site` argument that a site-bound token fixes to its site. */
  site?: true;
}

// Each entry is a call the draw.io plugin makes; keep this in step with it.
const RULES: Record<string, Rule> = {
  "load-diagram": { diagram: "id" },
  "save-diagram": { diagram: "id", creates: "without-id", site: true },
  "list-diagram-versions": { diagram: "id" },
  "diff-diagram-versions": { diagram: "diagramId" },
  "restore-diagram-version": { diagram: "diagramId" },
  "publish-diagram-version": { diagram: "diagramId" },
  "list-diagrams": { listsDiagrams: true, site: true },
  "instantiate-template": { creates: "always", site: true },
  "list-templates": {},
  "get-devices": { site: true },
  "get-alerts": {},
  // Generate from inventory (a site-bound token draws its own site only) and refresh.
  "generate-diagram": { creates: "always", site: true },
  "refresh-diagram": { diagram: "id" },
};

/** Tools an editor token may call at all. */
export const EDITOR_TOOLS: readonly string[] = Object.keys(RULES).sort();

const forbidden = (message: string) => new AppError("forbidden", message);

/**
 * Whether an editor token may use a route that is not a tool call. Only the WebSocket and
 * POST /mcp carry tool calls, which enforceEditorGrant() checks; REST reads run their own
 * SQL and /metrics is operational, so they are refused whole: the editor never uses them.
 */
export function editorMayUse(path: string, websocket: boolean): boolean {
  return (websocket && (path === "/" || path === "/ws")) || path === "/mcp";
}

export const EDITOR_ROUTE_REFUSAL =
  "Editor tokens open the diagram editor only (WebSocket and POST /mcp tool calls); " +
  "this route needs an API token";

/**
 * Checks a tool call against the caller's editor grant, before the tool's schema reads the
 * arguments, and returns the arguments to go on with: unchanged for API tokens; for a
 * site-bound token, with `site` fixed to its site where the tool takes one. Throws
 * AppError("forbidden") saying why a call is outside the grant.
 */
export async function enforceEditorGrant(
  ctx: { actor: { editor?: EditorGrant }; db: Pick<Db, "query"> },
  tool: string,
  args: unknown,
): Promise<unknown> {
  const grant = ctx.actor.editor;
  if (!grant) return args;
  const rule = Object.hasOwn(RULES, tool) ? RULES[tool] : undefined;
  if (!rule) {
    throw forbidden(
      `Editor tokens cannot call ${tool}: they grant only the diagram editor's tools ` +
        `(${EDITOR_TOOLS.join(", ")}); use an API token`,
    );
  }
  const given = args ?? {};
  // Every tool above takes an object, so its schema refuses anything else.
  if (typeof given !== "object" || Array.isArray(given)) return given;
  const out = { ...given } as Record<string, unknown>;
  const raw = rule.diagram ? out[rule.diagram] : undefined;
  // Read as the tool's schema reads it (a text id; a number stands for its text), so the id
  // checked is the id used.
  let id: string | undefined;
  if (raw !== undefined) {
    const parsed = diagramId.safeParse(raw);
    if (!parsed.success) {
      throw forbidden(
        `Cannot use diagram ${String(raw).slice(0, 40)} (${tool}): not a diagram id`,
      );
    }
    id = parsed.data;
  }
  const creating = rule.creates === "always" ||
    (rule.creates === "without-id" && id === undefined);

  if (grant.diagram !== undefined) {
    const only = `this editor token was signed for diagram ${grant.diagram} only`;
    if (creating) throw forbidden(`Cannot create a diagram with ${tool}: ${only}`);
    if (rule.listsDiagrams) throw forbidden(`Cannot list diagrams: ${only}`);
    if (id !== undefined && id !== grant.diagram) {
      throw forbidden(`Cannot use diagram ${id} (${tool}): ${only}`);
    }
  }

  if (grant.site === undefined && grant.device === undefined) return out;
  if (!rule.site && !rule.diagram && !rule.creates) return out;
  const site = await grantSite(ctx.db, grant);
  if (rule.site) {
    // The site may be named as NetBox's page named it (its slug, the token's claim) too.
    if (out.site !== undefined && out.site !== site && out.site !== grant.site) {
      throw forbidden(
        `Cannot use site ${String(out.site).slice(0, 200)} (${tool}): this editor token is ` +
          `for site ${site}`,
      );
    }
    // Listing and creating are narrowed to the site; an existing diagram keeps its site.
    if (creating || !rule.diagram) out.site = site;
  }
  if (id !== undefined) {
    const [row] = await ctx.db.query<{ site: string | null }>(sql("EditorDiagramSite"), [id]);
    // A missing diagram is refused like one of another site, so the answer reveals nothing.
    if (row?.site !== site) {
      throw forbidden(
        `Cannot use diagram ${id} (${tool}): this editor token is for the diagrams of site ${site}`,
      );
    }
  }
  return out;
}

/** The site a grant is bound to, as ArchiFlow names sites: its own, or its NetBox device's. */
async function grantSite(db: Pick<Db, "query">, grant: EditorGrant): Promise<string> {
  const [row] = await db.query<{ site: string | null; device_site: string | null }>(
    sql("EditorGrantSite"),
    [grant.site ?? null, grant.device ?? null],
  );
  if (grant.device === undefined) return row.site!;
  if (row.device_site === null) {
    throw forbidden(
      `NetBox device ${grant.device} has no site in ArchiFlow's inventory (sync it from ` +
        "NetBox first), so this editor token grants no diagrams or devices",
    );
  }
  if (row.site !== null && row.site !== row.device_site) {
    throw forbidden(
      `NetBox device ${grant.device} is not at site ${grant.site}, so this editor token grants nothing`,
    );
  }
  return row.device_site;
}
