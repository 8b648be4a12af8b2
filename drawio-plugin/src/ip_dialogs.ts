// IP addresses on shapes: "Allocate IP" (a pool chosen with its usage, kept current while the
// dialog is open as other users and processes allocate), "Release IP", and the offer to release
// the address of a shape being deleted.
/// <reference lib="dom" />
import { deviceLabel, stripIpLine } from "./attrs.ts";
import type { EditorContext } from "./context.ts";
import { button, confirmDialog, el, message, openDialog } from "./dom.ts";
import { cellAttr } from "./drawio_hooks.ts";
import { cellLabel, selectedVertex, writeAttrs } from "./devices.ts";
import type { DrawioGlobals, MxCell, MxChildChange, MxEventObject } from "./drawio_types.ts";
import { errorText } from "./tool_errors.ts";

declare const mxEvent: DrawioGlobals["mxEvent"];

interface Pool {
  id: string;
  name: string;
  network: string;
  allocated_count: number;
  usable_count: number;
  available_count: number;
  usage_percentage: number | string | null;
  available?: string[];
}

/** A pool as the pool list shows it: name, network and how full it is. */
export function poolOption(p: Pool): string {
  return `${p.name} — ${p.network} (${p.allocated_count}/${p.usable_count} used, ${
    Number(p.usage_percentage ?? 0).toFixed(1)
  }%)`;
}

/** The line under the pool list: what is free, and the next addresses allocation would give. */
export function poolUsage(p: Pool | undefined): string {
  if (!p) return "This pool no longer exists.";
  const next = (p.available ?? []).slice(0, 3).join(", ") || "none";
  return `${p.available_count} free; next free: ${next}`;
}

async function listPools(ctx: EditorContext): Promise<Pool[]> {
  // Ids are kept as text, whatever JSON type they arrive as.
  type Listed = Omit<Pool, "id"> & { id: string | number };
  const r = await ctx.rpc.tool<{ pools: Listed[] }>("get-ip-pools", {}, { retry: true });
  return r.pools.map((p) => ({ ...p, id: String(p.id) }));
}

/** The Allocate IP dialog's pool figures, while it is open; refreshed when a pool changes. */
let openAllocate: { refresh(): Promise<void> } | null = null;

/** A pool changed somewhere: an open Allocate IP dialog shows the new figures. */
export function poolChanged(): Promise<void> {
  return openAllocate?.refresh() ?? Promise.resolve();
}

