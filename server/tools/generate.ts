// generate-diagram: draws the inventory a scope selects (a site, tag, role or devices, with their
// neighbours if asked) as a new diagram, laid out by ELK, and creates it through save-diagram's
// own create path (version 1, stats, audit, inventory binding). The scope is kept in the
// diagram's metadata (`generated`), where refresh-diagram reads it.
import { z } from "zod";
import { generateInventoryDiagram } from "../diagrams/generate_inventory.ts";
import type { DiagramScope } from "../diagrams/inventory_graph.ts";
import { checkScope, readInventoryScope } from "../diagrams/inventory_scope.ts";
import { notFound } from "../errors.ts";
import { assetId, diagramId } from "./common.ts";
import { createDiagram, parseForSave } from "./diagram_save.ts";
import { defineTool, type ToolContext } from "./tool.ts";

/** How long one diagram's layout may run before it is stopped and the call refused. */
export const LAYOUT_TIMEOUT_MS = 120_000;

const GROUP_BY = ["site", "rack", "role", "none"] as const;

/** The scope fields of generate-diagram's arguments (also accepted by the REST action). */
export const scopeFields = {
  site: z.string().trim().min(1).max(200).optional(),
  tag: z.string().trim().min(1).max(100).optional(),
  role: z.string().trim().min(1).max(100).optional(),
  deviceIds: z.array(assetId).min(1).max(100_000).optional(),
  /** Another name for deviceIds. */
  assetIds: z.array(assetId).min(1).max(100_000).optional(),
  includeNeighbors: z.boolean().optional(),
  groupBy: z.enum(GROUP_BY).optional(),
};

type ScopeArgs = {
  site?: string;
  tag?: string;
  role?: string;
  deviceIds?: string[];
  assetIds?: string[];
  includeNeighbors?: boolean;
  groupBy?: DiagramScope["groupBy"];
};

/** The scope as stored: only what was given, deviceIds and assetIds as one list. */
export function scopeOf(args: ScopeArgs): DiagramScope {
  const scope: DiagramScope = {};
  if (args.site) scope.site = args.site;
  if (args.tag) scope.tag = args.tag;
  if (args.role) scope.role = args.role;
  const ids = [...new Set([...(args.deviceIds ?? []), ...(args.assetIds ?? [])])];
  if (ids.length > 0) scope.deviceIds = ids;
  if (args.includeNeighbors) scope.includeNeighbors = true;
  if (args.groupBy && args.groupBy !== "none") scope.groupBy = args.groupBy;
  return scope;
}

/** The scope in words, for messages: `site "dm-akron", role "core-switch"`. */
function describe(scope: DiagramScope): string {
  const parts: string[] = [];
  if (scope.site) parts.push(`site "${scope.site}"`);
  if (scope.tag) parts.push(`tag "${scope.tag}"`);
  if (scope.role) parts.push(`role "${scope.role}"`);
  if (scope.deviceIds) parts.push(`${scope.deviceIds.length} device id(s)`);
  return parts.join(", ");
}

export interface GenerateArgs extends ScopeArgs {
  id?: string;
  name: string;
  description?: string;
  tags?: string[];
}

/** Reads, lays out and creates the diagram; what save-diagram returns plus `generated`. */
export async function generateDiagram(
  args: GenerateArgs,
  ctx: ToolContext,
): Promise<Record<string, unknown>> {
  const scope = scopeOf(args);
  checkScope(scope);
  const graph = await readInventoryScope(ctx.db, scope, {
    maxDevices: ctx.config.ARCHIFLOW_GENERATE_MAX_DEVICES,
  });
  if (graph.devices.length === 0) {
    throw notFound(`Cannot generate diagram "${args.name}": no device matches ${describe(scope)}`, {
      field: "scope",
      reason: "no_devices",
    });
  }
  // Laid out before the transaction: the database waits for none of the layout's work.
  const drawn = await generateInventoryDiagram(graph, scope, args.name, {
    timeoutMs: LAYOUT_TIMEOUT_MS,
  });
  const parsed = await parseForSave(drawn.xml, ctx);
  const sites = new Set(graph.devices.map((d) => d.site));
  const site = sites.size === 1 ? [...sites][0] : null;
  const generated = {
    devices: drawn.devices,
    links: drawn.links,
    pages: drawn.pages,
    scope,
    ...(drawn.crossPageLinks > 0 ? { linksBetweenPages: drawn.crossPageLinks } : {}),
  };
  const at = new Date().toISOString();
  return await ctx.db.transaction((tx) =>
    createDiagram(
      tx,
      ctx,
      {
        id: args.id,
        name: args.name,
        description: args.description,
        tags: args.tags,
        site: site ?? undefined,
        xml: drawn.xml,
        metadata: { generated: { scope, at } },
        changeSummary: `Generated from the inventory (${describe(scope)}): ${drawn.devices} ` +
          `devices, ${drawn.links} links`,
      },
      parsed,
      { generated },
    )
  );
}

export const generateDiagramTool = defineTool({
  name: "generate-diagram",
  description:
    "Draw the inventory as a new diagram: the devices a scope selects (site slug or name, tag, role, deviceIds/assetIds; with includeNeighbors also those one cable away) as bound shapes, and the cables between them as edges with source_port/target_port, laid out in layers (groupBy site, rack or role draws containers; several sites get a page each). Saved like save-diagram (version 1, audit, inventory); the scope is kept in metadata.generated for refresh-diagram. Returns the diagram plus `generated: { devices, links, pages, scope }`.",
  scope: "write",
  input: z.object({
    id: diagramId.optional(),
    name: z.string().trim().min(1).max(255),
    description: z.string().max(5000).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    ...scopeFields,
  }).strict(),
  handler: (args, ctx) => generateDiagram(args, ctx),
});

export const generateTools = [generateDiagramTool];
