// Attack class: keys in URLs. A key in an address ends up in server and proxy access logs, in
// browser history and in the iframe's URL that any script of the embedding page can read. The
// editor is opened the way NetBox opens it: a page on another site (127.0.0.1, while ArchiFlow is
// reached as localhost) frames /editor with the key in the fragment, using the NetBox plugin's
// own template script. The editor must load and save a diagram there, and no URL a server
// received, no frame's URL and no log line may hold the key.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { browserMissing, launchBrowser } from "../support/browser.ts";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

const missing = browserMissing();
if (missing) console.warn(`token-in-URL browser test skipped: ${missing}`);

const TEMPLATE = new URL(
  "../../netbox-plugin/netbox_archiflow/templates/netbox_archiflow/inc/editor_frame.html",
  import.meta.url,
);
const STATIC = new URL("../../netbox-plugin/netbox_archiflow/static/", import.meta.url);

const DIAGRAM = '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
  '<mxCell id="s1" value="from-archiflow" vertex="1" parent="1">' +
  '<mxGeometry x="10" y="10" width="80" height="40" as="geometry"/></mxCell>' +
  "</root></mxGraphModel>";

/** What Django's json_script writes: JSON in a script block, with <, > and & escaped. */
function jsonScript(value: unknown, id: string): string {
  const text = JSON.stringify(value).replace(/</g, "\\u003C").replace(/>/g, "\\u003E")
    .replace(/&/g, "\\u0026");
  return `<script id="${id}" type="application/json">${text}</script>`;
}

