// Choosing what to open: the Open dialog (the diagrams this user may see, searchable) and
// "New from template" (a template's variables as a form, instantiated by the server).
/// <reference lib="dom" />
import type { EditorContext } from "./context.ts";
import { button, el, message, openDialog } from "./dom.ts";
import { templateVariables } from "./templates.ts";
import { errorText, toolMessage } from "./tool_errors.ts";

/** A diagram as list-diagrams lists it, as far as the Open dialog reads it. */
interface ListedDiagram {
  id: string | number;
  name: string;
  version: number;
}

/** A template as list-templates lists it; its variables are read by templateVariables(). */
interface ListedTemplate {
  id: string | number;
  name: string;
}

/** What instantiate-template answers: the new diagram (its id, in one of several places) or XML. */
interface Instantiated {
  id?: unknown;
  diagram?: { id?: unknown };
  diagram_id?: unknown;
  xml?: unknown;
}

const TYPE_HINTS: Record<string, string> = {
  ip: "IP address, e.g. 10.0.0.1",
  cidr: "prefix, e.g. 10.0.0.0/24",
  number: "number",
};

export async function openDiagramDialog(ctx: EditorContext): Promise<void> {
  const search = el("input", {
    id: "archiflow-open-search",
    type: "search",
    placeholder: "Search diagrams",
    style: "width:100%;box-sizing:border-box",
  });
  const list = el("div", { id: "archiflow-open-list", style: "margin-top:8px" });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const r = await ctx.rpc.tool<{ diagrams: ListedDiagram[] }>("list-diagrams", {
        q: search.value.trim() || undefined,
        limit: 100,
      }, { retry: true });
      if (mine !== seq) return;
      list.replaceChildren(
        ...r.diagrams.map((d) => {
          const id = String(d.id);
          const open = button(`archiflow-open-${id}`, `${d.name} (v${d.version})`, async () => {
            dlg.close();
            await ctx.openWithCheck(id);
          });
          // Any printable text is an id, so it is found by attribute value, not by selector.
          open.dataset.diagramId = id;
          return el("div", { style: "margin:3px 0" }, open);
        }),
      );
      if (r.diagrams.length === 0) list.textContent = "No diagrams found.";
    } catch (err) {
      list.textContent = errorText(err);
    }
  };
  search.addEventListener("input", () => load());
  const dlg = openDialog("archiflow-open", "Open diagram", search, list);
  await load();
}

export async function newFromTemplateDialog(ctx: EditorContext): Promise<void> {
  let templates: ListedTemplate[];
  try {
    const r = await ctx.rpc.tool<{ templates?: ListedTemplate[]; results?: ListedTemplate[] }>(
      "list-templates",
      {},
      { retry: true },
    );
    templates = r.templates ?? r.results ?? [];
  } catch (err) {
    return void toolMessage("New from template", "list-templates", err);
  }
  if (templates.length === 0) {
    return void message("archiflow-error", "New from template", "There are no templates yet.");
  }
  const select = el("select", { id: "archiflow-template-select", style: "width:100%" });
  for (const t of templates) select.append(el("option", { value: String(t.id), text: t.name }));
  const form = el("div", { id: "archiflow-template-form" });
  const name = el("input", { id: "archiflow-template-name", type: "text", style: "width:100%" });
  const chosen = () => templates.find((x) => String(x.id) === select.value);
  const renderForm = () => {
    form.replaceChildren(
      ...templateVariables(chosen()).map((v) => {
        const input = v.options
          ? el(
            "select",
            { "data-var": v.name, style: "width:100%" },
            ...v.options.map((o) => el("option", { value: o, text: o })),
          )
          : el("input", {
            type: "text",
            "data-var": v.name,
            "data-type": v.type,
            placeholder: TYPE_HINTS[v.type] ?? "",
            style: "width:100%",
          });
        if (v.default !== undefined) input.value = v.default;
        return el("label", {
          style: "display:block;margin:6px 0",
          text: `${v.label}${v.required ? " *" : ""}`,
        }, input);
      }),
    );
  };
  select.addEventListener("change", renderForm);
  renderForm();
  const create = async () => {
    const values: Record<string, string> = {};
    for (const i of form.querySelectorAll<HTMLInputElement>("[data-var]")) {
      // Left empty, an optional variable takes the template's default.
      if (i.value.trim() !== "") values[i.dataset.var!] = i.value.trim();
    }
    try {
      const r = await ctx.rpc.tool<Instantiated>("instantiate-template", {
        templateId: select.value,
        name: name.value.trim() || chosen()?.name || "New diagram",
        values,
      });
      dlg.close();
      const id = r.id ?? r.diagram?.id ?? r.diagram_id;
      if (typeof id === "string" || typeof id === "number") await ctx.openWithCheck(String(id));
      else if (typeof r.xml === "string") ctx.setXml(r.xml);
    } catch (err) {
      toolMessage("New from template", "instantiate-template", err);
    }
  };
  const dlg = openDialog(
    "archiflow-template",
    "New diagram from template",
    select,
    el("label", { style: "display:block;margin:6px 0", text: "Diagram name" }, name),
    form,
    el("div", { style: "text-align:right" }, button("archiflow-template-ok", "Create", create)),
  );
}
