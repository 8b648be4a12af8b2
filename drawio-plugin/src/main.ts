// Entry point of the bundled plugin: hands the ArchiFlow editor to draw.io's plugin loader.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import { ArchiFlowEditor } from "./editor.ts";
import { editorParams } from "./params.ts";

const w = globalThis as any;

function register(fn: (ui: any) => void) {
  // Loaded before App.main: create draw.io's plugin queue so App picks the plugin up.
  if (!w.Draw?.loadPlugin && w.App?.initPluginCallback) w.App.initPluginCallback();
  w.Draw.loadPlugin(fn);
}

register((ui: any) => {
  const editor = new ArchiFlowEditor(ui, editorParams(location.href));
  // Exposed for people debugging in the console and for the browser tests.
  w.archiflow = editor;
  w.archiflowUi = ui;
  editor.start().catch((err) => console.error("ArchiFlow plugin failed to start", err));
});
