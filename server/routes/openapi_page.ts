// The API browser at /api/docs/: a small self-contained page (no CDN) that asks for a token,
// fetches /api/schema/ with it and lists the operations by tag, plus the headers it is served
// with.
import { inlineHashes } from "./csp.ts";

/** The API browser: fetches /api/schema/ with a token kept in the page and lists operations. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ArchiFlow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:12px;align-items:center}
header input{flex:1;max-width:420px;padding:5px 8px}
main{padding:16px 20px;max-width:1100px}
details{background:#fff;border:1px solid #dde1e7;border-radius:4px;margin:6px 0}
summary{cursor:pointer;padding:7px 10px;font-family:ui-monospace,monospace}
.m{display:inline-block;width:64px;font-weight:700}
.get{color:#1565c0}.post{color:#2e7d32}.patch,.put{color:#b26a00}.delete{color:#c62828}
pre{background:#f0f2f5;padding:8px;overflow:auto;margin:0 10px 10px;max-height:360px}
p.s{margin:4px 10px}
h2{margin:18px 0 6px;font-size:16px}
</style></head><body>
<header><strong>ArchiFlow API</strong>
<input id="tok" placeholder="API token (af_...)" autocomplete="off" type="password">
<button id="load">Load</button><span id="msg"></span></header>
<main id="out"><p>Enter an API token to load the OpenAPI document from /api/schema/.</p></main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromUrl) { sessionStorage.setItem("af_token", fromUrl); }
if (location.hash || location.search) history.replaceState(null, "", location.pathname);
$("tok").value = sessionStorage.getItem("af_token") || "";
async function load() {
  const key = $("tok").value.trim();
  sessionStorage.setItem("af_token", key);
  $("msg").textContent = "loading...";
  const res = await fetch("/api/schema/", { headers: { Authorization: "Token " + key } });
  if (!res.ok) { $("msg").textContent = res.status + " " + (await res.json()).detail; return; }
  const doc = await res.json();
  $("msg").textContent = doc.info.title + " " + doc.info.version;
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || "general";
      (byTag[tag] ||= []).push([method, path, op]);
    }
  }
  let html = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    html += "<h2>" + esc(tag) + "</h2>";
    for (const [method, path, op] of ops) {
      html += "<details><summary><span class='m " + method + "'>" + method.toUpperCase() +
        "</span>" + esc(path) + "</summary><p class='s'>" + esc(op.summary || "") + "</p>" +
        "<pre>" + esc(JSON.stringify({ parameters: (op.parameters || []).map((p) => p.name),
          requestBody: op.requestBody, responses: Object.keys(op.responses || {}) }, null, 2)) +
        "</pre></details>";
    }
  }
  html += "<h2>Schemas</h2><pre>" + esc(JSON.stringify(doc.components.schemas, null, 2)) + "</pre>";
  $("out").innerHTML = html;
}
$("load").onclick = load;
if ($("tok").value) load();
</script></body></html>
`;

/**
 * Headers of the API browser. It asks for an API key, so no site may frame it (a framed page can
 * be overlaid to catch what is typed), and only its own inline script and style run.
 */
export const DOCS_HEADERS: Record<string, string> = {
  "Content-Security-Policy": [
    "default-src 'none'",
    `script-src ${inlineHashes(DOCS_HTML).join(" ")}`,
    `style-src ${inlineHashes(DOCS_HTML, "style").join(" ")}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};
