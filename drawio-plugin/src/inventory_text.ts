// What the inventory menu items say and send, without the editor: the arguments of
// generate-diagram from the form, the status lines of a generation and a refresh, and which
// cells a refresh highlights in which colour. Kept apart from the dialogs so it is tested
// without a browser.
import type { DeviceRecord } from "./attrs.ts";

/** Attribute every cell generate-diagram drew carries ("device" or "link"). */
export const GENERATED_ATTR = "archiflow_generated";
/** Attribute a refresh puts on cells whose device or cable left the inventory. */
export const MISSING_ATTR = "archiflow_missing";

export const ADDED_COLOUR = "#2e7d32";
export const UPDATED_COLOUR = "#f57c00";
export const MARKED_COLOUR = "#c62828";

export const NOTHING_CHANGED = "Nothing changed in the inventory";

export interface RefreshResult {
  id: string | number;
  changed: boolean;
  version: number;
  /** Per kind, the devices or links concerned (a list) or their number. */
  summary?: {
    added?: { devices?: Counted; links?: Counted };
    marked?: { devices?: Counted; links?: Counted };
    updated?: { devices?: Counted };
  };
  changedCellIds?: string[];
  change_summary?: string;
}

type Counted = number | unknown[];

const count = (c: Counted | undefined) => Array.isArray(c) ? c.length : Number(c ?? 0);

/** What the highlight needs to know of a cell after the refresh. */
export interface CellSeen {
  /** It was on the canvas before the refresh. */
  before: boolean;
  /** The refresh marked it as gone from the inventory. */
  missing: boolean;
}

/** The colour of each changed cell: added (new), marked (left the inventory) or updated. */
export function refreshHighlight(
  changedCellIds: readonly string[],
  seen: (id: string) => CellSeen | null,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const id of changedCellIds) {
    const s = seen(id);
    if (!s) continue;
    map.set(id, s.missing ? MARKED_COLOUR : s.before ? UPDATED_COLOUR : ADDED_COLOUR);
  }
  return map;
}

/** The status line for a refresh: the server's change summary, or the counts it gave. */
export function refreshText(r: RefreshResult): string {
  if (!r.changed) return NOTHING_CHANGED;
  if (r.change_summary) return r.change_summary;
  const s = r.summary ?? {};
  const parts = [
    `${count(s.added?.devices) + count(s.added?.links)} added`,
    `${count(s.updated?.devices)} updated`,
    `${count(s.marked?.devices) + count(s.marked?.links)} marked as gone`,
  ];
  return `Refreshed from the inventory: ${parts.join(", ")}`;
}

export type GroupBy = "site" | "rack" | "role" | "none";

/** What the form holds, as typed. */
export interface GenerateForm {
  name: string;
  site: string;
  tag: string;
  role: string;
  includeNeighbors: boolean;
  /** "" leaves the grouping to the server. */
  groupBy: GroupBy | "";
}

/** What generate-diagram answers beyond save-diagram's id and version. */
export interface GenerateResult {
  id: string | number;
  version: number;
  name?: string;
  generated?: { devices?: number; links?: number; pages?: number; scope?: unknown };
}

/**
 * The arguments of generate-diagram for a form: blanks left out, so the server sees only the
 * scope the user gave; or the reason the form cannot be sent.
 */
export function generateArgs(
  form: GenerateForm,
): { args: Record<string, unknown> } | { problem: string } {
  const name = form.name.trim();
  if (!name) return { problem: "Give the diagram a name." };
  const args: Record<string, unknown> = { name };
  for (const key of ["site", "tag", "role"] as const) {
    const v = form[key].trim();
    if (v) args[key] = v;
  }
  if (form.includeNeighbors) args.includeNeighbors = true;
  if (form.groupBy) args.groupBy = form.groupBy;
  return { args };
}

/** The sites and roles of the devices the editor has loaded, sorted, for the form's lists. */
export function scopeChoices(devices: DeviceRecord[]): { sites: string[]; roles: string[] } {
  const sites = new Set<string>();
  const roles = new Set<string>();
  for (const d of devices) {
    if (d.site) sites.add(d.site);
    const role = d.metadata?.netbox?.role ?? d.device_type;
    if (role) roles.add(role);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { sites: sorted(sites), roles: sorted(roles) };
}

/** How a generation is told in the status line. */
export function generatedText(r: GenerateResult): string {
  const g = r.generated ?? {};
  const n = (count: number | undefined, one: string) =>
    `${count ?? 0} ${one}${count === 1 ? "" : "s"}`;
  const pages = (g.pages ?? 1) > 1 ? ` on ${g.pages} pages` : "";
  return `generated ${n(g.devices, "device")} and ${
    n(g.links, "link")
  }${pages} (version ${r.version})`;
}
