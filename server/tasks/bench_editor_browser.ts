// What bench:editor measures in the browser: the bytes of every HTTP response (Chrome's own
// accounting over CDP), the CPU time of the browser's processes, and the page that shows draw.io
// alone for the baseline.
import type { BrowserContext, Page } from "playwright-core";

// deno-lint-ignore no-explicit-any
type Any = any;

/** draw.io alone in a frame, handed the file by postMessage once it says it is ready. */
export function baselineHost(drawio: string): string {
  const src = drawio.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="border:0;width:100vw;height:100vh" src="${src}"></iframe>
<script>
window.addEventListener("message", async (e) => {
  const msg = JSON.parse(e.data);
  if (msg.event === "init") {
    const xml = await (await fetch("/bench-file.drawio")).text();
    document.getElementById("f").contentWindow.postMessage(
      JSON.stringify({ action: "load", xml, autosave: 0 }), "*");
  } else if (msg.event === "load") {
    document.title = "loaded";
  }
});
</script></body></html>`;
}

export type Transfer = { url: string; bytes: number; cached: boolean };

/** Bytes of every HTTP response a page receives (Chrome's encodedDataLength), by URL. */
export class Transfers {
  #urls = new Map<string, string>();
  responses: Transfer[] = [];
  #cached = new Set<string>();

  static async watch(context: BrowserContext, page: Page): Promise<Transfers> {
    const t = new Transfers();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    cdp.on("Network.requestWillBeSent", (e: Any) => t.#urls.set(e.requestId, e.request.url));
    cdp.on("Network.responseReceived", (e: Any) => {
      if (e.response.fromDiskCache || e.response.fromMemoryCache) t.#cached.add(e.requestId);
    });
    cdp.on("Network.requestServedFromCache", (e: Any) => t.#cached.add(e.requestId));
    cdp.on("Network.loadingFinished", (e: Any) => {
      const url = t.#urls.get(e.requestId) ?? "?";
      if (url.startsWith("data:")) return;
      t.responses.push({ url, bytes: e.encodedDataLength, cached: t.#cached.has(e.requestId) });
    });
    return t;
  }

  take(): Transfer[] {
    const out = this.responses;
    this.responses = [];
    return out;
  }
}

export const total = (rs: { bytes: number }[]) => rs.reduce((sum, r) => sum + r.bytes, 0);

/**
 * CPU time so far of every process below this one (the browser's, all of them: renderers, GPU,
 * network), in ms, from /proc.
 */
export function browserCpuMs(): number {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // After "(command)": state ppid ... utime (14th field) stime (15th).
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry.name), Number(f[1]));
      cpu.set(Number(entry.name), Number(f[11]) + Number(f[12]));
    } catch { /* gone meanwhile */ }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === Deno.pid) return true;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, t] of cpu) if (below(pid)) ticks += t;
  return ticks * 10; // USER_HZ is 100 on Linux
}
