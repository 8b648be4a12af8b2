// Types of the draw.io objects the plugin calls. mxGraph's classes (cells, the graph and its
// model, events, utilities) come from typed-mxgraph; draw.io's own EditorUi, Editor, Graph,
// Sidebar, Menus, Menubar and Actions are plain JavaScript that nothing declares, so they are
// declared here, only as far as the plugin uses them, after draw.io's sources
// (js/grapheditor/*.js and js/diagramly/EditorUi.js). Types only: nothing here exists at run
// time, so the bundle is unchanged.
/// <reference types="@typed-mxgraph/typed-mxgraph" />
/// <reference lib="dom" />
// @ts-expect-error: "mxgraph" is the module typed-mxgraph declares ambiently; Deno has no such
// package to resolve, and only types are imported from it.
import type * as mx from "mxgraph";

export type MxCell = mx.mxCell;
export type MxGeometry = mx.mxGeometry;
export type MxGraph = mx.mxGraph;
export type MxGraphModel = mx.mxGraphModel;
export type MxEventObject = mx.mxEventObject;
export type MxPopupMenu = mx.mxPopupMenu;
export type MxUndoManager = mx.mxUndoManager;

/** draw.io's globals the plugin uses, as `declare const` in the modules that use them. */
export interface DrawioGlobals {
  mxCell: typeof mx.mxCell;
  mxGeometry: typeof mx.mxGeometry;
  mxEvent: typeof mx.mxEvent;
  mxUtils: typeof mx.mxUtils;
  mxResources: typeof mx.mxResources;
  mxClient: typeof mx.mxClient;
}

/** A change in an mxGraphModel edit, as the model's CHANGE event lists them (mxChildChange). */
export interface MxChildChange {
  child?: MxCell;
  parent?: MxCell | null;
  previous?: MxCell | null;
}

/** draw.io's Graph (js/grapheditor/Graph.js): mxGraph with draw.io's additions. */
export interface Graph extends MxGraph {
  /** Sets (or with null removes) an attribute of the cell's user object, making it XML. */
  setAttributeForCell(cell: MxCell, name: string, value: string | null): void;
}

/** draw.io's Editor (js/grapheditor/Editor.js): the graph with its undo history and state. */
export interface Editor {
  graph: Graph;
  undoManager: MxUndoManager;
  /** Whether the canvas changed since it was last marked saved. */
  modified: boolean;
  setModified(value: boolean): void;
  setStatus(value: string): void;
}

/** A draw.io action (js/grapheditor/Actions.js): what a menu item or shortcut runs. */
export interface Action {
  label: string;
  funct: (...args: unknown[]) => unknown;
  shortcut?: string;
  isEnabled(): boolean;
}

/** draw.io's named actions (js/grapheditor/Actions.js). */
export interface Actions {
  /** Registers an action; its label is mxResources' text for `key`. */
  addAction(
    key: string,
    funct: () => void,
    enabled?: boolean | null,
    iconCls?: string | null,
    shortcut?: string,
  ): Action;
  get(name: string): Action | undefined;
}

/** draw.io's menus (js/grapheditor/Menus.js). */
export interface Menus {
  /** Adds the named actions to a menu; "-" adds a separator. */
  addMenuItems(menu: MxPopupMenu, keys: string[], parent?: HTMLElement | null): void;
}

/** The menu bar at the top of draw.io (Menubar in js/grapheditor/Menus.js). */
export interface Menubar {
  container: HTMLElement;
  /** Adds a menu whose items `funct` adds each time it opens; returns its element. */
  addMenu(
    label: string,
    funct: (menu: MxPopupMenu, parent: HTMLElement | null) => void,
    before?: HTMLElement,
  ): HTMLElement;
}

/** draw.io's shape library on the left (js/grapheditor/Sidebar.js). */
export interface Sidebar {
  container: HTMLElement;
  /** Each palette's title and content elements, by id. */
  palettes: Record<string, [HTMLElement, HTMLElement]>;
  /** Thumbnail size of the entries (a prototype field draw.io sets per theme). */
  thumbWidth: number;
  thumbHeight: number;
  /** Adds a palette; `onInit` fills its content element when it first opens. */
  addPalette(
    id: string,
    title: string,
    expanded: boolean,
    onInit: (content: HTMLElement) => void,
  ): HTMLElement;
  /** An entry that inserts `cells` when clicked or dragged; returns its element. */
  createVertexTemplateFromCells(
    cells: MxCell[],
    width: number,
    height: number,
    title?: string,
    showLabel?: boolean,
    showTitle?: boolean,
    allowCellsInserted?: boolean,
    showTooltip?: boolean,
  ): HTMLElement;
}

/** A diagram or library file of draw.io (DrawioFile in js/diagramly/DrawioFile.js). */
export interface DrawioFile {
  title?: string;
  getHash(): string;
  setModified(value: boolean): void;
}

/** draw.io's editor window (js/grapheditor/EditorUi.js and js/diagramly/EditorUi.js). */
export interface EditorUi {
  editor: Editor;
  actions: Actions;
  menus: Menus;
  /** Missing in draw.io's chromeless and minimal modes. */
  menubar?: Menubar | null;
  sidebar?: Sidebar | null;
  /** Where embed mode shows the embedding page's title (top right), when it has one. */
  embedFilenameSpan?: HTMLElement | null;
  /** The scratchpad library, kept in the browser. */
  scratchpad?: DrawioFile | null;
  /** The diagram as XML (or SVG/HTML); the plugin asks for uncompressed XML. */
  getFileData(
    forceXml?: boolean | null,
    forceSvg?: boolean | null,
    forceHtml?: boolean | null,
    embeddedCallback?: unknown,
    ignoreSelection?: boolean | null,
    currentPage?: boolean | null,
    node?: Node | null,
    compact?: boolean | null,
    file?: DrawioFile | null,
    uncompressed?: boolean | null,
  ): string;
  /** Replaces the diagram with `data` (draw.io XML). */
  setFileData(data: string): void;
  getCurrentFile(): DrawioFile | null;
  saveFile(forceDialog: boolean): void;
  isScratchpadEnabled(): boolean;
  loadLibrary(file: DrawioFile, expand?: boolean): void;
  removeLibrarySidebar(id: string): void;
}
