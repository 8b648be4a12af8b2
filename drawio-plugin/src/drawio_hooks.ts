// Where the editor meets draw.io: the ArchiFlow menu and its actions, the status and alerts
// marks in the menu bar, the diagram's title, view-only colours, reading and replacing the
// canvas, and what draw.io must not do in embed mode (its scratchpad keeps content in the
// browser). draw.io's objects are untyped here: its API is global JavaScript.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import { statusColour } from "./attrs.ts";
import { el } from "./dom.ts";

declare const mxResources: any;

/** The ArchiFlow menu's items ("-" is a separator) with their names as shown. */
const MENU: [string, string][] = [
  ["afOpen", "Open…"],
  ["afSave", "Save"],
  ["afSaveAsNew", "Save as new…"],
  ["-", ""],
  ["afHistory", "History…"],
  ["afPublish", "Publish version"],
  ["afNewFromTemplate", "New from template…"],
  ["-", ""],
  ["afBindDevice", "Bind to device…"],
  ["afAllocateIp", "Allocate IP…"],
  ["afReleaseIp", "Release IP"],
  ["-", ""],
  ["afRefreshDevices", "Refresh devices"],
  ["afRefreshShapes", "Refresh shapes from inventory"],
  ["-", ""],
  ["afGenerate", "Generate from inventory…"],
  ["afRefreshInventory", "Refresh from inventory"],
];

export type MenuAction =
  | "afOpen"
  | "afSave"
  | "afSaveAsNew"
  | "afHistory"
  | "afPublish"
  | "afNewFromTemplate"
  | "afBindDevice"
  | "afAllocateIp"
  | "afReleaseIp"
  | "afRefreshDevices"
  | "afRefreshShapes"
  | "afGenerate"
  | "afRefreshInventory";

/**
 * Adds the ArchiFlow actions and sends draw.io's own saving (Ctrl+S, Ctrl+Shift+S) to them: in
 * embed mode draw.io would only post the XML to the host page.
 */
export function installActions(
  ui: any,
  run: Record<MenuAction, () => unknown>,
  save: (asNew: boolean) => unknown,
  enabled: Partial<Record<MenuAction, () => boolean>> = {},
): void {
  mxResources.parse(MENU.filter(([k]) => k !== "-").map(([k, v]) => `${k}=${v}`).join("\n"));
  const mac = (globalThis as any).mxClient?.IS_MAC;
  for (const [name, fn] of Object.entries(run)) {
    const shortcut = name === "afSave" ? `${mac ? "Cmd" : "Ctrl"}+S` : undefined;
    const action = ui.actions.addAction(name, () => void fn(), null, null, shortcut);
    // Asked each time the menu opens, so the item is greyed out while it does not apply.
    const when = enabled[name as MenuAction];
    if (when) action.isEnabled = when;
  }
  ui.saveFile = (forceDialog: boolean) => void save(forceDialog);
  const drawioSave = ui.actions.get("save");
  if (drawioSave) {
    drawioSave.funct = () => void save(false);
    drawioSave.isEnabled = () => true;
  }
}

export interface MenuBar {
  status: HTMLElement | null;
  alerts: HTMLElement | null;
}

/** The ArchiFlow menu, the status text and the alerts mark, in draw.io's menu bar. */
export function installMenu(ui: any): MenuBar {
  const menubar = ui.menubar;
  if (!menubar) return { status: null, alerts: null };
  const elt: HTMLElement = menubar.addMenu("ArchiFlow", (menu: any, parent: any) => {
    ui.menus.addMenuItems(menu, MENU.map(([k]) => k), parent);
  });
  elt.id = "archiflow-menu";
  elt.style.fontWeight = "bold";
  const status = el("span", {
    id: "archiflow-status",
    style: "margin-left:12px;color:#555;font-size:12px;cursor:default",
  });
  const alerts = el("span", {
    id: "archiflow-alerts",
    style: "margin-left:12px;font-size:12px;cursor:default",
    text: "alerts: …",
  });
  menubar.container.append(status, alerts);
  return { status, alerts };
}

