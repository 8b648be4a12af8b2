// The ArchiFlow editor inside draw.io: opens and saves diagrams through ArchiFlow (the only
// storage), tells the user when someone else saved a newer version, and keeps the open drawing
// live as the inventory, pools and alerts change. Its parts live in their own modules (palette,
// devices, IP dialogs, history, diagram dialogs, draw.io hooks, connection notice) and act
// through the EditorContext this class implements.
// Slightly over 400 lines: the class is the EditorContext every module acts through, plus the
// wiring of their menu items; the behaviour itself lives in those modules.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import type { DeviceRecord } from "./attrs.ts";
import { watchConnection } from "./connection_notice.ts";
import type { EditorContext, EditorState } from "./context.ts";
import { type LoadedDiagram, loadedDiagram, type SavedDiagram } from "./diagram.ts";
import { newFromTemplateDialog, openDiagramDialog } from "./diagram_dialogs.ts";
import { bindDeviceDialog, selectedVertex, syncShapes } from "./devices.ts";
import { generateDialog, offerSiteDiagram } from "./generate_dialog.ts";
import { confirmDialog, message, notice, promptDialog } from "./dom.ts";
import * as drawio from "./drawio_hooks.ts";
import { historyDialog, publish } from "./history.ts";
import { showAlerts } from "./alerts_mark.ts";
import { allocateIpDialog, installDeleteHandler, poolChanged, releaseIp } from "./ip_dialogs.ts";
import { Gathered, routeNotification } from "./live.ts";
import { renderPalette } from "./palette.ts";
import type { EditorParams } from "./params.ts";
import { canRefresh, refreshFromInventory } from "./refresh.ts";
import { RpcConnection, ToolError } from "./rpc.ts";
import { errorText, isRefused } from "./tool_errors.ts";

export type { EditorState } from "./context.ts";

/** How many devices the palette and the status colours know (get-devices' first page). */
const DEVICE_LIMIT = 500;

export class ArchiFlowEditor implements EditorContext {
  readonly state: EditorState = {
    diagramId: null,
    name: null,
    version: null,
    remoteVersion: null,
    ready: false,
    lastSaved: null,
    devices: [],
    alerts: null,
    timings: {},
  };
  readonly rpc: RpcConnection;
  readonly ui: any;
  readonly graph: any;
  #saving = false;
  #loading = false;
  #deferredChanges: { version: number; by?: string }[] = [];
  #highlight = new Map<string, string>();
  #devicesByAsset = new Map<string, DeviceRecord>();
  #menu: drawio.MenuBar = { status: null, alerts: null };
  #titleShown = false;
  // Live updates: each kind runs once at a time, with what arrived meanwhile folded in.
  #deviceUpdates = new Gathered<string>((ids) => this.#devicesChanged(ids));
  #alertUpdates = new Gathered<string>(() => this.refreshAlerts());
  #poolUpdates = new Gathered<string>(() => poolChanged());

  constructor(ui: any, readonly params: EditorParams, rpc?: RpcConnection) {
    this.ui = ui;
    this.graph = ui.editor.graph;
    this.rpc = rpc ?? new RpcConnection(params.wsUrl);
  }

  get loading(): boolean {
    return this.#loading;
  }

