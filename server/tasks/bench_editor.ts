// `deno task bench:editor`: the editor in headless chromium against a server on embedded PGlite
// (or on a database it creates and drops on DATABASE_URL's PostgreSQL). Prints, all measured in
// the same run:
// - bytes transferred to open the editor with an empty browser cache and again with the cache
//   of the first open (Chrome's own accounting: encodedDataLength of every HTTP response);
// - the editor's open time beside draw.io alone (a page that frames the same draw.io and hands it
//   the same file, as any embedding host would), with a warm cache and with empty ones;
// - the save round trip of a 1 MB diagram beside draw.io's own serialisation of it plus the
//   server's save-diagram of that XML (from this process over a WebSocket), with the split;
// - CPU per call: the browser's processes and this process (the server and the browser
//   driver), from /proc (Linux).
import process from "node:process";
import postgres from "postgres";
import { chromium, type Frame, type Page } from "playwright-core";
import { loadConfig } from "../config.ts";
import type { Db } from "../db/db.ts";
import { migrate } from "../db/migrate.ts";
import { openPglite } from "../db/pglite.ts";
import { openPostgres } from "../db/postgres.ts";
import { generateNetworkDiagram } from "../diagrams/generate.ts";
import { createLogger } from "../log.ts";
import { EMBED_PARAMS } from "../routes/editor.ts";
import { startServer } from "../server.ts";
import { createToken } from "../auth/tokens.ts";
import { benchHelp } from "./bench_support.ts";
import { RpcClient } from "./rpc_client.ts";
import {
  baselineHost,
  browserCpuMs,
  total,
  type Transfer,
  Transfers,
} from "./bench_editor_browser.ts";

benchHelp({
  name: "bench:editor",
  summary: "The editor in headless chromium: transferred bytes, open time and a 1 MB save.",
  options: {},
  example: "deno task bench:editor",
  notes: [
    "Embedded PGlite, or PostgreSQL with DATABASE_URL; BENCH_RUNS (5); CHROMIUM_PATH",
    "(default /usr/bin/chromium).",
  ],
});

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const COLD_RUNS = Number(Deno.env.get("BENCH_COLD_RUNS") ?? 3);
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const TARGET_BYTES = 1024 * 1024;
const TIMEOUT = 180_000;
// deno-lint-ignore no-explicit-any
type Any = any;

