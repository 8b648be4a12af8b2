// `deno task bench:editor`: the editor in headless chromium against a server on embedded PGlite
// (or DATABASE_URL). Measures navigation to plugin ready and the save round trip of a 1 MB
// diagram, each beside the time draw.io alone (no plugin, no server calls) takes to open the
// same diagram file in the same run.
import { chromium, type Page } from "playwright-core";
import { loadConfig } from "../config.ts";
import type { Db } from "../db/db.ts";
import { openPglite } from "../db/pglite.ts";
import { openPostgres } from "../db/postgres.ts";
import { generateNetworkDiagram } from "../diagrams/generate.ts";
import { createLogger } from "../log.ts";
import { startServer } from "../server.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const TARGET_BYTES = 1024 * 1024;

function diagramOfAboutOneMegabyte(): string {
  let devices = 1000;
  let xml = generateNetworkDiagram({ devices, links: devices, seed: 7 });
  devices = Math.round(devices * TARGET_BYTES / xml.length);
  xml = generateNetworkDiagram({ devices, links: devices, seed: 7 });
  return xml;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A page that frames draw.io alone and hands it the file, as any embedding host would. */
function baselineHost(origin: string): string {
  return `<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="border:0;width:100vw;height:100vh"
  src="${origin}/drawio/?embed=1&proto=json&spin=1&stealth=1&pwa=0"></iframe>
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

async function timeBaselineOpen(page: Page, origin: string): Promise<number> {
  const started = performance.now();
  await page.goto(`${origin}/bench-host.html`);
  // deno-lint-ignore no-explicit-any
  const loaded = () => (globalThis as any).document.title === "loaded";
  await page.waitForFunction(loaded, null, { timeout: 120_000 });
  return performance.now() - started;
}

const milestones: Record<string, number[]> = {};

async function timeEditorReady(
  page: Page,
  origin: string,
  id: string,
  auth: string,
): Promise<number> {
  const started = performance.now();
  await page.goto(`${origin}/editor?diagram=${encodeURIComponent(id)}#${auth}`);
  const frame = (await (await page.waitForSelector("iframe#drawio")).contentFrame())!;
  // deno-lint-ignore no-explicit-any
  const ready = () => (globalThis as any).document.documentElement.dataset.archiflowReady === "1";
  await frame.waitForFunction(ready, null, { timeout: 120_000 });
  const elapsed = performance.now() - started;
  // deno-lint-ignore no-explicit-any
  const timings = await frame.evaluate(() => (globalThis as any).archiflow.state.timings);
  for (const [k, v] of Object.entries<number>(timings)) (milestones[k] ??= []).push(v);
  return elapsed;
}

async function timeSave(page: Page): Promise<number> {
  const frame = (await (await page.waitForSelector("iframe#drawio")).contentFrame())!;
  return await frame.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const editor = (globalThis as any).archiflow;
    const started = performance.now();
    const ok = await editor.save();
    if (!ok) throw new Error("save failed");
    return performance.now() - started;
  });
}

/**
 * An admin API key for the run when this server checks keys (server/auth/tokens.ts), else null.
 * The module is looked up at run time so the benchmark also runs on servers without it.
 */
async function benchKey(db: Db): Promise<string | null> {
  const specifier = "../auth/tokens.ts";
  try {
    const mod = await import(specifier);
    const { key } = await mod.createToken(db, { user: "bench-editor", scope: "admin" });
    return key as string;
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const url = Deno.env.get("DATABASE_URL");
  const db = url ? openPostgres(url, { max: 4 }) : await openPglite();
  const server = await startServer(
    loadConfig({ PORT: "0", HOST: "127.0.0.1" }),
    db,
    createLogger("silent"),
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"],
  });
  try {
    const xml = diagramOfAboutOneMegabyte();
    const key = await benchKey(db);
    const auth = key ? `token=${encodeURIComponent(key)}` : "";
    const ws = new WebSocket(
      server.url.replace(/^http/, "ws") + "/ws",
      key ? ["archiflow", `archiflow.token.${key}`] : [],
    );
    await new Promise((r) => ws.onopen = r);
    const saved = await new Promise<{ id: string }>((resolve, reject) => {
      ws.onmessage = (e) => {
        const msg = JSON.parse(String(e.data));
        if (msg.result?.isError || msg.error) reject(new Error(String(e.data).slice(0, 300)));
        else resolve(msg.result.structuredContent);
      };
      ws.send(JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "save-diagram", arguments: { name: "bench 1 MB", xml } },
      }));
    });
    ws.close();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.route(
      `${server.url}/bench-host.html`,
      (route) => route.fulfill({ contentType: "text/html", body: baselineHost(server.url) }),
    );
    await page.route(
      `${server.url}/bench-file.drawio`,
      (route) => route.fulfill({ contentType: "application/xml", body: xml }),
    );

    // One warm-up of each so both read draw.io from the browser cache alike.
    await timeBaselineOpen(page, server.url);
    await timeEditorReady(page, server.url, saved.id, auth);
    const baseline: number[] = [];
    const ready: number[] = [];
    const save: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      baseline.push(await timeBaselineOpen(page, server.url));
      ready.push(await timeEditorReady(page, server.url, saved.id, auth));
      save.push(await timeSave(page));
    }
    const base = median(baseline);
    const line = (name: string, ms: number) =>
      console.log(
        `${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   ${
          (ms / base).toFixed(2)
        }x draw.io alone`,
      );
    console.log(
      `diagram: ${(xml.length / 1024).toFixed(0)} KiB, backend ${db.kind}, median of ${RUNS} runs`,
    );
    line("draw.io alone opens the file (baseline)", base);
    line("editor: navigation to plugin ready", median(ready));
    line("editor: save round trip (1 MB)", median(save));
    console.log(
      "editor milestones (ms since the frame's navigation, median): " +
        Object.entries(milestones).map(([k, v]) => `${k} ${median(v)}`).join(", "),
    );
  } finally {
    await browser.close();
    await server.shutdown();
    await db.close();
  }
}
