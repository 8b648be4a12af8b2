// A diagram's versions: the History dialog (restore one, compare two with the differences
// highlighted on the canvas) and publishing the current version.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import type { EditorContext } from "./context.ts";
import { versionOf } from "./diagram.ts";
import { cellChanges } from "./diff.ts";
import { button, confirmDialog, el, message, openDialog } from "./dom.ts";
import { RpcError } from "./rpc.ts";
import { isMissingTool, toolMessage } from "./tool_errors.ts";

/** Calls `tool`, and again with `fallback` arguments when an older server refuses the first. */
async function withFallback<T>(
  ctx: EditorContext,
  tool: string,
  args: Record<string, unknown>,
  fallback: Record<string, unknown>,
  retry: boolean,
): Promise<T> {
  try {
    return await ctx.rpc.tool<T>(tool, args, { retry });
  } catch (err) {
    if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
      return await ctx.rpc.tool<T>(tool, fallback, { retry });
    }
    throw err;
  }
}

export async function historyDialog(ctx: EditorContext): Promise<void> {
  const id = ctx.state.diagramId;
  if (id === null) return void message("archiflow-error", "History", "Save the diagram first.");
  let versions: any[];
  try {
    // The diagram is `id` here, as in load-diagram; `diagramId` is accepted as a fallback.
    const r = await withFallback<any>(
      ctx,
      "list-diagram-versions",
      { id, limit: 100 },
      { diagramId: id },
      true,
    );
    versions = r.versions ?? r.results ?? [];
  } catch (err) {
    return void toolMessage("History", "list-diagram-versions", err);
  }
  const from = el("select", { id: "archiflow-diff-from" });
  const to = el("select", { id: "archiflow-diff-to" });
  const rows = versions.map((v) => {
    const version = versionOf(v);
    for (const s of [from, to]) {
      s.append(el("option", { value: String(version), text: `v${version}` }));
    }
    return el(
      "tr",
      { "data-version": String(version) },
      el("td", { text: `v${version}` }),
      el("td", { text: v.created_at ? new Date(v.created_at).toLocaleString() : "" }),
      el("td", { text: v.created_by ?? "" }),
      el("td", { text: v.change_summary ?? "" }),
      el(
        "td",
        {},
        button(`archiflow-restore-${version}`, "Restore", () => restore(ctx, version, dlg)),
      ),
    );
  });
  if (versions.length > 1) {
    from.value = String(versionOf(versions[1]));
    to.value = String(versionOf(versions[0]));
  }
  const result = el("p", { id: "archiflow-diff-result" });
  const dlg = openDialog(
    "archiflow-history",
    `History of ${ctx.state.name ?? "diagram"}`,
    el("table", { style: "border-collapse:collapse;width:100%" }, ...rows),
    el(
      "div",
      { style: "margin-top:10px;display:flex;gap:6px;align-items:center" },
      "Compare ",
      from,
      " with ",
      to,
      button("archiflow-diff-run", "Compare", () => compare(ctx, +from.value, +to.value, result)),
      button("archiflow-diff-clear", "Clear highlight", () => ctx.setHighlight(new Map())),
    ),
    result,
  );
}

async function restore(ctx: EditorContext, version: number, dlg: { close(): void }) {
  if (ctx.ui.editor.modified) {
    const ok = await confirmDialog(
      "archiflow-restore-confirm",
      "Restore version",
      "Unsaved edits on the canvas will be lost. Restore anyway?",
      "Restore",
    );
    if (!ok) return;
  }
  const id = ctx.state.diagramId!;
  try {
    await ctx.ownWrite(async () => {
      // A server whose tool takes no expectedVersion refuses the extra argument.
      const r = await withFallback<any>(
        ctx,
        "restore-diagram-version",
        { diagramId: id, version, expectedVersion: ctx.state.version ?? undefined },
        { diagramId: id, version },
        false,
      );
      dlg.close();
      await ctx.openDiagram(id);
      ctx.setStatus(`restored version ${version} as version ${r.version ?? ctx.state.version}`);
    });
  } catch (err) {
    toolMessage("Restore", "restore-diagram-version", err);
  }
}

async function compare(ctx: EditorContext, from: number, to: number, out: HTMLElement) {
  try {
    const r = await ctx.rpc.tool<any>("diff-diagram-versions", {
      diagramId: ctx.state.diagramId,
      from,
      to,
    }, { retry: true });
    const c = cellChanges(r);
    const map = new Map<string, string>();
    for (const id of c.added) map.set(id, "#2e7d32");
    for (const id of c.changed) map.set(id, "#f57c00");
    ctx.setHighlight(map);
    out.textContent = `v${from} → v${to}: ${c.added.length} added, ${c.changed.length} changed, ` +
      `${c.removed.length} removed (highlighted: green added, orange changed)`;
  } catch (err) {
    toolMessage("Compare versions", "diff-diagram-versions", err);
  }
}

export async function publish(ctx: EditorContext): Promise<void> {
  const { diagramId, version } = ctx.state;
  if (diagramId === null || version === null) {
    return void message("archiflow-error", "Publish", "Save the diagram first.");
  }
  if (ctx.ui.editor.modified) {
    return void message("archiflow-error", "Publish", "Save your edits before publishing.");
  }
  try {
    await ctx.rpc.tool("publish-diagram-version", { diagramId, version });
    await message("archiflow-info", "Published", `Version ${version} is published.`);
  } catch (err) {
    toolMessage("Publish", "publish-diagram-version", err);
  }
}