/**
 * Shows the diagram's name where draw.io shows the embedding page's title (top right), which
 * would otherwise say "ArchiFlow" a second time. False when this draw.io has no such place.
 */
export function setTitle(ui: any, title: string): boolean {
  const span: HTMLElement | null | undefined = ui.embedFilenameSpan;
  if (!span) return false;
  span.textContent = title;
  span.id = "archiflow-title";
  span.title = title;
  Object.assign(span.style, {
    display: "inline-block",
    maxWidth: "40vw",
    overflow: "hidden",
    textOverflow: "ellipsis",
    whiteSpace: "nowrap",
    verticalAlign: "top",
  });
  return true;
}

/**
 * Status colours of bound devices and diff highlights, computed when a cell is drawn: they
 * never reach the saved XML.
 */
export function installViewOverrides(
  graph: any,
  statusOf: (assetId: string) => string | null | undefined,
  highlightOf: (cellId: string) => string | undefined,
): void {
  const getCellStyle = graph.getCellStyle;
  graph.getCellStyle = (cell: any, ...rest: unknown[]) => {
    const style = { ...getCellStyle.call(graph, cell, ...rest) };
    const asset = cellAttr(cell, "asset_id");
    const status = asset ? statusOf(asset) : undefined;
    if (status !== undefined) {
      const c = statusColour(status);
      if (String(style.shape ?? "").startsWith("mxgraph.")) {
        // An icon's fill is its artwork; its label shows the status instead.
        style.labelBackgroundColor = c.fill;
        style.labelBorderColor = c.stroke;
      } else {
        style.fillColor = c.fill;
        style.strokeColor = c.stroke;
      }
    }
    const mark = cell?.id !== undefined ? highlightOf(String(cell.id)) : undefined;
    if (mark) {
      style.strokeColor = mark;
      style.strokeWidth = 4;
    }
    return style;
  };
}

/** An attribute of a cell's user object, or null. */
export function cellAttr(cell: any, name: string): string | null {
  const v = cell?.value;
  return v && typeof v === "object" && v.getAttribute ? v.getAttribute(name) || null : null;
}

export function getXml(ui: any): string {
  return ui.getFileData(true, null, null, null, true, false, null, null, null, true);
}

/** Replaces the canvas and clears the undo history, leaving the editor unmodified. */
export function setXml(ui: any, xml: string): void {
  ui.editor.graph.model.clear();
  ui.setFileData(xml);
  ui.editor.undoManager.clear();
  markSaved(ui);
}

export function markSaved(ui: any): void {
  ui.editor.setModified(false);
  const file = ui.getCurrentFile?.();
  if (file?.setModified) file.setModified(false);
  ui.editor.setStatus?.("");
}

/** The scratchpad is draw.io's one store in the browser that can hold diagram content. */
export function disableScratchpad(ui: any): void {
  ui.isScratchpadEnabled = () => false;
  if (!ui.archiflowLoadLibrary) {
    // draw.io restores the scratchpad asynchronously from browser storage; refuse it.
    ui.archiflowLoadLibrary = ui.loadLibrary;
    ui.loadLibrary = function (this: any, file: any, ...rest: unknown[]) {
      if (file?.title === ".scratchpad" || file?.getHash?.() === "L.scratchpad") return;
      return ui.archiflowLoadLibrary.call(this, file, ...rest);
    };
  }
  if (ui.scratchpad?.getHash) ui.removeLibrarySidebar?.(ui.scratchpad.getHash());
  ui.scratchpad = null;
}

/** draw.io shows its canvas once the host page's `load` arrived; open ours after that. */
export function waitForEmbedLoad(ui: any): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      if (ui.getCurrentFile?.() != null || Date.now() - started > 30_000) resolve();
      else setTimeout(check, 25);
    };
    check();
  });
}
