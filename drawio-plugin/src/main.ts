// Entry point of the bundled plugin: hands the ArchiFlow editor to draw.io's plugin loader.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import { ArchiFlowEditor } from "./editor.ts";
import {
  editorParams,
  HOST_TOKEN_TIMEOUT_MS,
  keepKeyFresh,
  tokenFromHost,
  wsProtocols,
} from "./params.ts";
import { RpcConnection } from "./rpc.ts";

const w = globalThis as any;

function register(fn: (ui: any) => void) {
  // Loaded before App.main: create draw.io's plugin queue so App picks the plugin up.
  if (!w.Draw?.loadPlugin && w.App?.initPluginCallback) w.App.initPluginCallback();
  w.Draw.loadPlugin(fn);
}

register((ui: any) => {
  const params = editorParams(location.href);
  // The editor starts at once (menus, palette, draw.io hooks); the socket opens when the host
  // page has handed over the key.
  const token = tokenFromHost(w, params.server);
  const rpc = new RpcConnection(params.wsUrl, { protocols: token.then(wsProtocols) });
  // An editor token lives minutes: fresh ones come from the page that framed the editor
  // (NetBox), and the connection moves to each one before the old one expires.
  token.then((first) =>
    keepKeyFresh(first, {
      ask: () => tokenFromHost(w, params.server, HOST_TOKEN_TIMEOUT_MS, true),
      onKey: (fresh) => rpc.renew(wsProtocols(fresh)),
    })
  );
  const editor = new ArchiFlowEditor(ui, params, rpc);
  // Exposed for people debugging in the console and for the browser tests.
  w.archiflow = editor;
  w.archiflowUi = ui;
  editor.start().catch((err) => console.error("ArchiFlow plugin failed to start", err));
});