export async function allocateIpDialog(ctx: EditorContext): Promise<void> {
  const graph = ctx.graph;
  const cell = selectedVertex(graph);
  if (!cell) {
    return void message("archiflow-error", "Allocate IP", "Select a device shape first.");
  }
  if (cellAttr(cell, "ip_address") && cellAttr(cell, "pool_id")) {
    return void message(
      "archiflow-error",
      "Allocate IP",
      `This shape already holds ${cellAttr(cell, "ip_address")}; release it first.`,
    );
  }
  let pools: Pool[];
  try {
    pools = await listPools(ctx);
  } catch (err) {
    return void message("archiflow-error", "Cannot list IP pools", errorText(err));
  }
  if (pools.length === 0) {
    return void message("archiflow-error", "Allocate IP", "There are no IP pools yet.");
  }
  const select = el("select", { id: "archiflow-pool-select", style: "width:100%" });
  const usage = el("p", { id: "archiflow-pool-usage", style: "color:#444" });
  const render = () => {
    const chosen = select.value;
    select.replaceChildren(
      ...pools.map((p) => el("option", { value: p.id, text: poolOption(p) })),
    );
    // Pool ids are text ("pool-1"), kept exactly as the server gave them.
    if (pools.some((p) => p.id === chosen)) select.value = chosen;
    usage.textContent = poolUsage(pools.find((p) => p.id === select.value));
  };
  select.addEventListener("change", () => {
    usage.textContent = poolUsage(pools.find((p) => p.id === select.value));
  });
  render();
  const ok = button("archiflow-allocate-ok", "Allocate", async () => {
    const poolId = select.value;
    try {
      const a = await ctx.rpc.tool<{ ip_address: string; pool_id: string }>("allocate-ip", {
        poolId,
        assetId: cellAttr(cell, "asset_id") ?? undefined,
        deviceName: stripIpLine(cellLabel(graph, cell)).slice(0, 200) || undefined,
        deviceType: cellAttr(cell, "device_type") ?? undefined,
      });
      writeAttrs(
        graph,
        cell,
        { ip_address: a.ip_address, pool_id: String(a.pool_id ?? poolId) },
        deviceLabel(cellLabel(graph, cell), a.ip_address, graph.isHtmlLabel(cell)),
      );
      dlg.close();
      ctx.setStatus(`allocated ${a.ip_address} (unsaved)`);
    } catch (err) {
      dlg.close();
      await message("archiflow-error", "Cannot allocate IP", errorText(err));
    }
  });
  const dlg = openDialog(
    "archiflow-allocate",
    `Allocate IP for ${stripIpLine(cellLabel(graph, cell)) || "shape"}`,
    select,
    usage,
    el(
      "div",
      { style: "text-align:right;display:flex;gap:8px;justify-content:flex-end" },
      button("archiflow-allocate-cancel", "Cancel", () => dlg.close()),
      ok,
    ),
  );
  const mine = {
    async refresh() {
      try {
        const fresh = await listPools(ctx);
        if (openAllocate !== mine) return;
        pools = fresh;
        render();
      } catch { /* the figures stay as they were; allocating says what went wrong */ }
    },
  };
  openAllocate = mine;
  new MutationObserver((_m, observer) => {
    if (dlg.box.isConnected) return;
    observer.disconnect();
    if (openAllocate === mine) openAllocate = null;
  }).observe(document.body, { childList: true });
}

export async function releaseIp(
  ctx: EditorContext,
  cell: MxCell | null,
  ask = true,
): Promise<void> {
  const graph = ctx.graph;
  const ip = cellAttr(cell, "ip_address");
  const poolId = cellAttr(cell, "pool_id");
  if (!cell || !ip || !poolId) {
    return void message("archiflow-error", "Release IP", "Select a shape that holds an address.");
  }
  if (
    ask && !await confirmDialog("archiflow-release", "Release IP", `Release ${ip}?`, "Release")
  ) {
    return;
  }
  try {
    await ctx.rpc.tool("release-ip", { ip, poolId });
  } catch (err) {
    return void message("archiflow-error", "Cannot release IP", errorText(err));
  }
  if (graph.model.contains(cell)) {
    writeAttrs(
      graph,
      cell,
      { ip_address: null, pool_id: null },
      stripIpLine(cellLabel(graph, cell)),
    );
  }
  ctx.setStatus(`released ${ip}`);
}

/** Deleting a shape that holds an address asks whether to release the address as well. */
export function installDeleteHandler(ctx: EditorContext): void {
  ctx.graph.model.addListener(mxEvent.CHANGE, (_sender: unknown, evt: MxEventObject) => {
    if (ctx.loading) return;
    const removed: MxCell[] = [];
    const changes: MxChildChange[] = evt.getProperty("edit").changes ?? [];
    for (const change of changes) {
      if (change.child !== undefined && change.parent == null && change.previous != null) {
        const collect = (c: MxCell) => {
          if (cellAttr(c, "ip_address") && cellAttr(c, "pool_id")) removed.push(c);
          for (let i = 0; i < (c.getChildCount?.() ?? 0); i++) collect(c.getChildAt(i));
        };
        collect(change.child);
      }
    }
    for (const cell of removed) {
      confirmDialog(
        "archiflow-release-deleted",
        "Release IP?",
        `The deleted shape held ${cellAttr(cell, "ip_address")}. Release the address in its pool?`,
        "Release",
        "Keep",
      ).then((yes) => {
        if (yes) releaseIp(ctx, cell, false);
      });
    }
  });
}
