// The alerts mark in the menu bar: how many alerts are open, with the latest in its tooltip.
/// <reference lib="dom" />
import { type RpcConnection, RpcError } from "./rpc.ts";
import { errorText, isMissingTool } from "./tool_errors.ts";

/** What get-alerts answers, as far as the mark reads it (older servers say `results`). */
interface AlertList {
  alerts?: AlertRow[];
  results?: AlertRow[];
  count?: number;
}

interface AlertRow {
  message?: string | null;
  alert_type?: string | null;
}

/** Reads the open alerts into `mark` and returns their count, or null when it cannot. */
export async function showAlerts(
  rpc: RpcConnection,
  mark: HTMLElement | null,
): Promise<number | null> {
  try {
    const list = (args: Record<string, unknown>) =>
      rpc.tool<AlertList>("get-alerts", args, { retry: true });
    const r = await list({ resolved: false, limit: 20 }).catch(async (err) => {
      // An older server's tool takes no filters.
      if (err instanceof RpcError && err.code === -32602 && !isMissingTool(err)) {
        return await list({});
      }
      throw err;
    });
    const alerts: AlertRow[] = r.alerts ?? r.results ?? [];
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
