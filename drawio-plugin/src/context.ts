// What the editor's parts share: the open diagram's state and the editor they act through.
// Each part (palette, IP dialogs, history, draw.io hooks...) takes an EditorContext instead of
// reaching into the editor class, so it can be read, and changed, on its own.
import type { DeviceRecord } from "./attrs.ts";
import type { EditorUi, Graph } from "./drawio_types.ts";
import type { EditorParams } from "./params.ts";
import type { RpcConnection } from "./rpc.ts";

export interface EditorState {
  /** The open diagram's id as the server has it ("diagram-1"), or null before the first save. */
  diagramId: string | null;
  name: string | null;
  version: number | null;
  /** A newer version someone else saved, not loaded here. */
  remoteVersion: number | null;
  ready: boolean;
  lastSaved: { id: string; version: number } | null;
  devices: DeviceRecord[];
  alerts: number | null;
  /** Milliseconds since navigation at each start-up milestone, for the benchmark and debugging. */
  timings: Record<string, number>;
}

export interface EditorContext {
  /** draw.io's editor window. */
  readonly ui: EditorUi;
  /** The canvas: draw.io's graph of the open diagram (ui.editor.graph). */
  readonly graph: Graph;
  readonly rpc: RpcConnection;
  readonly params: EditorParams;
  readonly state: EditorState;
  /** True while the canvas is being replaced by a loaded diagram. */
  readonly loading: boolean;
  /** The status text in the menu bar; null keeps the text and refreshes the connection mark. */
  setStatus(text: string | null): void;
  /** Opens a diagram from ArchiFlow, replacing the canvas and its undo history. */
  openDiagram(id: string): Promise<void>;
  /** Like openDiagram(), after asking whether to discard unsaved edits. */
  openWithCheck(id: string): Promise<void>;
  /** Saves the canvas as a new version (asking for a name first when it was never saved). */
  save(): Promise<boolean>;
  /**
   * Runs one of the editor's own writes that makes a new version of the open diagram, so that
   * the server's announcement of it is not taken for someone else's change.
   */
  ownWrite<T>(fn: () => Promise<T>): Promise<T>;
  /** Replaces the canvas with `xml`, as saved. */
  setXml(xml: string): void;
  /** Marks cells (id -> colour) on the canvas, view only. */
  setHighlight(map: Map<string, string>): void;
}
