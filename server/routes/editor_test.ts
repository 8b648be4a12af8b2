import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createEditorRoutes, editorHostPage, parentOrigins } from "./editor.ts";

const app = (env: Record<string, string> = {}) => createEditorRoutes(loadConfig(env));
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "GET /editor frames draw.io in embed mode with the diagram and server, and no key in any URL",
  opts,
  async () => {
    const res = await app().request("http://af.test/editor?diagram=12");
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy")!;
    assert.match(csp, /^default-src 'none'; script-src 'sha256-[^ ;]+'; style-src 'sha256-/);
    assert.match(csp, /; frame-src http:\/\/af\.test; base-uri 'none'; form-action 'none'; /);
    assert.match(csp, /; frame-ancestors 'self'$/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const html = await res.text();
    const src = new URL(
      html.match(/<iframe id="drawio"[^>]* data-src="([^"]+)"/)![1].replaceAll("&amp;", "&"),
    );
    assert.equal(src.origin + src.pathname, "http://af.test/drawio/");
    for (const [k, v] of Object.entries({ embed: "1", proto: "json", af_diagram: "12" })) {
      assert.equal(src.searchParams.get(k), v, k);
    }
    assert.equal(src.searchParams.get("af_server"), "http://af.test");
    assert.equal(src.searchParams.get("af_token"), null);
    // The key is read from the page's own fragment and handed over by postMessage.
    assert.match(html, /location\.hash/);
    assert.match(html, /history\.replaceState/);
  },
);

/** The draw.io frame's address from a host page. */
function frameSrc(html: string): URL {
  const attr = html.match(/<iframe id="drawio"[^>]* data-src="([^"]+)"/)![1];
  return new URL(attr.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&amp;", "&"));
}

Deno.test(
  "GET /editor passes a text diagram id to the frame exactly, escaped in the URL and the page",
  opts,
  async () => {
    for (const id of ["diagram-1", "Core DC/2", 'a b&c=d/é?#"<x>', "42"]) {
      const res = await app().request(
        `http://af.test/editor?${new URLSearchParams({ diagram: id })}`,
      );
      assert.equal(res.status, 200, id);
      const html = await res.text();
      assert.equal(frameSrc(html).searchParams.get("af_diagram"), id);
      // Nothing of the id escapes the attribute it is written into.
      assert.doesNotMatch(html, /<x>/);
      assert.equal(html.match(/<iframe /g)!.length, 1);
    }
    // No id, or an empty one: the editor opens without a diagram.
    const none = await app().request("http://af.test/editor?diagram=");
    assert.equal(none.status, 200);
    assert.equal(frameSrc(await none.text()).searchParams.has("af_diagram"), false);
  },
);

Deno.test(
  "GET /editor refuses a diagram id that no diagram can have, saying what an id is",
  opts,
  async () => {
    for (const id of ["a\u0001b", " padded", "padded ", "x".repeat(101), "tab\there"]) {
      const res = await app().request(
        `http://af.test/editor?${new URLSearchParams({ diagram: id })}`,
      );
      assert.equal(res.status, 400, id);
      const body = await res.json();
      assert.equal(body.code, "invalid");
      assert.match(body.detail, /1 to 100 printable characters/);
    }
    const longest = await app().request(`http://af.test/editor?diagram=${"x".repeat(100)}`);
    assert.equal(longest.status, 200);
  },
);