  async start(): Promise<void> {
    this.#install();
    watchConnection(this.rpc, this.params.server);
    this.rpc.onStatus(() => this.setStatus(null));
    this.rpc.onNotification((method, params) =>
      routeNotification(method, params, {
        diagramChanged: (c) => this.#onDiagramChanged(c),
        poolChanged: (id) => void this.#poolUpdates.request(id),
        deviceChanged: (id) => void this.#deviceUpdates.request(id),
        alert: (aboutDevice) => {
          this.#alertUpdates.request();
          // A device going down changes its status colour; editor tokens hear of it only so.
          if (aboutDevice) this.#deviceUpdates.request();
        },
      })
    );
    // Whether the connection was down since it was last open: events were missed meanwhile.
    let missed = false;
    this.rpc.onStatus((s) => missed ||= s === "connecting" || s === "refused");
    this.rpc.onOpen(async () => {
      await this.rpc.call("initialize", {
        protocolVersion: "2025-06-18",
        clientInfo: { name: "archiflow-drawio-plugin", version: "1" },
        // The editor reads structuredContent only: results without MCP's text copy.
        capabilities: { experimental: { "archiflow/structuredContentOnly": {} } },
      }).catch(() => {});
      await this.#subscribe();
      // Back after a drop: what changed meanwhile was not announced to this editor. (A socket
      // that takes over with a fresh key missed nothing.)
      if (missed && this.state.ready) {
        this.#deviceUpdates.request();
        this.#alertUpdates.request();
        this.#poolUpdates.request();
      }
      missed = false;
    });
    this.rpc.connect();
    drawio.disableScratchpad(this.ui);
    // Fetch while draw.io is still starting; the canvas is drawn once, already coloured.
    const id = this.params.diagramId;
    const mark = (name: string) => this.state.timings[name] = Math.round(performance.now());
    mark("plugin_started");
    const diagram = id === null ? null : this.#fetchDiagram(id).then((d) => {
      mark("diagram_fetched");
      return d;
    }).catch((err: Error) => err);
    const devices = this.refreshDevices(false);
    const alerts = this.refreshAlerts();
    await drawio.waitForEmbedLoad(this.ui);
    mark("drawio_ready");
    drawio.disableScratchpad(this.ui);
    this.#announce();
    await devices;
    if (id !== null) await this.openDiagram(id, await diagram);
    else this.setStatus("new diagram (not saved yet)");
    const { site, siteName, generate } = this.params;
    if (id === null && site !== null) await offerSiteDiagram(this, site, siteName, generate);
    mark("diagram_drawn");
    await alerts;
    mark("ready");
    this.state.ready = true;
    document.documentElement.setAttribute("data-archiflow-ready", "1");
  }

  #install() {
    drawio.installActions(
      this.ui,
      {
        afOpen: () => openDiagramDialog(this),
        afSave: () => this.save(),
        afSaveAsNew: () => this.saveAsNew(),
        afHistory: () => historyDialog(this),
        afPublish: () => publish(this),
        afNewFromTemplate: () => newFromTemplateDialog(this),
        afBindDevice: () => bindDeviceDialog(this),
        afAllocateIp: () => allocateIpDialog(this),
        afReleaseIp: () => releaseIp(this, selectedVertex(this.graph)),
        afRefreshDevices: () => this.refreshDevices(),
        afRefreshShapes: () => this.refreshShapes(),
        afGenerate: () => generateDialog(this, { site: this.params.site ?? "" }),
        afRefreshInventory: () => refreshFromInventory(this),
      },
      (asNew) => asNew ? this.saveAsNew() : this.save(),
      {
        afRefreshInventory: () => canRefresh(this),
      },
    );
    this.#menu = drawio.installMenu(this.ui);
    drawio.installViewOverrides(
      this.graph,
      (asset) => this.#devicesByAsset.get(asset)?.status,
      (cellId) => this.#highlight.get(cellId),
    );
    installDeleteHandler(this);
  }

  // ---- storage ------------------------------------------------------------------------------

  /** Opens a diagram from ArchiFlow, replacing everything on the canvas and the undo history. */
  async openDiagram(id: string, fetched?: LoadedDiagram | Error | null): Promise<void> {
    this.#loading = true;
    try {
      if (fetched instanceof Error) throw fetched;
      const d = fetched ?? await this.#fetchDiagram(id);
      this.#highlight.clear();
      this.setXml(d.xml);
      this.state.diagramId = d.id;
      this.state.name = d.name;
      this.state.version = d.version;
      this.state.remoteVersion = null;
      document.getElementById("archiflow-change-notice")?.remove();
      this.#announce();
      await this.#subscribe();
      this.setStatus(`version ${d.version}`);
    } catch (err) {
      // An id nobody has (mistyped, deleted, or not shared with this user) is said to be one,
      // and the canvas is left as a new, unsaved diagram, as without an id.
      if (err instanceof ToolError && err.code === "not_found") {
        this.setStatus(`diagram "${id}" does not exist`);
        await message("archiflow-error", "Cannot open diagram", `Diagram "${id}" does not exist.`);
      } else if (isRefused(err)) {
        // The connection notice says why and what to do.
        this.setStatus(`diagram "${id}" not opened`);
      } else {
        this.setStatus("could not open the diagram");
        await message("archiflow-error", "Cannot open diagram", errorText(err));
      }
    } finally {
      this.#loading = false;
    }
  }

  async openWithCheck(id: string): Promise<void> {
    if (this.ui.editor.modified) {
      const ok = await confirmDialog(
        "archiflow-discard",
        "Unsaved edits",
        "The canvas has unsaved edits. Discard them and open the other diagram?",
        "Discard",
      );
      if (!ok) return;
    }
    await this.openDiagram(id);
  }

  /** Saves the canvas as a new version; expectedVersion turns a stale save into `conflict`. */
  async save(): Promise<boolean> {
    if (this.state.diagramId === null) return await this.saveAsNew();
    this.setStatus("saving…");
    try {
      // Our own save's announcement arrives as it is answered; it is weighed after #afterSave.
      await this.ownWrite(async () => {
        const saved = await this.rpc.tool<SavedDiagram>("save-diagram", {
          id: this.state.diagramId,
          xml: drawio.getXml(this.ui),
          expectedVersion: this.state.version ?? undefined,
        });
        this.#afterSave(saved);
      });
      return true;
    } catch (err) {
      if (err instanceof ToolError && err.code === "conflict") {
        this.setStatus("conflict: not saved");
        notice("archiflow-conflict", `Not saved: ${err.message}`, "error", [
          {
            id: "archiflow-conflict-reload",
            label: "Reload (lose my edits)",
            run: () => this.#reload(),
          },
          { id: "archiflow-conflict-saveas", label: "Save as new", run: () => this.saveAsNew() },
        ]);
      } else {
        this.setStatus("not saved");
        await message("archiflow-error", "Cannot save diagram", errorText(err));
      }
      return false;
    }
  }

  async saveAsNew(): Promise<boolean> {
    const name = await promptDialog(
      "archiflow-save-as",
      "Save to ArchiFlow",
      "Diagram name",
      this.state.name ? `${this.state.name} (copy)` : "",
    );
    if (!name) return false;
    try {
      await this.ownWrite(async () => {
        const saved = await this.rpc.tool<SavedDiagram>("save-diagram", {
          name,
          xml: drawio.getXml(this.ui),
        });
        this.state.diagramId = String(saved.id);
        this.#afterSave(saved);
      });
      await this.#subscribe();
      return true;
    } catch (err) {
      await message("archiflow-error", "Cannot save diagram", errorText(err));
      return false;
    }
  }

  #afterSave(saved: SavedDiagram) {
    this.state.version = saved.version;
    this.state.name = saved.name;
    this.state.remoteVersion = null;
    this.state.lastSaved = { id: String(saved.id), version: saved.version };
    drawio.markSaved(this.ui);
    document.getElementById("archiflow-conflict")?.remove();
    document.getElementById("archiflow-change-notice")?.remove();
    this.#announce();
    this.setStatus(`saved version ${saved.version}`);
  }

  async #reload() {
    document.getElementById("archiflow-conflict")?.remove();
    if (this.state.diagramId !== null) await this.openDiagram(this.state.diagramId);
  }

  async ownWrite<T>(fn: () => Promise<T>): Promise<T> {
    this.#saving = true;
    try {
      return await fn();
    } finally {
      this.#saving = false;
      const changes = this.#deferredChanges;
      this.#deferredChanges = [];
      for (const c of changes) this.#diagramChanged(c);
    }
  }

  setXml(xml: string): void {
    const wasLoading = this.#loading;
    this.#loading = true;
    try {
      drawio.setXml(this.ui, xml);
    } finally {
      this.#loading = wasLoading;
    }
  }

  async #fetchDiagram(id: string): Promise<LoadedDiagram> {
    return loadedDiagram(await this.rpc.tool("load-diagram", { id }, { retry: true }));
  }

  // ---- live updates -------------------------------------------------------------------------

  async #subscribe() {
    const diagramIds = this.state.diagramId === null ? [] : [this.state.diagramId];
    await this.rpc.call("subscribe", { topics: ["diagrams", "pools", "alerts"], diagramIds }, {
      retry: true,
    }).catch(() => {});
    // Inventory changes recolour shapes and refresh the palette (a topic older servers lack).
    await this.rpc.call("subscribe", { topics: ["devices"] }, { retry: true }).catch(() => {});
  }

  #onDiagramChanged(c: { diagramId: string; version: number; by?: string }) {
    if (c.diagramId !== this.state.diagramId) return;
    if (this.#saving) this.#deferredChanges.push(c);
    else this.#diagramChanged(c);
  }

  #diagramChanged(p: { version: number; by?: string }) {
    if (p.version <= (this.state.version ?? 0)) return;
    this.state.remoteVersion = p.version;
    notice(
      "archiflow-change-notice",
      `This diagram was changed${p.by ? ` by ${p.by}` : ""} (version ${p.version}). ` +
        `Reload to see it; saving without reloading will be refused.`,
      "warn",
      [{ id: "archiflow-change-reload", label: "Reload", run: () => this.#reload() }],
    );
  }

  /** Devices changed in the inventory: palette, status colours, and the shapes bound to them. */
  async #devicesChanged(ids: Set<string> | null) {
    const before = new Map(this.#devicesByAsset);
    if (!(await this.refreshDevices())) return;
    if (!this.state.ready || this.#loading) return;
    const changed = syncShapes(this.graph, this.state.devices, { only: ids, before });
    if (changed) {
      this.setStatus(`updated ${changed} shape${changed === 1 ? "" : "s"} from the inventory`);
    }
  }

  /** Reloads the inventory into the palette; redraws the canvas for new status colours. */
  async refreshDevices(redraw = true): Promise<boolean> {
    try {
      const { devices } = await this.rpc.tool<{ devices: DeviceRecord[] }>("get-devices", {
        limit: DEVICE_LIMIT,
      }, { retry: true });
      this.state.devices = devices;
      this.#devicesByAsset = new Map(devices.map((d) => [d.asset_id, d]));
      renderPalette(this.ui, devices);
      if (redraw) this.graph.refresh();
      return true;
    } catch (err) {
      if (!isRefused(err)) this.setStatus(`devices unavailable: ${errorText(err)}`);
      return false;
    }
  }

  /**
   * Rewrites the bound shapes from the inventory (names, attributes, addresses that no pool
   * allocated, the editor's own icons), in one undoable change that the next save stores.
   */
  async refreshShapes(): Promise<number> {
    if (!(await this.refreshDevices())) return 0;
    const changed = syncShapes(this.graph, this.state.devices);
    this.setStatus(`refreshed ${changed} shape${changed === 1 ? "" : "s"} from the inventory`);
    return changed;
  }

  /** Counts the open alerts into the menu bar's mark. */
  async refreshAlerts(): Promise<void> {
    this.state.alerts = await showAlerts(this.rpc, this.#menu.alerts);
  }

  // ---- what the user sees -------------------------------------------------------------------

  /** Tells the host page (its tab title) and draw.io's title place which diagram is open. */
  #announce() {
    const title = this.state.name ?? "New diagram";
    this.#titleShown = drawio.setTitle(this.ui, title);
    try {
      globalThis.parent?.postMessage(
        JSON.stringify({ event: "archiflow-title", title, diagramId: this.state.diagramId }),
        this.params.server,
      );
    } catch { /* not framed by the host page */ }
  }

  setStatus(text: string | null): void {
    const el = this.#menu.status;
    if (!el) return;
    const status = this.rpc.status;
    const conn = status === "open" ? "" : ` [${status === "refused" ? "key refused" : status}]`;
    // The name is shown apart (top right) where draw.io has a place for it.
    const name = this.state.name && !this.#titleShown ? `${this.state.name}: ` : "";
    if (text !== null) el.dataset.text = text;
    el.textContent = `${name}${el.dataset.text ?? ""}${conn}`;
  }

  setHighlight(map: Map<string, string>): void {
    this.#highlight = map;
    this.graph.refresh();
  }
}
