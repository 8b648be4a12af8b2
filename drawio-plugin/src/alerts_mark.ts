// The alerts mark in the menu bar: how many alerts are open, with the latest in its tooltip.
/// <reference lib="dom" />
// deno-lint-ignore-file no-explicit-any
import { type RpcConnection, RpcError } from "./rpc.ts";
import { errorText, isMissingTool } from "./tool_errors.ts";

/** Reads the open alerts into `mark` and returns their count, or null when it cannot. */
export async function showAlerts(
  rpc: RpcConnection,
  mark: HTMLElement | null,
): Promise<number | null> {
  try {
    const r = await rpc.tool<any>("get-alerts", { resolved: false, limit: 20 }, { retry: true })
      .catch(async (err) => {
        // An older server's tool takes no filters.
        if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
          return await rpc.tool<any>("get-alerts", {}, { retry: true });
        }
        throw err;
      });
    const alerts: any[] = r.alerts ?? r.results ?? [];
    const count = typeof r.count === "number" ? r.count : alerts.length;
    if (mark) {
      mark.textContent = `⚠ ${count} alert${count === 1 ? "" : "s"}`;
      mark.style.color = count ? "#b85450" : "#666";
      mark.title = alerts.slice(0, 10).map((a) => a.message ?? a.alert_type ?? "").join("\n");
    }
    return count;
  } catch (err) {
    if (mark) {
      mark.textContent = isMissingTool(err) ? "alerts: n/a" : "alerts: ?";
      mark.title = errorText(err);
    }
    return null;
  }
}
