// The ArchiFlow editor inside draw.io: the ArchiFlow menu, the device palette, IP allocation on
// shapes, versions, live updates and status colours. draw.io's objects are untyped here (its
// API is global JavaScript); every value that must survive lives in the diagram XML.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import {
  deviceAttributes,
  deviceLabel,
  type DeviceRecord,
  statusColour,
  stripIpLine,
} from "./attrs.ts";
import { cellChanges } from "./diff.ts";
import { type LoadedDiagram, loadedDiagram, type SavedDiagram, versionOf } from "./diagram.ts";
import { templateVariables } from "./templates.ts";
import { button, confirmDialog, el, message, notice, openDialog, promptDialog } from "./dom.ts";
import type { EditorParams } from "./params.ts";
import { RpcConnection, RpcError, ToolError } from "./rpc.ts";

declare const mxUtils: any;
declare const mxCell: any;
declare const mxGeometry: any;
declare const mxEvent: any;
declare const mxResources: any;

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

// Plain-text labels (no html=1, no whiteSpace=wrap, which draw.io treats as HTML) keep "name\nip".
const DEVICE_STYLE = "rounded=1;html=0;archiflowDevice=1;";
const TYPE_HINTS: Record<string, string> = {
  ip: "IP address, e.g. 10.0.0.1",
  cidr: "prefix, e.g. 10.0.0.0/24",
  number: "number",
};

const MENU_ITEMS = [
  "afOpen",
  "afSave",
  "afSaveAsNew",
  "-",
  "afHistory",
  "afPublish",
  "afNewFromTemplate",
  "-",
  "afBindDevice",
  "afAllocateIp",
  "afReleaseIp",
  "-",
  "afRefreshDevices",
  "afRefreshLabels",
];

