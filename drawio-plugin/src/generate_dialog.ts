// "Generate from inventory…": a form for the scope (site, tag, role, neighbours, grouping) that
// asks the server to draw a new diagram of the inventory (generate-diagram) and opens it as any
// stored diagram is opened. A site opened from NetBox with no diagram yet is offered the same.
/// <reference lib="dom" />
import type { EditorContext } from "./context.ts";
import { button, confirmDialog, el, notice, openDialog } from "./dom.ts";
import { showCells } from "./refresh.ts";
import { errorText, isMissingTool } from "./tool_errors.ts";
import {
  generateArgs,
  generatedText,
  type GenerateForm,
  type GenerateResult,
  type GroupBy,
  scopeChoices,
} from "./inventory_text.ts";

/** Why generate-diagram failed, in words for the form. */
function generateError(err: unknown): string {
  if (isMissingTool(err)) {
    return "This ArchiFlow server does not offer generate-diagram yet, so diagrams cannot be " +
      "generated from the inventory.";
  }
  return errorText(err);
}

/**
 * Generates a diagram and opens it. Unsaved edits on the canvas are asked about first, since
 * the new diagram replaces them. Throws what the server answered (the dialog shows it).
 */
export async function generateAndOpen(
  ctx: EditorContext,
  args: Record<string, unknown>,
): Promise<GenerateResult | null> {
  if (ctx.ui.editor.modified) {
    const ok = await confirmDialog(
      "archiflow-discard",
      "Unsaved edits",
      "The canvas has unsaved edits. Discard them and open the generated diagram?",
      "Discard",
    );
    if (!ok) return null;
  }
  ctx.setStatus("generating from the inventory…");
  const r = await ctx.rpc.tool<GenerateResult>("generate-diagram", args);
  await ctx.openDiagram(String(r.id));
  showCells(ctx.graph);
  ctx.setStatus(generatedText(r));
  return r;
}

/** The "Generate from inventory…" dialog; `preset` fills the form (a site from NetBox). */
export function generateDialog(
  ctx: EditorContext,
  preset: Partial<GenerateForm> = {},
): void {
  const { sites, roles } = scopeChoices(ctx.state.devices);
  const field = (id: string, value = "", list?: string) => {
    const input = el("input", { id, type: "text", style: "width:100%;box-sizing:border-box" });
    if (list) input.setAttribute("list", list);
    input.value = value;
    return input;
  };
  const options = (id: string, values: string[]) =>
    el("datalist", { id }, ...values.map((v) => el("option", { value: v })));
  const name = field("archiflow-generate-name", preset.name ?? "");
  const site = field("archiflow-generate-site", preset.site ?? "", "archiflow-generate-sites");
  const tag = field("archiflow-generate-tag", preset.tag ?? "");
  const role = field("archiflow-generate-role", preset.role ?? "", "archiflow-generate-roles");
  const neighbours = el("input", { id: "archiflow-generate-neighbors", type: "checkbox" });
  neighbours.checked = preset.includeNeighbors ?? false;
  const groupBy = el(
    "select",
    { id: "archiflow-generate-group", style: "width:100%" },
    el("option", { value: "", text: "Server's choice" }),
    el("option", { value: "site", text: "Site" }),
    el("option", { value: "rack", text: "Rack" }),
    el("option", { value: "role", text: "Role" }),
    el("option", { value: "none", text: "No groups" }),
  );
  groupBy.value = preset.groupBy ?? "";
  const error = el("p", {
    id: "archiflow-generate-error",
    role: "alert",
    style: "color:#b00020;white-space:pre-wrap;margin:8px 0 0",
  });
  const label = (text: string, input: HTMLElement) =>
    el("label", { style: "display:block;margin:6px 0", text }, input);
  let busy = false;
  const run = async () => {
    if (busy) return;
    const form = generateArgs({
      name: name.value,
      site: site.value,
      tag: tag.value,
      role: role.value,
      includeNeighbors: neighbours.checked,
      groupBy: groupBy.value as GroupBy | "",
    });
    if ("problem" in form) {
      error.textContent = form.problem;
      return;
    }
    busy = true;
    ok.disabled = true;
    error.textContent = "";
    try {
      const r = await generateAndOpen(ctx, form.args);
      if (r) dlg.close();
    } catch (err) {
      error.textContent = generateError(err);
      ctx.setStatus("not generated");
    } finally {
      busy = false;
      ok.disabled = false;
    }
  };
  const ok = button("archiflow-generate-ok", "Generate", () => void run());
  const dlg = openDialog(
    "archiflow-generate",
    "Generate from inventory",
    el("p", {
      style: "margin:0 0 6px;color:#555",
      text: "Draws the devices and cables of the scope below as a new diagram, bound to the " +
        "inventory. Leave a field empty not to filter by it.",
    }),
    label("Diagram name", name),
    label("Site", site),
    options("archiflow-generate-sites", sites),
    label("Tag", tag),
    label("Role", role),
    options("archiflow-generate-roles", roles),
    el(
      "label",
      { style: "display:flex;gap:6px;align-items:center;margin:6px 0" },
      neighbours,
      "Include neighbours (devices one cable away)",
    ),
    label("Group by", groupBy),
    error,
    el(
      "div",
      { style: "text-align:right;margin-top:10px;display:flex;gap:8px;justify-content:flex-end" },
      button("archiflow-generate-cancel", "Cancel", () => dlg.close()),
      ok,
    ),
  );
  for (const input of [name, site, tag, role]) {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") void run();
    });
    // What went wrong is about the scope as it was; a changed scope has not failed yet.
    input.addEventListener("input", () => error.textContent = "");
  }
  name.focus();
}

/**
 * The editor was opened for a site (from NetBox's Diagram tab) without a diagram: generates the
 * site's diagram at once when asked to (`generate`), else offers to when the site has none.
 */
export async function offerSiteDiagram(
  ctx: EditorContext,
  site: string,
  siteName: string | null,
  generate: boolean,
): Promise<void> {
  const args = { name: siteName ?? site, site };
  const run = async () => {
    document.getElementById("archiflow-site-empty")?.remove();
    try {
      await generateAndOpen(ctx, args);
    } catch (err) {
      ctx.setStatus("not generated");
      // The form, filled in, shows what went wrong and lets the scope be changed.
      generateDialog(ctx, { name: args.name, site });
      const out = document.getElementById("archiflow-generate-error");
      if (out) out.textContent = generateError(err);
    }
  };
  if (generate) return await run();
  try {
    // Diagrams carry the site as ArchiFlow names it, which is NetBox's name for synced sites.
    const r = await ctx.rpc.tool<{ count?: number; diagrams?: unknown[] }>("list-diagrams", {
      site: siteName ?? site,
      limit: 1,
    }, { retry: true });
    if ((r.count ?? r.diagrams?.length ?? 0) > 0) return;
  } catch {
    // Not knowing whether the site has diagrams, offer nothing; Open… still lists them.
    return;
  }
  notice(
    "archiflow-site-empty",
    `Site ${siteName ?? site} has no diagram yet.`,
    "info",
    [{ id: "archiflow-generate-site", label: "Generate diagram for this site", run }],
  );
}