Deno.test(
  "GET /editor?token= is refused: a key in the query reaches every access log on the way",
  opts,
  async () => {
    for (const q of ["token=af_secret", "diagram=1&token=af_secret", "%74oken=af_secret"]) {
      const res = await app().request(`http://af.test/editor?${q}`);
      assert.equal(res.status, 400, q);
      const body = await res.json();
      assert.equal(body.code, "invalid");
      assert.match(body.detail, /#token=<key>/);
      assert.doesNotMatch(body.detail, /af_secret/);
    }
  },
);

Deno.test(
  "frame-ancestors follows ARCHIFLOW_FRAME_ANCESTORS and DRAWIO_URL replaces /drawio/",
  opts,
  async () => {
    const a = app({
      ARCHIFLOW_FRAME_ANCESTORS: "https://netbox.example",
      DRAWIO_URL: "https://draw.example/app/",
    });
    const res = await a.request("http://af.test/editor?diagram=1");
    const csp = res.headers.get("content-security-policy")!;
    assert.match(csp, /; frame-src https:\/\/draw\.example; /);
    assert.match(csp, /; frame-ancestors https:\/\/netbox\.example$/);
    assert.match(await res.text(), /data-src="https:\/\/draw\.example\/app\/\?embed=1/);
    const drawio = await a.request("http://af.test/drawio/index.html");
    assert.match(
      drawio.headers.get("content-security-policy")!,
      /; frame-ancestors 'self' https:\/\/netbox\.example$/,
    );
  },
);

Deno.test(
  "/drawio/ serves draw.io's files with content types and caching, and nothing outside",
  opts,
  async () => {
    const a = app();
    const index = await a.request("http://af.test/drawio/");
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /js\/app\.min\.js/);
    const js = await a.request("http://af.test/drawio/js/app.min.js");
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(js.headers.get("cache-control"), "public, max-age=86400");
    await js.body?.cancel();
    const again = await a.request("http://af.test/drawio/js/app.min.js", {
      headers: { "if-none-match": js.headers.get("etag")! },
    });
    assert.equal(again.status, 304);
    const png = await a.request("http://af.test/drawio/images/favicon-32x32.png");
    assert.equal(png.headers.get("content-type"), "image/png");
    await png.body?.cancel();
    for (
      const path of [
        "/drawio/../deno.json",
        "/drawio/%2e%2e/deno.json",
        "/drawio/.hidden",
        "/drawio/nope.js",
      ]
    ) {
      assert.equal((await a.request(`http://af.test${path}`)).status, 404, path);
    }
  },
);

Deno.test(
  "PostConfig.js loads the plugin only in editor frames and the plugin bundle is served",
  opts,
  async () => {
    const a = app();
    const post = await (await a.request("http://af.test/drawio/js/PostConfig.js")).text();
    assert.match(post, /urlParams\["archiflow"\] == "1"/);
    const src = post.match(/"(\/drawio-plugin\/archiflow-plugin\.js\?v=[^"]+)"/)![1];
    const plugin = await a.request(`http://af.test${src}`);
    assert.equal(plugin.status, 200);
    assert.equal(plugin.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(await plugin.text(), /loadPlugin/);
  },
);

Deno.test("editorHostPage() escapes the frame URL and the parent origins", () => {
  const html = editorHostPage('http://x/?a="><script>', ['"><script>']);
  assert.doesNotMatch(html, /"><script>/);
});

Deno.test('parentOrigins() keeps exact frame ancestors and falls back to "*" for broad ones', () => {
  assert.deepEqual(parentOrigins("'self'"), ["'self'"]);
  assert.deepEqual(
    parentOrigins(" https://netbox.example  http://10.0.0.5:8000/ https://netbox.example "),
    ["https://netbox.example", "http://10.0.0.5:8000"],
  );
  assert.deepEqual(parentOrigins("'self' https://NetBox.Example:443"), [
    "'self'",
    "https://netbox.example",
  ]);
  for (const broad of ["*", "https:", "https://*.example", "netbox.example", "https://a/b"]) {
    assert.deepEqual(parentOrigins(`https://netbox.example ${broad}`), ["*"], broad);
  }
  assert.deepEqual(parentOrigins("'none'"), []);
});

Deno.test(
  "GET /editor tells its script which origins may frame it, and its policy allows that script",
  opts,
  async () => {
    for (
      const [ancestors, parents] of [
        ["https://netbox.example", "https://netbox.example"],
        ["", "'self'"],
        ["https://*.example", "*"],
      ]
    ) {
      const res = await app({ ARCHIFLOW_FRAME_ANCESTORS: ancestors })
        .request("http://af.test/editor?diagram=1");
      const html = await res.text();
      assert.match(html, new RegExp(`data-parents="${parents.replace("*", "\\*")}"`), ancestors);
      const script = html.match(/<script>([\s\S]*?)<\/script>/)![1];
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(script)),
      );
      const hash = `'sha256-${btoa(String.fromCharCode(...digest))}'`;
      assert.ok(res.headers.get("content-security-policy")!.includes(`script-src ${hash};`));
      // A fresh key is asked of the parent window and taken only from it, only while asked.
      assert.match(
        script,
        /window\.parent\.postMessage\(\{ archiflow: "token-refresh" \}, origin\)/,
      );
      assert.match(script, /event\.source !== window\.parent/);
      assert.match(script, /if \(!renewing/);
    }
  },
);
