// An editor opened from NetBox outlives its first, short-lived key. A NetBox-like page on another
// site renders the NetBox plugin's editor_frame.html with an editor token signed by the plugin's
// own embed.py (run with python3) for 60 s, and answers its refresh requests the way the plugin's
// editor-token view does (embed.refresh_editor_token, CSRF header required). The server closes a
// socket when its token expires; the editor must still be connected after that, without ever
// showing itself disconnected, and save; no key may appear in any URL or log line.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { browserMissing, launchBrowser } from "./support/browser.ts";
import { startHostileServer } from "./hostile/support.ts";

const missing = browserMissing();
if (missing) console.warn(`editor key refresh browser test skipped: ${missing}`);

const TEMPLATE = new URL(
  "../netbox-plugin/netbox_archiflow/templates/netbox_archiflow/inc/editor_frame.html",
  import.meta.url,
);
const STATIC = new URL("../netbox-plugin/netbox_archiflow/static/", import.meta.url);
const PLUGIN_DIR = new URL("../netbox-plugin/", import.meta.url).pathname;
const SECRET = "refresh-test-secret-0123456789abcdef";
// Long enough for draw.io to open on a busy machine before the first key runs out, short enough
// to wait for its renewal and expiry.
const TTL_SECONDS = 60;
const CSRF = "csrf-of-this-netbox-session";
const REFRESH_PATH = "/plugins/archiflow/editor-token/";

const DIAGRAM = '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
  '<mxCell id="s1" value="first" vertex="1" parent="1">' +
  '<mxGeometry x="10" y="10" width="80" height="40" as="geometry"/></mxCell>' +
  "</root></mxGraphModel>";

// The plugin's signing code, called as its views call it (settings built directly, with a
// lifetime as short as the test can wait for).
const PYTHON = `
import json, sys
sys.path.insert(0, ".")
sys.path.insert(0, "tests")
from netbox_stub import netbox_stubbed
# The package imports netbox.plugins, as it may only inside NetBox; embed.py needs neither.
with netbox_stubbed():
    from netbox_archiflow import embed
req = json.load(sys.stdin)
s = embed.EmbedSettings(editor_url=req["editor_url"], shared_secret=req["secret"],
                        token_ttl=req["ttl"])
try:
    if req["op"] == "embed":
        out = embed.editor_embed(s, req["user"], title="Diagram", diagram=req["diagram"])
    else:
        out = {"status": 200, "body": embed.refresh_editor_token(s, req["user"], req["token"])}
except embed.EditorForbidden as exc:
    out = {"status": 403, "body": {"detail": str(exc)}}
except embed.EmbedError as exc:
    out = {"status": 400, "body": {"detail": str(exc)}}
print(json.dumps(out))
`;

async function python(request: Record<string, unknown>): Promise<any> {
  const child = new Deno.Command("python3", {
    args: ["-c", PYTHON],
    cwd: PLUGIN_DIR,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request)));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

/** What Django's json_script writes: JSON in a script block, with <, > and & escaped. */
function jsonScript(value: unknown, id: string): string {
  const text = JSON.stringify(value).replace(/</g, "\\u003C").replace(/>/g, "\\u003E")
    .replace(/&/g, "\\u0026");
  return `<script id="${id}" type="application/json">${text}</script>`;
}

