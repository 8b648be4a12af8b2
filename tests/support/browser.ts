// Headless chromium for browser tests (playwright-core driving Debian's chromium package), plus
// helpers to reach the draw.io frame of /editor and to write screenshots for people to look at.
import { type Browser, chromium, type Frame, type Page } from "playwright-core";
import { slowFile } from "./timeouts.ts";

// A browser test starts chromium and draw.io: every test of a file that uses this gets the slow
// limit.
slowFile();

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = new URL("../../test-output/screenshots/", import.meta.url);

/** Why browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

export async function launchBrowser(): Promise<Browser> {
  // playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return browser;
}

/** The draw.io frame inside the /editor host page. */
export async function drawioFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector("iframe#drawio");
  const frame = await handle.contentFrame();
  if (!frame) throw new Error("the editor page has no draw.io frame");
  return frame;
}

/** The editor's address for `key`: the key after "#", which the browser never sends. */
export function editorUrl(server: string, key: string, query = ""): string {
  return `${server}/editor${query ? `?${query}` : ""}#token=${encodeURIComponent(key)}`;
}

/** Opens /editor and resolves once the plugin has loaded its diagram, devices and alerts. */
export async function openEditor(page: Page, url: string): Promise<Frame> {
  // The editor drops "#token=..." from its address once read; going to the same address with
  // it again would only change the fragment and not load the page.
  const bare = (u: string) => u.replace(/#.*$/, "");
  if (page.url() !== "about:blank" && bare(page.url()) === bare(url)) {
    await page.goto("about:blank");
  }
  await page.goto(url);
  const frame = await drawioFrame(page);
  await frame.waitForSelector("#archiflow-menu", { timeout: 60_000 });
  // deno-lint-ignore no-explicit-any
  const ready = () => (globalThis as any).document.documentElement.dataset.archiflowReady === "1";
  await frame.waitForFunction(ready, null, {
    timeout: 60_000,
  });
  return frame;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIR).pathname });
}
