// Live updates between two editors on two server processes sharing one PostgreSQL: a save in one
// editor reaches the other through LISTEN/NOTIFY as a change notice, and the other's stale save is
// refused with a conflict. The second editor is opened as from NetBox, with an editor token signed
// for that one diagram, so the editor's own calls are shown to fit what such a token grants.
// PostgreSQL only: embedded PGlite serves a single process.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { browserMissing, launchBrowser, openEditor, screenshot } from "./support/browser.ts";
import { backendName } from "./support/db.ts";
import { startTestServer } from "./support/server.ts";
import { signEditorToken } from "../server/auth/editor_token.ts";

const EDITOR_SECRET = "editor-secret-for-live-tests-0123456789";

const why = browserMissing() ??
  (backendName() === "pglite"
    ? "two server processes need a shared PostgreSQL (set DATABASE_URL); PGlite is single-process"
    : null);
if (why) console.warn(`editor live-update test skipped: ${why}`);

/** Starts `server/main.ts` as a separate process on a random port; resolves with its URL. */
async function spawnServer(databaseUrl: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../server/main.ts", import.meta.url).pathname],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      ARCHIFLOW_LOG_LEVEL: "info",
      ARCHIFLOW_RUN_MIGRATIONS: "false",
      ARCHIFLOW_EDITOR_SECRET: EDITOR_SECRET,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the second server exited before listening");
    buffered += value;
    const line = buffered.split("\n").find((l) => l.includes('"listening"'));
    if (line) {
      // Keep draining its output so the process never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* discard */ }
      })().catch(() => {});
      return { url: JSON.parse(line).url as string, child };
    }
  }
}

async function addShapeAndSave(page: Page, frame: Frame, label: string) {
  await frame.evaluate((text) => {
    const graph = (globalThis as any).archiflowUi.editor.graph;
    graph.insertVertex(graph.getDefaultParent(), null, text, 40, 200, 120, 50);
  }, label);
  await frame.click(".geDiagramContainer", { position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+s");
}

Deno.test({
  name:
    "a save in one editor shows a change notice in another on a second server, whose stale save conflicts",
  ignore: why !== null,
  async fn() {
    const one = await startTestServer({ ARCHIFLOW_EDITOR_SECRET: EDITOR_SECRET });
    const two = await spawnServer(one.testDb.url!);
    const browser = await launchBrowser();
    try {
      const api = await one.client();
      const d = await api.tool<{ id: string }>("save-diagram", {
        id: "shared-1",
        name: "Shared",
        xml: '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
          '<mxCell id="s1" value="shared" vertex="1" parent="1">' +
          '<mxGeometry x="10" y="10" width="80" height="40" as="geometry"/></mxCell>' +
          "</root></mxGraphModel>",
      });
      const pageA = await (await browser.newContext({ viewport: { width: 1100, height: 700 } }))
        .newPage();
      const pageB = await (await browser.newContext({ viewport: { width: 1100, height: 700 } }))
        .newPage();
      // Servers that check API keys give their test server one; both processes share its database.
      const key = (one as { adminKey?: string }).adminKey;
      const auth = key ? `#token=${encodeURIComponent(key)}` : "";
      const fromNetBox = await signEditorToken(EDITOR_SECRET, { sub: "jdoe", diagram: d.id });
      const query = new URLSearchParams({ diagram: d.id });
      const [frameA, frameB] = await Promise.all([
        openEditor(pageA, `${one.url}/editor?${query}${auth}`),
        openEditor(pageB, `${two.url}/editor?${query}#token=${fromNetBox}`),
      ]);
      assert.equal(
        await frameB.evaluate(() => (globalThis as any).archiflow.state.diagramId),
        "shared-1",
      );
      assert.equal(await frameB.$("#archiflow-error"), null, "the editor token opens the diagram");

      await addShapeAndSave(pageA, frameA, "from-A");
      await frameA.waitForFunction(() => (globalThis as any).archiflow.state.version === 2);
      await screenshot(pageA, "20-live-saved-in-a");

      const noticeB = await frameB.waitForSelector("#archiflow-change-notice");
      assert.match(await noticeB.textContent() ?? "", /changed.*version 2/);
      await screenshot(pageB, "21-live-notice-in-b");

      await frameB.click("#archiflow-change-notice-close");
      await addShapeAndSave(pageB, frameB, "from-B");
      const conflict = await frameB.waitForSelector("#archiflow-conflict");
      assert.match(await conflict.textContent() ?? "", /Not saved.*version 2/);
      await screenshot(pageB, "22-live-conflict-in-b");
      const [row] = await one.db.query<{ version: number; xml: string }>(
        "SELECT version, diagram_xml AS xml FROM diagrams WHERE id = $1",
        [d.id],
      );
      assert.equal(row.version, 2);
      assert.match(row.xml, /from-A/);
      assert.doesNotMatch(row.xml, /from-B/);

      await frameB.click("#archiflow-conflict-reload");
      await frameB.waitForFunction(() => (globalThis as any).archiflow.state.version === 2);
      const labels = await frameB.evaluate(() =>
        Object.values((globalThis as any).archiflowUi.editor.graph.model.cells)
          .filter((c: any) => c.vertex).map((c: any) => String(c.value)).sort()
      );
      assert.deepEqual(labels, ["from-A", "shared"]);
      await screenshot(pageB, "23-live-reloaded-in-b");
    } finally {
      await browser.close();
      two.child.kill("SIGTERM");
      await two.child.status;
      await one.close();
    }
  },
});