async function netboxPage(embed: Record<string, unknown>): Promise<string> {
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
    .replace("{{ archiflow.title }}", String(embed.title));
  assert.doesNotMatch(html, /\{[%{]/, "the template uses tags this test does not render");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>NetBox</title></head>` +
    `<body>${html}</body></html>`;
}

/** The claims of an editor token, read without checking it (the test signed it). */
function claims(token: string): { exp: number; iat: number; sub: string; diagram?: string } {
  const payload = token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload + "=".repeat((4 - payload.length % 4) % 4)));
}

async function childFrame(parent: Page | Frame, selector: string): Promise<Frame> {
  const frame = await (await parent.waitForSelector(selector)).contentFrame();
  if (!frame) throw new Error(`${selector} has no frame`);
  return frame;
}

/** Resolves at a wall-clock instant: expiry is a moment, not an event anything signals. */
function until(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));
}

Deno.test({
  name: "an editor framed by NetBox gets fresh keys from the page and stays connected past expiry",
  ignore: missing !== null,
  async fn() {
    let page = "";
    const issued: string[] = [];
    const refused: string[] = [];
    const { promise: firstRefresh, resolve: refreshed } = Promise.withResolvers<string>();
    let archiflow = "";
    const netbox = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const url = new URL(req.url);
        if (url.pathname !== REFRESH_PATH) {
          return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
        }
        // As Django would: POST only, and the session's CSRF token in the header.
        if (req.method !== "POST" || req.headers.get("x-csrftoken") !== CSRF) {
          refused.push(`${req.method} csrf=${req.headers.get("x-csrftoken")}`);
          return Response.json({ detail: "CSRF verification failed" }, { status: 403 });
        }
        const body = await req.json().catch(() => ({}));
        const answer = await python({
          op: "refresh",
          editor_url: archiflow,
          secret: SECRET,
          ttl: TTL_SECONDS,
          user: "alice",
          token: body?.token,
        });
        if (answer.status !== 200) refused.push(`${answer.status} ${answer.body.detail}`);
        else {
          issued.push(answer.body.token);
          refreshed(answer.body.token);
        }
        return Response.json(answer.body, {
          status: answer.status,
          headers: { "cache-control": "no-store" },
        });
      },
    );
    const netboxOrigin = `http://127.0.0.1:${netbox.addr.port}`;
    const server = await startHostileServer({
      env: {
        ARCHIFLOW_FRAME_ANCESTORS: netboxOrigin,
        ARCHIFLOW_EDITOR_SECRET: SECRET,
        ARCHIFLOW_TOKEN_CACHE_SECONDS: "1",
      },
    });
    const browser = await launchBrowser();
    try {
      const api = await server.client();
      // A text id that needs escaping on its way through NetBox's URL, the token and /editor.
      const saved = await api.tool<{ id: string }>("save-diagram", {
        id: "Refreshed DC/1",
        name: "Refreshed",
        xml: DIAGRAM,
      });
      assert.equal(saved.id, "Refreshed DC/1");
      await api.close();
      archiflow = server.url.replace("//127.0.0.1:", "//localhost:");
      const embed = await python({
        op: "embed",
        editor_url: archiflow,
        secret: SECRET,
        ttl: TTL_SECONDS,
        user: "alice",
        diagram: saved.id,
      });
      // What views.py adds for the page script: where to ask for a fresh key, with the CSRF token.
      page = await netboxPage({ ...embed, refresh: { url: REFRESH_PATH, csrf: CSRF } });
      const first = decodeURIComponent(String(embed.src).split("#token=")[1]);
      const firstExp = claims(first).exp;

      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const requested: string[] = [];
      tab.on("request", (r) => requested.push(r.url()));
      const sockets: { url: string; closed: boolean }[] = [];
      tab.on("websocket", (ws) => {
        requested.push(ws.url());
        const seen = { url: ws.url(), closed: false };
        sockets.push(seen);
        ws.on("close", () => seen.closed = true);
      });
      await tab.goto(`${netboxOrigin}/plugins/archiflow/diagrams/${encodeURIComponent(saved.id)}/`);
      const host = await childFrame(tab, "iframe#archiflow-editor");
      const drawio = await childFrame(host, "iframe#drawio");
      await drawio.waitForFunction(
        () => (globalThis as any).document.documentElement.dataset.archiflowReady === "1",
        null,
        { timeout: 30_000 },
      );
      // Every status the connection passes through from here on.
      await drawio.evaluate(() => {
        const g = globalThis as any;
        g.statuses = [];
        g.archiflow.rpc.onStatus((s: string) => g.statuses.push(s));
      });
      assert.equal(
        await drawio.evaluate(() => (globalThis as any).archiflow.state.diagramId),
        saved.id,
      );

      // The plugin asks before its key runs out; give it until a few seconds past expiry.
      const fresh = await Promise.race([firstRefresh, until(firstExp * 1000 + 5000)]);
      assert.ok(
        fresh,
        `no fresh key was asked for before the first one expired (refused: ${refused.join("; ")})`,
      );
      assert.equal(claims(fresh).diagram, saved.id, "the fresh key has the same scope");
      assert.ok(claims(fresh).exp > firstExp, "the fresh key outlives the first");

      // Past the first key's expiry (and the server's token cache), the first key works nowhere.
      await until((firstExp + 2) * 1000);
      const stale = new WebSocket(server.wsUrl, ["archiflow", `archiflow.token.${first}`]);
      const staleClose = await new Promise<CloseEvent>((resolve) => stale.onclose = resolve);
      assert.equal(staleClose.code, 1008, "the server still accepts the expired first key");

      const after = await drawio.evaluate(async () => {
        const g = globalThis as any;
        const graph = g.archiflowUi.editor.graph;
        graph.insertVertex(graph.getDefaultParent(), "n1", "after-expiry", 120, 10, 80, 40);
        const ok = await g.archiflow.save();
        return {
          ok,
          status: g.archiflow.rpc.status,
          statuses: g.statuses,
          notice: g.document.getElementById("archiflow-connection")?.textContent ?? null,
        };
      });
      console.log(
        `key refresh: ${issued.length} fresh key(s) issued, ${refused.length} refused; ` +
          `statuses after ready: ${
            JSON.stringify(after.statuses)
          }; saved after expiry: ${after.ok}`,
      );
      assert.deepEqual(refused, [], "the page's refresh requests were refused");
      assert.equal(after.notice, null, "the editor showed itself disconnected");
      assert.deepEqual(after.statuses, [], "the connection left 'open' while the key changed");
      assert.equal(after.status, "open");
      assert.equal(after.ok, true, "the editor could not save after its first key expired");
      const check = await server.client();
      const loaded = await check.tool<{ version: number; xml?: string; diagram_xml?: string }>(
        "load-diagram",
        { id: saved.id },
      );
      await check.close();
      assert.equal(loaded.version, 2);
      // The editor moved to a second socket (the fresh key) and left the first.
      const editorSockets = sockets.filter((ws) => ws.url.endsWith("/ws"));
      assert.ok(editorSockets.length >= 2, `${editorSockets.length} editor sockets`);
      assert.equal(editorSockets[0].closed, true, "the first key's socket is still open");
      assert.equal(editorSockets.at(-1)!.closed, false);
      assert.match(loaded.xml ?? loaded.diagram_xml ?? "", /after-expiry/);
      // The NetBox page's own notice that its link expired stays hidden: the link was renewed.
      assert.equal(
        await tab.locator("#archiflow-expired").evaluate((el) => el.classList.contains("d-none")),
        true,
      );

      const keys = [first, ...issued];
      const leaks = (urls: string[]) => urls.filter((u) => keys.some((k) => u.includes(k)));
      const frameUrls = tab.frames().map((f) => f.url());
      assert.deepEqual(leaks(requested), [], "URLs sent to a server hold a key");
      assert.deepEqual(leaks(frameUrls), [], "frame addresses (and so history) hold a key");
      assert.ok(requested.some((u) => u === netboxOrigin + REFRESH_PATH), "refresh went to NetBox");
      assert.deepEqual(
        server.lines.filter((l) => keys.some((k) => l.includes(k))),
        [],
        "a log line holds a key",
      );
      await tab.close();
    } finally {
      await browser.close();
      await server.close();
      await netbox.shutdown();
    }
  },
});
