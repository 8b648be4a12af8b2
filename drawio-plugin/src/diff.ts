// Reads the result of diff-diagram-versions into the cell ids to highlight on the canvas. The
// result shape is read defensively: lists named added/removed/changed/modified (at the top level
// or per page) whose items are cell ids or objects with id/cellId.

export interface CellChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

function ids(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === "string" || typeof item === "number") out.push(String(item));
    else if (item && typeof item === "object") {
      const o = item as Record<string, unknown>;
      const v = o.cellId ?? o.id ?? o.cell_id;
      if (typeof v === "string" || typeof v === "number") out.push(String(v));
    }
  }
  return out;
}

export function cellChanges(result: unknown): CellChanges {
  const out: CellChanges = { added: [], removed: [], changed: [] };
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== "object" || depth > 4) return;
    const o = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(o)) {
      const k = key.toLowerCase();
      if (k === "added") out.added.push(...ids(value));
      else if (k === "removed" || k === "deleted") out.removed.push(...ids(value));
      else if (k === "changed" || k === "modified" || k === "updated") {
        out.changed.push(...ids(value));
      } else if (value && typeof value === "object") {
        if (Array.isArray(value)) value.forEach((v) => visit(v, depth + 1));
        else visit(value, depth + 1);
      }
    }
  };
  visit(result, 0);
  const uniq = (a: string[]) => [...new Set(a)];
  return { added: uniq(out.added), removed: uniq(out.removed), changed: uniq(out.changed) };
}
