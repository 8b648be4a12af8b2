import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createEditorRoutes, editorHostPage } from "./editor.ts";

const app = (env: Record<string, string> = {}) => createEditorRoutes(loadConfig(env));
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "GET /editor frames draw.io in embed mode with the diagram, token and server",
  opts,
  async () => {
    const res = await app().request("http://af.test/editor?diagram=12&token=k%2B1");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-security-policy"), "frame-ancestors 'self'");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const html = await res.text();
    const src = new URL(
      html.match(/<iframe id="drawio"[^>]* src="([^"]+)"/)![1].replaceAll("&amp;", "&"),
    );
    assert.equal(src.origin + src.pathname, "http://af.test/drawio/");
    for (
      const [k, v] of Object.entries({
        embed: "1",
        proto: "json",
        af_diagram: "12",
        af_token: "k+1",
      })
    ) {
      assert.equal(src.searchParams.get(k), v, k);
    }
    assert.equal(src.searchParams.get("af_server"), "http://af.test");
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
    assert.equal(
      res.headers.get("content-security-policy"),
      "frame-ancestors https://netbox.example",
    );
    assert.match(await res.text(), /src="https:\/\/draw\.example\/app\/\?embed=1/);
    const drawio = await a.request("http://af.test/drawio/index.html");
    assert.equal(
      drawio.headers.get("content-security-policy"),
      "frame-ancestors 'self' https://netbox.example",
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

Deno.test("editorHostPage() escapes the frame URL and origin", () => {
  const html = editorHostPage('http://x/?a="><script>', "http://x</script>");
  assert.doesNotMatch(html, /"><script>/);
  assert.doesNotMatch(html, /x<\/script>/);
});
