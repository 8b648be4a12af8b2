// Differences between two parsed versions of a diagram: per page, the cells added, removed and
// changed (matched by cell id), naming which of label, style, geometry, attributes, source,
// target, parent and kind changed, with their values before and after. Pure; snake_case keys
// because the result goes out on the wire as is.
import type { DiagramJson, Edge, Page, Vertex } from "./model.ts";

export type CellField =
  | "kind"
  | "label"
  | "style"
  | "geometry"
  | "attributes"
  | "source"
  | "target"
  | "parent";

export interface CellRef {
  id: string;
  kind: "vertex" | "edge";
  label: string;
}

export interface CellChange extends CellRef {
  changed: CellField[];
  from: Partial<Record<CellField, unknown>>;
  to: Partial<Record<CellField, unknown>>;
}

export interface PageDiff {
  page_id: string;
  name: string;
  status: "added" | "removed" | "changed" | "unchanged";
  /** Set when the page was renamed. */
  previous_name?: string;
  added: CellRef[];
  removed: CellRef[];
  changed: CellChange[];
}

export interface DiagramDiff {
  pages: PageDiff[];
  summary: {
    pages_added: number;
    pages_removed: number;
    cells_added: number;
    cells_removed: number;
    cells_changed: number;
  };
}

type AnyCell = (Vertex & { kind: "vertex" }) | (Edge & { kind: "edge" });

function cellsOf(page: Page | undefined): Map<string, AnyCell> {
  const out = new Map<string, AnyCell>();
  if (page === undefined) return out;
  for (const v of page.vertices) out.set(v.id, { ...v, kind: "vertex" });
  for (const e of page.edges) out.set(e.id, { ...e, kind: "edge" });
  return out;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  return true;
}

function field(cell: AnyCell, f: CellField): unknown {
  switch (f) {
    case "kind":
      return cell.kind;
    case "label":
      return cell.label;
    case "style":
      return cell.style;
    case "geometry":
      return cell.kind === "vertex" ? cell.geometry : null;
    case "attributes":
      return cell.attributes;
    case "source":
      return cell.kind === "edge" ? cell.source : null;
    case "target":
      return cell.kind === "edge" ? cell.target : null;
    case "parent":
      return cell.parent;
  }
}

const FIELDS: CellField[] = [
  "kind",
  "label",
  "style",
  "geometry",
  "attributes",
  "source",
  "target",
  "parent",
];

function changedFields(a: AnyCell, b: AnyCell): CellField[] {
  const out: CellField[] = [];
  for (const f of FIELDS) {
    const x = field(a, f);
    const y = field(b, f);
    let same: boolean;
    if (f === "style" || f === "attributes") {
      same = sameMap(x as Record<string, string>, y as Record<string, string>);
    } else if (f === "geometry") {
      const g = x as Vertex["geometry"] | null;
      const h = y as Vertex["geometry"] | null;
      same = g === h ||
        (g !== null && h !== null && g.x === h.x && g.y === h.y && g.width === h.width &&
          g.height === h.height);
    } else same = x === y;
    if (!same) out.push(f);
  }
  return out;
}

const ref = (c: AnyCell): CellRef => ({ id: c.id, kind: c.kind, label: c.label });

/** Compares two diagrams page by page (pages matched by id, cells by id within a page). */
export function diffDiagrams(from: DiagramJson, to: DiagramJson): DiagramDiff {
  const fromPages = new Map(from.pages.map((p) => [p.id, p]));
  const toPages = new Map(to.pages.map((p) => [p.id, p]));
  const order: string[] = [...to.pages.map((p) => p.id)];
  for (const p of from.pages) if (!toPages.has(p.id)) order.push(p.id);
  const pages: PageDiff[] = [];
  const summary = {
    pages_added: 0,
    pages_removed: 0,
    cells_added: 0,
    cells_removed: 0,
    cells_changed: 0,
  };
  const done = new Set<string>();
  for (const id of order) {
    if (done.has(id)) continue;
    done.add(id);
    const a = fromPages.get(id);
    const b = toPages.get(id);
    const before = cellsOf(a);
    const after = cellsOf(b);
    const diff: PageDiff = {
      page_id: id,
      name: (b ?? a)!.name,
      status: a === undefined ? "added" : b === undefined ? "removed" : "unchanged",
      added: [],
      removed: [],
      changed: [],
    };
    if (a !== undefined && b !== undefined && a.name !== b.name) diff.previous_name = a.name;
    for (const [cid, cell] of after) {
      const old = before.get(cid);
      if (old === undefined) {
        diff.added.push(ref(cell));
        continue;
      }
      const changed = changedFields(old, cell);
      if (changed.length === 0) continue;
      const change: CellChange = { ...ref(cell), changed, from: {}, to: {} };
      for (const f of changed) {
        change.from[f] = field(old, f);
        change.to[f] = field(cell, f);
      }
      diff.changed.push(change);
    }
    for (const [cid, cell] of before) if (!after.has(cid)) diff.removed.push(ref(cell));
    if (
      diff.status === "unchanged" &&
      (diff.added.length || diff.removed.length || diff.changed.length ||
        diff.previous_name !== undefined)
    ) diff.status = "changed";
    if (diff.status === "added") summary.pages_added++;
    if (diff.status === "removed") summary.pages_removed++;
    summary.cells_added += diff.added.length;
    summary.cells_removed += diff.removed.length;
    summary.cells_changed += diff.changed.length;
    pages.push(diff);
  }
  return { pages, summary };
}