/** A NetBox-like page: the plugin's editor_frame.html rendered for a logged-in user. */
async function netboxPage(embed: { src: string; origin: string; title: string; expires: number }) {
  let html = await Deno.readTextFile(TEMPLATE);
  html = html.replace(/\{% comment %\}[\s\S]*?\{% endcomment %\}/, "")
    .replace(/\{% else %\}[\s\S]*?\{% endif %\}/, "")
    .replace("{% if archiflow %}", "")
    .replace("{% load static %}", "")
    // The page script is a static file in the plugin; NetBox serves it from its static root.
    .replace(
      /<script src="\{% static '([^']+)' %\}"><\/script>/,
      (_, file) => `<script>${Deno.readTextFileSync(new URL(file, STATIC))}</script>`,
    )
    .replace('{{ archiflow|json_script:"archiflow-embed" }}', jsonScript(embed, "archiflow-embed"))
    .replace("{{ archiflow.title }}", embed.title);
  assert.doesNotMatch(html, /\{[%{]/, "the template uses tags this test does not render");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>NetBox</title></head>` +
    `<body>${html}</body></html>`;
}

async function childFrame(parent: Page | Frame, selector: string): Promise<Frame> {
  const frame = await (await parent.waitForSelector(selector)).contentFrame();
  if (!frame) throw new Error(`${selector} has no frame`);
  return frame;
}

async function editorReady(frame: Frame) {
  await frame.waitForFunction(
    () => (globalThis as any).document.documentElement.dataset.archiflowReady === "1",
    null,
    { timeout: 30_000 },
  );
}

Deno.test({
  name: "the editor framed by another site gets its key from the fragment; no URL or log has it",
  ignore: missing !== null,
  ...hostileOpts,
  async fn() {
    // The NetBox stand-in listens first: ArchiFlow must allow it as a frame ancestor.
    let page = "";
    const netbox = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
    );
    const netboxOrigin = `http://127.0.0.1:${netbox.addr.port}`;
    const server = await startHostileServer({
      env: { ARCHIFLOW_FRAME_ANCESTORS: netboxOrigin },
    });
    const browser = await launchBrowser();
    try {
      const key = server.adminKey;
      const api = await server.client();
      const saved = await api.tool<{ id: number }>("save-diagram", {
        name: "Framed",
        xml: DIAGRAM,
      });
      await api.close();
      // Same machine, another site: localhost and 127.0.0.1 share no cookies or storage.
      const archiflow = server.url.replace("//127.0.0.1:", "//localhost:");
      const src = `${archiflow}/editor?diagram=${saved.id}#token=${encodeURIComponent(key)}`;
      page = await netboxPage({
        src,
        origin: archiflow,
        title: "Framed",
        expires: Math.floor(Date.now() / 1000) + 300,
      });

      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const requested: string[] = [];
      tab.on("request", (r) => requested.push(r.url()));
      tab.on("websocket", (ws) => requested.push(ws.url()));
      // The host page runs under its own strict policy (script allowed by hash): nothing refused.
      const refused: string[] = [];
      tab.on("console", (m) => {
        if (m.location().url.includes("/editor") && /Content.Security.Policy/i.test(m.text())) {
          refused.push(m.text());
        }
      });
      await tab.goto(`${netboxOrigin}/dcim/sites/1/archiflow/`);
      const host = await childFrame(tab, "iframe#archiflow-editor");
      const drawio = await childFrame(host, "iframe#drawio");
      await editorReady(drawio);

      const opened = await drawio.evaluate(() => {
        const af = (globalThis as any).archiflow;
        const model = (globalThis as any).archiflowUi.editor.graph.model;
        return { id: af.state.diagramId, cell: String(model.getCell("s1")?.value ?? "") };
      });
      assert.deepEqual(opened, { id: saved.id, cell: "from-archiflow" });
      assert.deepEqual(refused, [], "the /editor page's policy refused something it needs");
      const ok = await drawio.evaluate(async () => {
        const graph = (globalThis as any).archiflowUi.editor.graph;
        graph.insertVertex(graph.getDefaultParent(), "n1", "saved-in-netbox", 120, 10, 80, 40);
        return await (globalThis as any).archiflow.save();
      });
      assert.equal(ok, true, "the framed editor saved");
      const check = await server.client();
      const after = await check.tool<{ version: number; xml: string }>("load-diagram", {
        id: saved.id,
      });
      await check.close();
      assert.equal(after.version, 2);
      assert.match(after.xml, /saved-in-netbox/);

      // "Open in a new tab": the same link as the top-level address.
      const own = await browser.newPage();
      own.on("request", (r) => requested.push(r.url()));
      own.on("websocket", (ws) => requested.push(ws.url()));
      await own.goto(src);
      await editorReady(await childFrame(own, "iframe#drawio"));

      const leaks = (urls: string[]) => urls.filter((u) => u.includes(key));
      const frameUrls = [...tab.frames(), ...own.frames()].map((f) => f.url());
      console.log(
        `token in URL: ${requested.length} requests, ${frameUrls.length} frames; key in ` +
          `${leaks(requested).length} request URLs, ${leaks(frameUrls).length} frame URLs`,
      );
      assert.deepEqual(leaks(requested), [], "URLs sent to a server hold the key");
      assert.deepEqual(leaks(frameUrls), [], "frame addresses (and so history) hold the key");
      assert.ok(
        requested.some((u) => u.startsWith(archiflow.replace("http", "ws") + "/ws")),
        "the editor opened its WebSocket",
      );

      // The old form puts the key where servers log it: it is refused with what to do instead.
      const old = await fetch(`${server.url}/editor?diagram=${saved.id}&token=${key}`);
      assert.equal(old.status, 400);
      assert.match(await old.text(), /#token=/);
      // Clients of earlier releases that put the key in the WebSocket's query are refused and
      // told how to send it; the key is not written to the log.
      const legacy = new WebSocket(`${server.wsUrl}?token=${key}`);
      const closed = await new Promise<CloseEvent>((resolve) => legacy.onclose = resolve);
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /subprotocol archiflow\.token\./);
      await tab.close();
      await own.close();
      await assertStillServing(server, "key in the editor's URL");
      assert.deepEqual(server.lines.filter((l) => l.includes(key)), [], "a log line holds the key");
    } finally {
      await browser.close();
      await server.close();
      await netbox.shutdown();
    }
  },
});
