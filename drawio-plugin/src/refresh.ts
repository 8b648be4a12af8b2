// "Refresh from inventory": asks the server to bring a generated diagram up to date with the
// inventory (refresh-diagram writes a new version that keeps every hand edit), loads that
// version and marks the cells it changed on the canvas, as History's compare does: green added,
// orange updated, red for devices and links that left the inventory.
/// <reference lib="dom" />
import type { EditorContext } from "./context.ts";
import { confirmDialog, notice } from "./dom.ts";
import { cellAttr } from "./drawio_hooks.ts";
import { toolMessage } from "./tool_errors.ts";
import {
  GENERATED_ATTR,
  MISSING_ATTR,
  NOTHING_CHANGED,
  refreshHighlight,
  type RefreshResult,
  refreshText,
} from "./inventory_text.ts";

// deno-lint-ignore no-explicit-any
function cellIds(graph: any): Set<string> {
  return new Set(Object.keys(graph.model.cells ?? {}));
}

/**
 * Brings the given cells (the whole drawing when none are given) into view: a drawing laid out
 * by the server may lie beyond the part of the page shown. Done once draw.io has sized the
 * canvas for the loaded diagram, which it does after the current task.
 */
// deno-lint-ignore no-explicit-any
export function showCells(graph: any, ids: readonly string[] = []): void {
  setTimeout(() => {
    try {
      const model = graph.model;
      const cells = ids.length
        ? ids.map((id) => model.getCell(id)).filter(Boolean)
        : graph.getChildVertices(graph.getDefaultParent());
      const bounds = cells.length ? graph.getBoundingBox(cells) : null;
      if (!bounds) return;
      const c = graph.container;
      // The top left of what changed, a little in from the corner of the view.
      c.scrollLeft = Math.max(0, bounds.x - 40);
      c.scrollTop = Math.max(0, bounds.y - 40);
    } catch { /* a draw.io without these leaves the view as it is */ }
  }, 0);
}

/** Whether the open diagram was drawn by generate-diagram (and so can be refreshed). */
// deno-lint-ignore no-explicit-any
export function isGenerated(graph: any): boolean {
  for (const cell of Object.values(graph.model.cells ?? {})) {
    if (cellAttr(cell, GENERATED_ATTR)) return true;
  }
  return false;
}

/** Whether "Refresh from inventory" applies to what is open: a stored, generated diagram. */
export function canRefresh(ctx: EditorContext): boolean {
  return ctx.state.diagramId !== null && isGenerated(ctx.graph);
}

/** Refreshes the open diagram from the inventory, loads the new version and marks its changes. */
export async function refreshFromInventory(ctx: EditorContext): Promise<RefreshResult | null> {
  const id = ctx.state.diagramId;
  if (id === null || !isGenerated(ctx.graph)) {
    await toolMessage(
      "Refresh from inventory",
      "refresh-diagram",
      new Error(
        "Only a diagram generated from the inventory (Generate from inventory…) can be " +
          "refreshed from it.",
      ),
    );
    return null;
  }
  if (ctx.ui.editor.modified) {
    // The refresh starts from the stored version: edits not saved would be lost, so they are
    // saved first (as a version of their own) or the refresh does not happen.
    const ok = await confirmDialog(
      "archiflow-refresh-confirm",
      "Refresh from inventory",
      "The canvas has unsaved edits. The refresh starts from the saved diagram, so they are " +
        "saved first, as a version of their own.",
      "Save and refresh",
    );
    if (!ok || !(await ctx.save())) return null;
  }
  ctx.setStatus("refreshing from the inventory…");
  document.getElementById("archiflow-refresh-notice")?.remove();
  try {
    return await ctx.ownWrite(async () => {
      // From the version on the canvas: one someone else saved meanwhile is a conflict to see.
      const r = await ctx.rpc.tool<RefreshResult>("refresh-diagram", {
        id,
        expectedVersion: ctx.state.version ?? undefined,
      });
      const text = refreshText(r);
      if (!r.changed) {
        ctx.setStatus(NOTHING_CHANGED);
        notice("archiflow-refresh-notice", NOTHING_CHANGED, "info");
        return r;
      }
      const before = cellIds(ctx.graph);
      await ctx.openDiagram(String(r.id ?? id));
      const model = ctx.graph.model;
      const map = refreshHighlight(r.changedCellIds ?? [], (cellId) => {
        const cell = model.getCell(cellId);
        if (!cell) return null;
        return { before: before.has(cellId), missing: cellAttr(cell, MISSING_ATTR) !== null };
      });
      ctx.setHighlight(map);
      showCells(ctx.graph, [...map.keys()]);
      ctx.setStatus(`version ${r.version}: ${text}`);
      notice("archiflow-refresh-notice", text, "info", [{
        id: "archiflow-refresh-clear",
        label: "Clear highlight",
        run: () => {
          ctx.setHighlight(new Map());
          document.getElementById("archiflow-refresh-notice")?.remove();
        },
      }]);
      return r;
    });
  } catch (err) {
    ctx.setStatus("not refreshed");
    await toolMessage("Refresh from inventory", "refresh-diagram", err);
    return null;
  }
}