function diagramOfAboutOneMegabyte(): string {
  let devices = 1000;
  const xml = generateNetworkDiagram({ devices, links: devices, seed: 7 });
  devices = Math.round(devices * TARGET_BYTES / xml.length);
  return generateNetworkDiagram({ devices, links: devices, seed: 7 });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function openEditor(page: Page, url: string): Promise<{ ms: number; frame: Frame }> {
  await page.goto("about:blank");
  const started = performance.now();
  await page.goto(url);
  const frame = (await (await page.waitForSelector("iframe#drawio")).contentFrame())!;
  const ready = () => (globalThis as Any).document.documentElement.dataset.archiflowReady === "1";
  await frame.waitForFunction(ready, null, { timeout: TIMEOUT });
  return { ms: performance.now() - started, frame };
}

async function openBaseline(page: Page, url: string): Promise<number> {
  await page.goto("about:blank");
  const started = performance.now();
  await page.goto(url);
  const loaded = () => (globalThis as Any).document.title === "loaded";
  await page.waitForFunction(loaded, null, { timeout: TIMEOUT });
  return performance.now() - started;
}

/** Lets what the last step started (notifications, redraws) finish before the next is timed. */
const settle = (frame: Frame) =>
  frame.evaluate(() =>
    new Promise((r) => setTimeout(() => (globalThis as Any).requestIdleCallback(r), 50))
  );

async function main(db: Db) {
  const xml = diagramOfAboutOneMegabyte();
  // A page of another origin (port) frames draw.io for the baseline; the server allows it.
  const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/bench-file.drawio") return new Response(xml);
    const drawio = url.searchParams.get("drawio") ?? "";
    return new Response(baselineHost(drawio), { headers: { "content-type": "text/html" } });
  });
  const hostOrigin = `http://127.0.0.1:${host.addr.port}`;
  // Migrated, and a key made, first: a server that finds a key prints none of its own.
  await migrate(db);
  const { key } = await createToken(db, { user: "bench-editor", scope: "admin" });
  const server = await startServer(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      ARCHIFLOW_FRAME_ANCESTORS: `'self' ${hostOrigin}`,
      ARCHIFLOW_RATE_LIMIT_PER_TOKEN: "0",
      ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: "0",
    }),
    db,
    createLogger("silent"),
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"],
  });
  try {
    const client = await RpcClient.connect(
      server.url.replace(/^http/, "ws") + "/ws",
      ["archiflow", `archiflow.token.${key}`],
    );
    const saveDiagram = (args: Record<string, unknown>) =>
      client.tool<{ id: string }>("save-diagram", args);
    const opened = await saveDiagram({ name: "bench 1 MB", xml });
    // The server-only saves go to a copy, so they never make the editor's version stale.
    const copy = await saveDiagram({ name: "bench 1 MB (server saves)", xml });
    const editorUrl = `${server.url}/editor?diagram=${encodeURIComponent(opened.id)}` +
      `#token=${encodeURIComponent(key)}`;
    const framed = new URL((await (await fetch(`${server.url}/editor`)).text())
      .match(/data-src="([^"]+)"/)![1].replaceAll("&amp;", "&"));
    const drawioAlone = new URL(framed.origin + framed.pathname);
    for (const [k, v] of Object.entries(EMBED_PARAMS)) {
      if (k !== "archiflow") drawioAlone.searchParams.set(k, v);
    }
    const baselineUrl = `${hostOrigin}/?drawio=${encodeURIComponent(drawioAlone.toString())}`;

    // Empty caches: each open in a context of its own, alternating draw.io alone and the editor;
    // the editor's context then opens it again for the bytes of a second open. The first round
    // warms the browser and the server and is not counted.
    const viewport = { viewport: { width: 1280, height: 800 } };
    const coldEditor: number[] = [];
    const coldBaseline: number[] = [];
    let coldResponses: Transfer[] = [];
    let secondResponses: Transfer[] = [];
    for (let i = 0; i <= COLD_RUNS; i++) {
      const alone = await browser.newContext(viewport);
      const baselineMs = await openBaseline(await alone.newPage(), baselineUrl);
      await alone.close();
      const fresh = await browser.newContext(viewport);
      const freshPage = await fresh.newPage();
      const watched = await Transfers.watch(fresh, freshPage);
      const editorMs = (await openEditor(freshPage, editorUrl)).ms;
      coldResponses = watched.take();
      await openEditor(freshPage, editorUrl);
      secondResponses = watched.take();
      await fresh.close();
      if (i === 0) continue;
      coldBaseline.push(baselineMs);
      coldEditor.push(editorMs);
    }

    const context = await browser.newContext(viewport);
    const page = await context.newPage();
    await openEditor(page, editorUrl);
    // Open times with a warm cache, alternating draw.io alone and the editor in one browser.
    const baseline: number[] = [];
    const ready: number[] = [];
    const openCpu: number[] = [];
    const openBusy: number[] = [];
    const milestones: Record<string, number[]> = {};
    let frame: Frame | null = null;
    for (let i = 0; i < RUNS; i++) {
      baseline.push(await openBaseline(page, baselineUrl));
      const [cpu0, busy0] = [cpuMs(), browserCpuMs()];
      const open = await openEditor(page, editorUrl);
      openCpu.push(cpuMs() - cpu0);
      openBusy.push(browserCpuMs() - busy0);
      ready.push(open.ms);
      frame = open.frame;
      const timings = await frame.evaluate(() => (globalThis as Any).archiflow.state.timings);
      for (const [k, v] of Object.entries<number>(timings)) (milestones[k] ??= []).push(v);
    }
    if (!frame) throw new Error("BENCH_RUNS must be at least 1");

    // The save round trip beside its parts, alternating so that load falls on all alike.
    const save: number[] = [];
    const serialise: number[] = [];
    const rpc: number[] = [];
    const own: number[] = [];
    const server1: number[] = [];
    const serverCpu: number[] = [];
    const saveBusy: number[] = [];
    let savedBytes = 0;
    for (let i = 0; i < RUNS + 1; i++) {
      await settle(frame);
      const busy0 = browserCpuMs();
      const saveMs = await frame.evaluate(async () => {
        const started = performance.now();
        if (!await (globalThis as Any).archiflow.save()) throw new Error("save failed");
        return performance.now() - started;
      });
      const saveBusyMs = browserCpuMs() - busy0;
      await settle(frame);
      // draw.io's own serialisation, as the plugin asks for it (the file, uncompressed).
      const serialiseMs = await frame.evaluate(() => {
        const started = performance.now();
        const w = globalThis as Any;
        w.benchXml = w.archiflowUi.getFileData(
          true,
          null,
          null,
          null,
          true,
          false,
          null,
          null,
          null,
          true,
        );
        return performance.now() - started;
      });
      const fileXml = await frame.evaluate(() => (globalThis as Any).benchXml as string);
      savedBytes = fileXml.length;
      await settle(frame);
      const cpu0 = cpuMs();
      const t0 = performance.now();
      await saveDiagram({ id: copy.id, xml: fileXml });
      const serverMs = performance.now() - t0;
      const serverCpuMs = cpuMs() - cpu0;
      await settle(frame);
      // The same call from the browser through the plugin's connection, without the plugin.
      const rpcMs = await frame.evaluate(async (id: string) => {
        const w = globalThis as Any;
        const started = performance.now();
        await w.archiflow.rpc.tool("save-diagram", { id, xml: w.benchXml });
        return performance.now() - started;
      }, copy.id);
      if (i === 0) continue; // the first round warms every path
      save.push(saveMs);
      saveBusy.push(saveBusyMs);
      serialise.push(serialiseMs);
      server1.push(serverMs);
      serverCpu.push(serverCpuMs);
      rpc.push(rpcMs);
      own.push(saveMs - serialiseMs - rpcMs);
    }
    await client.close();
    await context.close();

    const line = (name: string, value: string, note = "") =>
      console.log(`${name.padEnd(52)} ${value.padStart(12)}   ${note}`);
    console.log(
      `diagram: ${kb(xml.length)} (${kb(savedBytes)} as draw.io writes it), backend ${db.kind}, ` +
        `median of ${RUNS} runs`,
    );
    const coldBytes = total(coldResponses);
    const secondBytes = total(secondResponses);
    line("cold open: transferred", kb(coldBytes), `${coldResponses.length} responses`);
    line(
      "second open: transferred",
      kb(secondBytes),
      `${secondResponses.filter((r) => !r.cached).length} of ` +
        `${secondResponses.length} responses from the network`,
    );
    const base = median(baseline);
    line("draw.io alone opens the file (warm cache)", `${base.toFixed(0)} ms`, "1.00x");
    line(
      "editor: navigation to plugin ready (warm cache)",
      `${median(ready).toFixed(0)} ms`,
      `${(median(ready) / base).toFixed(2)}x draw.io alone`,
    );
    console.log(
      "  editor milestones (ms since the frame's navigation): " +
        Object.entries(milestones).map(([k, v]) => `${k} ${median(v)}`).join(", "),
    );
    line(
      `editor: navigation to plugin ready (empty cache, ${COLD_RUNS} runs)`,
      `${median(coldEditor).toFixed(0)} ms`,
      `${(median(coldEditor) / median(coldBaseline)).toFixed(2)}x draw.io alone (` +
        `${median(coldBaseline).toFixed(0)} ms)`,
    );
    const saveBase = median(serialise) + median(server1);
    line(
      "editor: save round trip (1 MB)",
      `${median(save).toFixed(0)} ms`,
      `${(median(save) / saveBase).toFixed(2)}x (draw.io serialisation + save-diagram)`,
    );
    line("  draw.io serialisation (getFileData)", `${median(serialise).toFixed(0)} ms`);
    line("  save-diagram from this process (WebSocket)", `${median(server1).toFixed(0)} ms`);
    line(
      "  save-diagram from the browser (plugin's socket)",
      `${median(rpc).toFixed(0)} ms`,
      `${(median(rpc) - median(server1)).toFixed(0)} ms more than from this process`,
    );
    line(
      "  the plugin's own work in a save",
      `${median(own).toFixed(0)} ms`,
      "per run: round trip - serialisation - save-diagram from the browser",
    );
    line("CPU per save: browser (all its processes)", `${median(saveBusy).toFixed(0)} ms`);
    line("CPU per save-diagram: this process (server)", `${median(serverCpu).toFixed(0)} ms`);
    line("CPU per editor open: browser (all its processes)", `${median(openBusy).toFixed(0)} ms`);
    line("CPU per editor open: this process (server+driver)", `${median(openCpu).toFixed(0)} ms`);
    const show = (title: string, rs: Transfer[]) => {
      console.log(title);
      for (const r of [...rs].sort((a, b) => b.bytes - a.bytes)) {
        const where = r.url.replace(server.url, "").replace(/#.*$/, "").slice(0, 90);
        console.log(`  ${String(r.bytes).padStart(9)}  ${r.cached ? "cache " : "      "}${where}`);
      }
    };
    show("cold open responses (bytes transferred):", coldResponses);
    show("second open responses:", secondResponses);
  } finally {
    await browser.close();
    await server.shutdown();
    await host.shutdown();
  }
}

if (import.meta.main) {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) {
    const db = await openPglite();
    try {
      await main(db);
    } finally {
      await db.close();
    }
  } else {
    // A database of its own, dropped afterwards: the benchmark writes diagrams and tokens.
    const name = `archiflow_bench_editor_${Date.now().toString(36)}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const own = new URL(url);
    own.pathname = `/${name}`;
    const db = openPostgres(own.toString(), { max: 4 });
    try {
      await main(db);
    } finally {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
}