function errorText(err: unknown): string {
  if (err instanceof ToolError) return `${err.message} (${err.code})`;
  if (err instanceof RpcError && err.code === -32601) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** True when the server does not have the tool (it is added by a newer server version). */
function isMissingTool(err: unknown): boolean {
  if (err instanceof RpcError) return err.code === -32601 || /unknown tool/i.test(err.message);
  if (err instanceof ToolError) return /unknown tool|not found: tool/i.test(err.message);
  return false;
}

export class ArchiFlowEditor {
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
  #ui: any;
  #graph: any;
  #saving = false;
  #deferredChanges: { version: number; by?: string }[] = [];
  #highlight = new Map<string, string>();
  #statusEl: HTMLElement | null = null;
  #alertsEl: HTMLElement | null = null;
  #loading = false;

  constructor(ui: any, readonly params: EditorParams, rpc?: RpcConnection) {
    this.#ui = ui;
    this.#graph = ui.editor.graph;
    this.rpc = rpc ?? new RpcConnection(params.wsUrl);
  }

  async start(): Promise<void> {
    this.#installActions();
    this.#installMenu();
    this.#installViewOverrides();
    this.#installDeleteHandler();
    let everOpen = false;
    this.rpc.onStatus((s) => {
      everOpen ||= s === "open";
      this.#setStatus(s === "open" ? null : `connection: ${s}`);
      // A first connection gets longer: draw.io may still be busy starting up.
      this.#watchConnection(s === "open", everOpen ? 4_000 : 10_000);
    });
    this.rpc.onNotification((method, params) => this.#onNotification(method, params as any));
    this.rpc.onOpen(async () => {
      await this.rpc.call("initialize", {
        protocolVersion: "2025-06-18",
        clientInfo: { name: "archiflow-drawio-plugin", version: "1" },
        capabilities: {},
      }).catch(() => {});
      await this.#subscribe();
    });
    this.rpc.connect();
    this.#disableScratchpad();
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
    await this.#waitForEmbedLoad();
    mark("drawio_ready");
    this.#disableScratchpad();
    await devices;
    if (id !== null) await this.openDiagram(id, await diagram);
    else this.#setStatus("new diagram (not saved yet)");
    mark("diagram_drawn");
    await alerts;
    mark("ready");
    this.state.ready = true;
    document.documentElement.setAttribute("data-archiflow-ready", "1");
  }

  #connectionTimer: ReturnType<typeof setTimeout> | null = null;

  /** Tells the user when the connection stays down, e.g. a missing or expired token. */
  #watchConnection(open: boolean, graceMs: number) {
    if (this.#connectionTimer) clearTimeout(this.#connectionTimer);
    this.#connectionTimer = null;
    if (open) {
      document.getElementById("archiflow-connection")?.remove();
      return;
    }
    this.#connectionTimer = setTimeout(() => {
      if (this.rpc.status === "open") return;
      notice(
        "archiflow-connection",
        `Not connected to ArchiFlow at ${this.params.server}; retrying. Nothing can be opened ` +
          `or saved until it is back. If this persists, the editor's key may be missing or ` +
          `expired: it is read once from the link that opened the editor (#token=…) and kept ` +
          `nowhere, so open that link again, or reload the NetBox page.`,
        "error",
      );
    }, graceMs);
  }

  // ---- storage ------------------------------------------------------------------------------

  /** Opens a diagram from ArchiFlow, replacing everything on the canvas and the undo history. */
  async openDiagram(id: string, fetched?: LoadedDiagram | Error | null): Promise<void> {
    this.#loading = true;
    try {
      if (fetched instanceof Error) throw fetched;
      const d = fetched ?? await this.#fetchDiagram(id);
      this.#highlight.clear();
      this.#setXml(d.xml);
      this.state.diagramId = d.id;
      this.state.name = d.name;
      this.state.version = d.version;
      this.state.remoteVersion = null;
      document.getElementById("archiflow-change-notice")?.remove();
      this.#announce();
      await this.#subscribe();
      this.#setStatus(`version ${d.version}`);
    } catch (err) {
      // An id nobody has (mistyped, deleted, or not shared with this user) is said to be one,
      // and the canvas is left as a new, unsaved diagram, as without an id.
      if (err instanceof ToolError && err.code === "not_found") {
        this.#setStatus(`diagram "${id}" does not exist`);
        await message("archiflow-error", "Cannot open diagram", `Diagram "${id}" does not exist.`);
      } else {
        this.#setStatus("could not open the diagram");
        await message("archiflow-error", "Cannot open diagram", errorText(err));
      }
    } finally {
      this.#loading = false;
    }
  }

  /** Saves the canvas as a new version; expectedVersion turns a stale save into `conflict`. */
  async save(): Promise<boolean> {
    if (this.state.diagramId === null) return await this.saveAsNew();
    const xml = this.#getXml();
    this.#saving = true;
    this.#setStatus("saving…");
    try {
      const saved = await this.rpc.tool<SavedDiagram>(
        "save-diagram",
        {
          id: this.state.diagramId,
          xml,
          expectedVersion: this.state.version ?? undefined,
        },
      );
      this.#afterSave(saved);
      return true;
    } catch (err) {
      if (err instanceof ToolError && err.code === "conflict") {
        this.#setStatus("conflict: not saved");
        notice("archiflow-conflict", `Not saved: ${err.message}`, "error", [
          {
            id: "archiflow-conflict-reload",
            label: "Reload (lose my edits)",
            run: () => this.#reload(),
          },
          { id: "archiflow-conflict-saveas", label: "Save as new", run: () => this.saveAsNew() },
        ]);
      } else {
        this.#setStatus("not saved");
        await message("archiflow-error", "Cannot save diagram", errorText(err));
      }
      return false;
    } finally {
      this.#saving = false;
      this.#flushDeferredChanges();
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
    this.#saving = true;
    try {
      const saved = await this.rpc.tool<SavedDiagram>(
        "save-diagram",
        { name, xml: this.#getXml() },
      );
      this.state.diagramId = String(saved.id);
      this.#afterSave(saved);
      await this.#subscribe();
      return true;
    } catch (err) {
      await message("archiflow-error", "Cannot save diagram", errorText(err));
      return false;
    } finally {
      this.#saving = false;
    }
  }

  #afterSave(saved: SavedDiagram) {
    this.state.version = saved.version;
    this.state.name = saved.name;
    this.state.remoteVersion = null;
    this.state.lastSaved = { id: String(saved.id), version: saved.version };
    this.#markSaved();
    document.getElementById("archiflow-conflict")?.remove();
    document.getElementById("archiflow-change-notice")?.remove();
    this.#announce();
    this.#setStatus(`saved version ${saved.version}`);
  }

  async #reload() {
    document.getElementById("archiflow-conflict")?.remove();
    if (this.state.diagramId !== null) await this.openDiagram(this.state.diagramId);
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

  #onNotification(method: string, params: any) {
    if (method === "notifications/diagram-changed") {
      // Ids are text; one sent as a number by an older server is the same id.
      if (params?.diagramId == null || String(params.diagramId) !== this.state.diagramId) return;
      if (this.#saving) this.#deferredChanges.push(params);
      else this.#diagramChanged(params);
    } else if (method === "notifications/alert") {
      this.refreshAlerts();
    } else if (method === "notifications/device-changed") {
      this.refreshDevices();
    }
  }

  #flushDeferredChanges() {
    const changes = this.#deferredChanges;
    this.#deferredChanges = [];
    for (const c of changes) this.#diagramChanged(c);
  }

  #diagramChanged(p: { version: number; by?: string }) {
    if (typeof p.version !== "number" || p.version <= (this.state.version ?? 0)) return;
    this.state.remoteVersion = p.version;
    notice(
      "archiflow-change-notice",
      `This diagram was changed${p.by ? ` by ${p.by}` : ""} (version ${p.version}). ` +
        `Reload to see it; saving without reloading will be refused.`,
      "warn",
      [{ id: "archiflow-change-reload", label: "Reload", run: () => this.#reload() }],
    );
  }

  // ---- devices and IPAM ---------------------------------------------------------------------

  async #fetchDiagram(id: string): Promise<LoadedDiagram> {
    return loadedDiagram(await this.rpc.tool("load-diagram", { id }, { retry: true }));
  }

  /** Reloads the inventory into the palette; redraws the canvas for new status colours. */
  async refreshDevices(redraw = true): Promise<void> {
    try {
      const { devices } = await this.rpc.tool<{ devices: DeviceRecord[] }>("get-devices", {
        limit: 500,
      }, { retry: true });
      this.state.devices = devices;
      this.#renderPalette();
      if (redraw) this.#graph.refresh();
    } catch (err) {
      this.#setStatus(`devices unavailable: ${errorText(err)}`);
    }
  }

  #deviceCell(device: DeviceRecord): any {
    const doc = mxUtils.createXmlDocument();
    const obj = doc.createElement("object");
    obj.setAttribute("label", deviceLabel(device.device_name ?? device.asset_id, null));
    for (const [k, v] of Object.entries(deviceAttributes(device))) obj.setAttribute(k, v);
    const ip = obj.getAttribute("ip_address");
    if (ip) obj.setAttribute("label", deviceLabel(device.device_name ?? device.asset_id, ip));
    const cell = new mxCell(obj, new mxGeometry(0, 0, 120, 50), DEVICE_STYLE);
    cell.vertex = true;
    return cell;
  }

  #renderPalette() {
    const sidebar = this.#ui.sidebar;
    if (!sidebar) return;
    const old = sidebar.palettes?.["archiflow-devices"];
    if (old) { for (const e of old) e.remove(); }
    const filter = (document.getElementById("archiflow-device-filter") as HTMLInputElement | null)
      ?.value ?? "";
    const content = sidebar.addPalette(
      "archiflow-devices",
      `ArchiFlow devices (${this.state.devices.length})`,
      true,
      (c: HTMLElement) => {
        const input = el("input", {
          id: "archiflow-device-filter",
          type: "search",
          placeholder: "Filter devices",
          style: "width:90%;margin:4px 5%;box-sizing:border-box",
        });
        input.value = filter;
        input.addEventListener("input", () => {
          const q = input.value.toLowerCase();
          for (const item of c.querySelectorAll<HTMLElement>("[data-asset-id]")) {
            item.style.display = (item.dataset.search ?? "").includes(q) ? "" : "none";
          }
        });
        c.append(input);
        if (this.state.devices.length === 0) {
          c.append(el("div", {
            style: "padding:6px;color:#666",
            text: "No devices in the inventory yet.",
          }));
        }
        for (const d of this.state.devices) {
          const title = `${d.device_name ?? d.asset_id} (${d.asset_id})`;
          const item = sidebar.createVertexTemplateFromCells(
            [this.#deviceCell(d)],
            120,
            50,
            title,
            true,
          );
          item.setAttribute("data-asset-id", d.asset_id);
          item.setAttribute("title", title);
          item.dataset.search = `${d.device_name ?? ""} ${d.asset_id} ${d.device_type ?? ""} ${
            d.site ?? ""
          }`.toLowerCase();
          c.append(item);
        }
      },
    );
    // Put the inventory first: it is what engineers reach for.
    const entry = sidebar.palettes?.["archiflow-devices"];
    if (entry && sidebar.container.firstChild) {
      sidebar.container.insertBefore(entry[1], sidebar.container.firstChild);
      sidebar.container.insertBefore(entry[0], entry[1]);
    }
    return content;
  }

  /**
   * Rewrites the names and inventory attributes of bound shapes from the inventory, in one
   * undoable change that the next save stores. The address on a shape is its allocation and
   * stays as it is.
   */
  async refreshLabels(): Promise<number> {
    await this.refreshDevices();
    const byAsset = new Map(this.state.devices.map((d) => [d.asset_id, d]));
    const model = this.#graph.model;
    let changed = 0;
    model.beginUpdate();
    try {
      for (const cell of Object.values<any>(model.cells)) {
        const device = byAsset.get(this.#attr(cell, "asset_id") ?? "");
        if (!device || !model.isVertex(cell)) continue;
        const { ip_address: _ip, ...attrs } = deviceAttributes(device);
        const label = deviceLabel(
          device.device_name ?? device.asset_id,
          this.#attr(cell, "ip_address"),
          this.#graph.isHtmlLabel(cell),
        );
        const stale = Object.entries(attrs).some(([k, v]) => this.#attr(cell, k) !== v) ||
          this.#label(cell) !== label;
        if (!stale) continue;
        this.#writeAttrs(cell, attrs, label);
        changed++;
      }
    } finally {
      model.endUpdate();
    }
    this.#setStatus(`refreshed ${changed} shape${changed === 1 ? "" : "s"} from the inventory`);
    return changed;
  }

  #selectedVertex(): any | null {
    const cell = this.#graph.getSelectionCell();
    return cell && this.#graph.model.isVertex(cell) ? cell : null;
  }

  #attr(cell: any, name: string): string | null {
    const v = cell?.value;
    return v && typeof v === "object" && v.getAttribute ? v.getAttribute(name) || null : null;
  }

  #label(cell: any): string {
    return String(this.#graph.convertValueToString(cell) ?? "");
  }

  /** Writes attributes (null removes) and the label in one undoable change. */
  #writeAttrs(cell: any, attrs: Record<string, string | null>, label?: string) {
    const model = this.#graph.model;
    model.beginUpdate();
    try {
      for (const [k, v] of Object.entries(attrs)) this.#graph.setAttributeForCell(cell, k, v);
      if (label !== undefined) this.#graph.setAttributeForCell(cell, "label", label);
    } finally {
      model.endUpdate();
    }
  }

  bindDevice(): void {
    const cell = this.#selectedVertex();
    if (!cell) return void message("archiflow-error", "Bind to device", "Select a shape first.");
    const list = el("div", { id: "archiflow-bind-list" });
    const search = el("input", {
      id: "archiflow-bind-search",
      type: "search",
      placeholder: "Search devices",
      style: "width:100%;box-sizing:border-box",
    });
    const render = () => {
      const q = search.value.toLowerCase();
      list.replaceChildren(
        ...this.state.devices.filter((d) =>
          `${d.device_name ?? ""} ${d.asset_id}`.toLowerCase().includes(q)
        ).slice(0, 100).map((d) =>
          button(`archiflow-bind-${d.asset_id}`, `${d.device_name ?? ""} (${d.asset_id})`, () => {
            const attrs = deviceAttributes(d);
            const ip = attrs.ip_address ?? this.#attr(cell, "ip_address");
            this.#writeAttrs(
              cell,
              attrs,
              deviceLabel(d.device_name ?? this.#label(cell), ip, this.#graph.isHtmlLabel(cell)),
            );
            dlg.close();
          })
        ),
      );
    };
    search.addEventListener("input", render);
    const dlg = openDialog("archiflow-bind", "Bind shape to device", search, list);
    render();
  }

  async allocateIp(): Promise<void> {
    const cell = this.#selectedVertex();
    if (!cell) {
      return void message("archiflow-error", "Allocate IP", "Select a device shape first.");
    }
    if (this.#attr(cell, "ip_address") && this.#attr(cell, "pool_id")) {
      return void message(
        "archiflow-error",
        "Allocate IP",
        `This shape already holds ${this.#attr(cell, "ip_address")}; release it first.`,
      );
    }
    let pools: any[];
    try {
      pools = (await this.rpc.tool<{ pools: any[] }>("get-ip-pools", {}, { retry: true })).pools;
    } catch (err) {
      return void message("archiflow-error", "Cannot list IP pools", errorText(err));
    }
    if (pools.length === 0) {
      return void message("archiflow-error", "Allocate IP", "There are no IP pools yet.");
    }
    const select = el("select", { id: "archiflow-pool-select", style: "width:100%" });
    for (const p of pools) {
      select.append(el("option", {
        value: String(p.id),
        text: `${p.name} — ${p.network} (${p.allocated_count}/${p.usable_count} used, ${
          Number(p.usage_percentage ?? 0).toFixed(1)
        }%)`,
      }));
    }
    const usage = el("p", { id: "archiflow-pool-usage", style: "color:#444" });
    const showUsage = () => {
      const p = pools.find((x) => String(x.id) === select.value);
      usage.textContent = p
        ? `${p.available_count} free; next free: ${
          (p.available ?? []).slice(0, 3).join(", ") || "none"
        }`
        : "";
    };
    select.addEventListener("change", showUsage);
    showUsage();
    const dlg = openDialog(
      "archiflow-allocate",
      `Allocate IP for ${stripIpLine(this.#label(cell)) || "shape"}`,
      select,
      usage,
      el(
        "div",
        { style: "text-align:right;display:flex;gap:8px;justify-content:flex-end" },
        button("archiflow-allocate-cancel", "Cancel", () => dlg.close()),
        button("archiflow-allocate-ok", "Allocate", async () => {
          // Pool ids are text ("pool-1"), kept exactly as the server gave them.
          const poolId = select.value;
          try {
            const a = await this.rpc.tool<{ ip_address: string; pool_id: string }>("allocate-ip", {
              poolId,
              assetId: this.#attr(cell, "asset_id") ?? undefined,
              deviceName: stripIpLine(this.#label(cell)).slice(0, 200) || undefined,
              deviceType: this.#attr(cell, "device_type") ?? undefined,
            });
            this.#writeAttrs(
              cell,
              { ip_address: a.ip_address, pool_id: String(a.pool_id ?? poolId) },
              deviceLabel(this.#label(cell), a.ip_address, this.#graph.isHtmlLabel(cell)),
            );
            dlg.close();
            this.#setStatus(`allocated ${a.ip_address} (unsaved)`);
          } catch (err) {
            dlg.close();
            await message("archiflow-error", "Cannot allocate IP", errorText(err));
          }
        }),
      ),
    );
  }

  async releaseIp(cell = this.#selectedVertex(), ask = true): Promise<void> {
    const ip = this.#attr(cell, "ip_address");
    const poolId = this.#attr(cell, "pool_id");
    if (!cell || !ip || !poolId) {
      return void message("archiflow-error", "Release IP", "Select a shape that holds an address.");
    }
    if (
      ask && !await confirmDialog("archiflow-release", "Release IP", `Release ${ip}?`, "Release")
    ) {
      return;
    }
    try {
      await this.rpc.tool("release-ip", { ip, poolId });
    } catch (err) {
      return void message("archiflow-error", "Cannot release IP", errorText(err));
    }
    if (this.#graph.model.contains(cell)) {
      this.#writeAttrs(cell, { ip_address: null, pool_id: null }, stripIpLine(this.#label(cell)));
    }
    this.#setStatus(`released ${ip}`);
  }

  /** Deleting a shape that holds an address asks whether to release the address as well. */
  #installDeleteHandler() {
    this.#graph.model.addListener(mxEvent.CHANGE, (_sender: any, evt: any) => {
      if (this.#loading) return;
      const removed: any[] = [];
      for (const change of evt.getProperty("edit").changes ?? []) {
        if (change.child !== undefined && change.parent == null && change.previous != null) {
          const collect = (c: any) => {
            if (this.#attr(c, "ip_address") && this.#attr(c, "pool_id")) removed.push(c);
            for (let i = 0; i < (c.getChildCount?.() ?? 0); i++) collect(c.getChildAt(i));
          };
          collect(change.child);
        }
      }
      for (const cell of removed) {
        const ip = this.#attr(cell, "ip_address");
        confirmDialog(
          "archiflow-release-deleted",
          "Release IP?",
          `The deleted shape held ${ip}. Release the address in its pool?`,
          "Release",
          "Keep",
        ).then((yes) => {
          if (yes) this.releaseIp(cell, false);
        });
      }
    });
  }

  // ---- versions and templates ---------------------------------------------------------------

  async history(): Promise<void> {
    if (this.state.diagramId === null) {
      return void message("archiflow-error", "History", "Save the diagram first.");
    }
    let versions: any[];
    try {
      // The diagram is `id` here, as in load-diagram; `diagramId` is accepted as a fallback.
      const r = await this.rpc.tool<any>("list-diagram-versions", {
        id: this.state.diagramId,
        limit: 100,
      }, { retry: true }).catch(async (err) => {
        if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
          return await this.rpc.tool<any>("list-diagram-versions", {
            diagramId: this.state.diagramId,
          }, { retry: true });
        }
        throw err;
      });
      versions = r.versions ?? r.results ?? [];
    } catch (err) {
      return void this.#toolMessage("History", "list-diagram-versions", err);
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
          button(`archiflow-restore-${version}`, "Restore", () => this.#restore(version, dlg)),
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
      `History of ${this.state.name ?? "diagram"}`,
      el("table", { style: "border-collapse:collapse;width:100%" }, ...rows),
      el(
        "div",
        { style: "margin-top:10px;display:flex;gap:6px;align-items:center" },
        "Compare ",
        from,
        " with ",
        to,
        button(
          "archiflow-diff-run",
          "Compare",
          () => this.#compare(+from.value, +to.value, result),
        ),
        button("archiflow-diff-clear", "Clear highlight", () => this.#setHighlight(new Map())),
      ),
      result,
    );
  }

  async #restore(version: number, dlg: { close(): void }) {
    if (this.#ui.editor.modified) {
      const ok = await confirmDialog(
        "archiflow-restore-confirm",
        "Restore version",
        "Unsaved edits on the canvas will be lost. Restore anyway?",
        "Restore",
      );
      if (!ok) return;
    }
    // Our own restore announces a new version; it must not look like someone else's change.
    this.#saving = true;
    try {
      const r = await this.rpc.tool<any>("restore-diagram-version", {
        diagramId: this.state.diagramId,
        version,
        expectedVersion: this.state.version ?? undefined,
      }).catch(async (err) => {
        // A server whose tool takes no expectedVersion refuses the extra argument.
        if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
          return await this.rpc.tool<any>("restore-diagram-version", {
            diagramId: this.state.diagramId,
            version,
          });
        }
        throw err;
      });
      dlg.close();
      await this.openDiagram(this.state.diagramId!);
      this.#setStatus(`restored version ${version} as version ${r.version ?? this.state.version}`);
    } catch (err) {
      this.#toolMessage("Restore", "restore-diagram-version", err);
    } finally {
      this.#saving = false;
      this.#flushDeferredChanges();
    }
  }

  async #compare(from: number, to: number, out: HTMLElement) {
    try {
      const r = await this.rpc.tool<any>("diff-diagram-versions", {
        diagramId: this.state.diagramId,
        from,
        to,
      }, { retry: true });
      const c = cellChanges(r);
      const map = new Map<string, string>();
      for (const id of c.added) map.set(id, "#2e7d32");
      for (const id of c.changed) map.set(id, "#f57c00");
      this.#setHighlight(map);
      out.textContent =
        `v${from} → v${to}: ${c.added.length} added, ${c.changed.length} changed, ` +
        `${c.removed.length} removed (highlighted: green added, orange changed)`;
    } catch (err) {
      this.#toolMessage("Compare versions", "diff-diagram-versions", err);
    }
  }

  async publish(): Promise<void> {
    if (this.state.diagramId === null || this.state.version === null) {
      return void message("archiflow-error", "Publish", "Save the diagram first.");
    }
    if (this.#ui.editor.modified) {
      return void message("archiflow-error", "Publish", "Save your edits before publishing.");
    }
    try {
      await this.rpc.tool("publish-diagram-version", {
        diagramId: this.state.diagramId,
        version: this.state.version,
      });
      await message("archiflow-info", "Published", `Version ${this.state.version} is published.`);
    } catch (err) {
      this.#toolMessage("Publish", "publish-diagram-version", err);
    }
  }

  async newFromTemplate(): Promise<void> {
    let templates: any[];
    try {
      const r = await this.rpc.tool<any>("list-templates", {}, { retry: true });
      templates = r.templates ?? r.results ?? [];
    } catch (err) {
      return void this.#toolMessage("New from template", "list-templates", err);
    }
    if (templates.length === 0) {
      return void message("archiflow-error", "New from template", "There are no templates yet.");
    }
    const select = el("select", { id: "archiflow-template-select", style: "width:100%" });
    for (const t of templates) select.append(el("option", { value: String(t.id), text: t.name }));
    const form = el("div", { id: "archiflow-template-form" });
    const name = el("input", { id: "archiflow-template-name", type: "text", style: "width:100%" });
    const renderForm = () => {
      const t = templates.find((x) => String(x.id) === select.value);
      form.replaceChildren(
        ...templateVariables(t).map((v) => {
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
    const dlg = openDialog(
      "archiflow-template",
      "New diagram from template",
      select,
      el("label", { style: "display:block;margin:6px 0", text: "Diagram name" }, name),
      form,
      el(
        "div",
        { style: "text-align:right" },
        button("archiflow-template-ok", "Create", async () => {
          const values: Record<string, string> = {};
          for (const i of form.querySelectorAll<HTMLInputElement>("[data-var]")) {
            // Left empty, an optional variable takes the template's default.
            if (i.value.trim() !== "") values[i.dataset.var!] = i.value.trim();
          }
          try {
            const r = await this.rpc.tool<any>("instantiate-template", {
              templateId: select.value,
              name: name.value.trim() ||
                templates.find((x) => String(x.id) === select.value)?.name || "New diagram",
              values,
            });
            dlg.close();
            const id = r.id ?? r.diagram?.id ?? r.diagram_id;
            if (typeof id === "string" || typeof id === "number") {
              await this.#openWithCheck(String(id));
            } else if (typeof r.xml === "string") this.#setXml(r.xml);
          } catch (err) {
            this.#toolMessage("New from template", "instantiate-template", err);
          }
        }),
      ),
    );
  }

  async openDialog(): Promise<void> {
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
        const r = await this.rpc.tool<{ diagrams: any[] }>("list-diagrams", {
          q: search.value.trim() || undefined,
          limit: 100,
        }, { retry: true });
        if (mine !== seq) return;
        list.replaceChildren(
          ...r.diagrams.map((d) => {
            const id = String(d.id);
            const open = button(`archiflow-open-${id}`, `${d.name} (v${d.version})`, async () => {
              dlg.close();
              await this.#openWithCheck(id);
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

  async #openWithCheck(id: string) {
    if (this.#ui.editor.modified) {
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

  async refreshAlerts(): Promise<void> {
    try {
      const r = await this.rpc.tool<any>("get-alerts", { resolved: false, limit: 20 }, {
        retry: true,
      })
        .catch(async (err) => {
          if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
            return await this.rpc.tool<any>("get-alerts", {}, { retry: true });
          }
          throw err;
        });
      const alerts: any[] = r.alerts ?? r.results ?? [];
      this.state.alerts = typeof r.count === "number" ? r.count : alerts.length;
      if (this.#alertsEl) {
        this.#alertsEl.textContent = `⚠ ${this.state.alerts} alert${
          this.state.alerts === 1 ? "" : "s"
        }`;
        this.#alertsEl.style.color = this.state.alerts ? "#b85450" : "#666";
        this.#alertsEl.title = alerts.slice(0, 10).map((a) => a.message ?? a.alert_type ?? "").join(
          "\n",
        );
      }
    } catch (err) {
      this.state.alerts = null;
      if (this.#alertsEl) {
        this.#alertsEl.textContent = isMissingTool(err) ? "alerts: n/a" : "alerts: ?";
        this.#alertsEl.title = errorText(err);
      }
    }
  }

  #toolMessage(title: string, tool: string, err: unknown) {
    const text = isMissingTool(err)
      ? `This ArchiFlow server does not offer "${tool}" yet, so ${title} is unavailable.`
      : errorText(err);
    return message("archiflow-error", title, text);
  }

  // ---- draw.io glue -------------------------------------------------------------------------

  #getXml(): string {
    return this.#ui.getFileData(true, null, null, null, true, false, null, null, null, true);
  }

  #setXml(xml: string) {
    const ui = this.#ui;
    const wasLoading = this.#loading;
    this.#loading = true;
    try {
      ui.editor.graph.model.clear();
      ui.setFileData(xml);
      ui.editor.undoManager.clear();
    } finally {
      this.#loading = wasLoading;
    }
    this.#markSaved();
  }

  #markSaved() {
    const ui = this.#ui;
    ui.editor.setModified(false);
    const file = ui.getCurrentFile?.();
    if (file?.setModified) file.setModified(false);
    ui.editor.setStatus?.("");
  }

  #announce() {
    const title = this.state.name ?? "New diagram";
    try {
      globalThis.parent?.postMessage(
        JSON.stringify({ event: "archiflow-title", title, diagramId: this.state.diagramId }),
        this.params.server,
      );
    } catch { /* not framed by the host page */ }
  }

  #setStatus(text: string | null) {
    if (!this.#statusEl) return;
    const conn = this.rpc.status === "open" ? "" : ` [${this.rpc.status}]`;
    const name = this.state.name ? `${this.state.name}: ` : "";
    if (text !== null) this.#statusEl.dataset.text = text;
    this.#statusEl.textContent = `${name}${this.#statusEl.dataset.text ?? ""}${conn}`;
  }

  #setHighlight(map: Map<string, string>) {
    this.#highlight = map;
    this.#graph.refresh();
  }

  /** Status colours and diff highlights are view-only: they never change the saved XML. */
  #installViewOverrides() {
    const graph = this.#graph;
    const getCellStyle = graph.getCellStyle;
    graph.getCellStyle = (cell: any, ...rest: unknown[]) => {
      const style = { ...getCellStyle.call(graph, cell, ...rest) };
      const asset = this.#attr(cell, "asset_id");
      if (asset) {
        const device = this.state.devices.find((d) => d.asset_id === asset);
        if (device) {
          const c = statusColour(device.status);
          if (String(style.shape ?? "").startsWith("mxgraph.")) {
            // An icon's fill is its artwork; mark its label instead.
            style.labelBackgroundColor = c.fill;
            style.labelBorderColor = c.stroke;
          } else {
            style.fillColor = c.fill;
            style.strokeColor = c.stroke;
          }
        }
      }
      const mark = cell?.id !== undefined ? this.#highlight.get(String(cell.id)) : undefined;
      if (mark) {
        style.strokeColor = mark;
        style.strokeWidth = 4;
      }
      return style;
    };
  }

  #installActions() {
    const ui = this.#ui;
    mxResources.parse([
      "afOpen=Open…",
      "afSave=Save",
      "afSaveAsNew=Save as new…",
      "afHistory=History…",
      "afPublish=Publish version",
      "afNewFromTemplate=New from template…",
      "afBindDevice=Bind to device…",
      "afAllocateIp=Allocate IP…",
      "afReleaseIp=Release IP",
      "afRefreshDevices=Refresh devices",
      "afRefreshLabels=Refresh labels from inventory",
    ].join("\n"));
    const add = (name: string, fn: () => unknown, shortcut?: string) =>
      ui.actions.addAction(name, () => void fn(), null, null, shortcut);
    add("afOpen", () => this.openDialog());
    add("afSave", () => this.save(), `${(globalThis as any).mxClient?.IS_MAC ? "Cmd" : "Ctrl"}+S`);
    add("afSaveAsNew", () => this.saveAsNew());
    add("afHistory", () => this.history());
    add("afPublish", () => this.publish());
    add("afNewFromTemplate", () => this.newFromTemplate());
    add("afBindDevice", () => this.bindDevice());
    add("afAllocateIp", () => this.allocateIp());
    add("afReleaseIp", () => this.releaseIp());
    add("afRefreshDevices", () => this.refreshDevices());
    add("afRefreshLabels", () => this.refreshLabels());
    // Ctrl+S and Ctrl+Shift+S are bound to draw.io's save; in embed mode that would only post
    // the XML to the host page, so both go to ArchiFlow instead.
    ui.saveFile = (forceDialog: boolean) => void (forceDialog ? this.saveAsNew() : this.save());
    const save = ui.actions.get("save");
    if (save) {
      save.funct = () => void this.save();
      save.isEnabled = () => true;
    }
  }

  #installMenu() {
    const ui = this.#ui;
    const menubar = ui.menubar;
    if (!menubar) return;
    const elt: HTMLElement = menubar.addMenu("ArchiFlow", (menu: any, parent: any) => {
      ui.menus.addMenuItems(menu, MENU_ITEMS, parent);
    });
    elt.id = "archiflow-menu";
    elt.style.fontWeight = "bold";
    this.#statusEl = el("span", {
      id: "archiflow-status",
      style: "margin-left:12px;color:#555;font-size:12px;cursor:default",
    });
    this.#alertsEl = el("span", {
      id: "archiflow-alerts",
      style: "margin-left:12px;font-size:12px;cursor:default",
      text: "alerts: …",
    });
    menubar.container.append(this.#statusEl, this.#alertsEl);
  }

  /** The scratchpad is draw.io's one store in the browser that can hold diagram content. */
  #disableScratchpad() {
    const ui = this.#ui;
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
  #waitForEmbedLoad(): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now();
      const check = () => {
        if (this.#ui.getCurrentFile?.() != null || Date.now() - started > 30_000) resolve();
        else setTimeout(check, 25);
      };
      check();
    });
  }
}
