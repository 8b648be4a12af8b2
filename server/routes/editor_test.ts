import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { ensurePluginBuilt } from "../tasks/build_plugin.ts";
import { createEditorRoutes, editorHostPage, parentOrigins } from "./editor.ts";
import { EditorAssets } from "./editor_assets.ts";

const app = (env: Record<string, string> = {}) => createEditorRoutes(loadConfig(env));
Deno.test(
  "GET /editor frames draw.io in embed mode with the diagram and server, and no key in any URL",
  async () => {
    const res = await app().request("http://af.test/editor?diagram=12");
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy")!;
    assert.match(csp, /^default-src 'none'; script-src 'sha256-[^ ;]+'; style-src 'sha256-/);
    assert.match(csp, /; frame-src http:\/\/af\.test; base-uri 'none'; form-action 'none'; /);
    assert.match(csp, /; frame-ancestors 'self'$/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await res.text();
    const src = new URL(
      html.match(/<iframe id="drawio"[^>]* data-src="([^"]+)"/)![1].replaceAll("&amp;", "&"),
    );
    // draw.io under its versioned prefix, which browsers may cache for good.
    assert.match(src.origin + src.pathname, /^http:\/\/af\.test\/drawio\/-\/14\.6\.12\.\w+\/$/);
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

/** The versioned prefix /editor frames, e.g. "/drawio/-/14.6.12.abc/". */
async function versioned(a: ReturnType<typeof app>): Promise<string> {
  const html = await (await a.request("http://af.test/editor")).text();
  return frameSrc(html).pathname;
}

Deno.test(
  "GET /editor is revalidated by ETag: the same page again is a 304 without a body",
  async () => {
    const a = app();
    const first = await a.request("http://af.test/editor?diagram=7");
    assert.equal(first.headers.get("cache-control"), "no-cache");
    const tag = first.headers.get("etag")!;
    assert.match(tag, /^"[\w-]+"$/);
    await first.body?.cancel();
    const again = await a.request("http://af.test/editor?diagram=7", {
      headers: { "if-none-match": tag },
    });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");
    // Another diagram is another page.
    const other = await a.request("http://af.test/editor?diagram=8", {
      headers: { "if-none-match": tag },
    });
    assert.equal(other.status, 200);
    await other.body?.cancel();
  },
);

Deno.test(
  "/drawio/ serves draw.io's files with content types and caching, and nothing outside",
  async () => {
    const a = app();
    const prefix = await versioned(a);
    const index = await a.request(`http://af.test${prefix}`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /js\/app\.min\.js/);
    // Under the current version, draw.io's files never change: browsers keep them for good.
    const js = await a.request(`http://af.test${prefix}js/app.min.js`);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    await js.body?.cancel();
    const again = await a.request(`http://af.test${prefix}js/app.min.js`, {
      headers: { "if-none-match": js.headers.get("etag")! },
    });
    assert.equal(again.status, 304);
    // Outside the current version (no prefix, or an older one) they are revalidated.
    for (const path of ["/drawio/js/app.min.js", "/drawio/-/14.6.11.old/js/app.min.js"]) {
      const res = await a.request(`http://af.test${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("cache-control"), "no-cache", path);
      assert.equal(res.headers.get("etag"), js.headers.get("etag"), path);
      await res.body?.cancel();
    }
    const png = await a.request(`http://af.test${prefix}images/favicon-32x32.png`);
    assert.equal(png.headers.get("content-type"), "image/png");
    await png.body?.cancel();
    const bare = await a.request(`http://af.test${prefix.slice(0, -1)}?embed=1`);
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get("location"), `${prefix}?embed=1`);
    for (
      const path of [
        "/drawio/../deno.json",
        "/drawio/%2e%2e/deno.json",
        "/drawio/.hidden",
        "/drawio/nope.js",
        `${prefix}../../deno.json`,
        `${prefix}%2e%2e/%2e%2e/deno.json`,
        "/drawio/-/bad%2ftag/index.html",
        "/drawio/-/",
      ]
    ) {
      assert.equal((await a.request(`http://af.test${path}`)).status, 404, path);
    }
  },
);

/** The body of `res` decompressed as its Content-Encoding says. */
async function decoded(res: Response): Promise<string> {
  const encoding = res.headers.get("content-encoding");
  const format = encoding === "br" ? "brotli" : encoding === "gzip" ? "gzip" : null;
  const body = format ? res.body!.pipeThrough(new DecompressionStream(format)) : res.body;
  return await new Response(body).text();
}

Deno.test(
  "draw.io's scripts come brotli or gzip compressed as the client accepts, each with its ETag",
  async () => {
    const a = app();
    const prefix = await versioned(a);
    const url = `http://af.test${prefix}styles/grapheditor.css`;
    const plain = await a.request(url);
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(plain.headers.get("vary"), "Accept-Encoding");
    const text = await plain.text();
    assert.equal(
      Number(plain.headers.get("content-length")),
      new TextEncoder().encode(text).length,
    );
    const seen = new Set([plain.headers.get("etag")]);
    for (
      const [accept, encoding] of [
        ["gzip, deflate, br, zstd", "br"],
        ["gzip, deflate", "gzip"],
        ["br;q=0.5, gzip", "gzip"],
        ["*", "br"],
        ["br;q=0, gzip;q=0", null],
        ["identity", null],
      ] as const
    ) {
      const res = await a.request(url, { headers: { "accept-encoding": accept } });
      assert.equal(res.headers.get("content-encoding"), encoding, accept);
      assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8", accept);
      const length = Number(res.headers.get("content-length"));
      if (encoding) assert.ok(length < text.length / 2, `${accept}: ${length} bytes`);
      assert.equal(await decoded(res), text, accept);
      seen.add(res.headers.get("etag"));
      const cached = await a.request(url, {
        headers: { "accept-encoding": accept, "if-none-match": res.headers.get("etag")! },
      });
      assert.equal(cached.status, 304, accept);
      assert.equal(cached.headers.get("etag"), res.headers.get("etag"), accept);
    }
    assert.equal(seen.size, 3, "identity, br and gzip have ETags of their own");
    // Images that do not compress are sent as they are.
    const png = await a.request(`http://af.test${prefix}images/favicon-32x32.png`, {
      headers: { "accept-encoding": "br, gzip" },
    });
    assert.equal(png.headers.get("content-encoding"), null);
    await png.body?.cancel();
  },
);

Deno.test(
  "PostConfig.js loads the plugin by its content hash, which browsers keep for good",
  async () => {
    await ensurePluginBuilt();
    const a = app();
    const prefix = await versioned(a);
    const postRes = await a.request(`http://af.test${prefix}js/PostConfig.js`);
    // It names the plugin, which changes apart from draw.io: revalidated.
    assert.equal(postRes.headers.get("cache-control"), "no-cache");
    const post = await postRes.text();
    assert.match(post, /urlParams\["archiflow"\] == "1"/);
    const src = post.match(/"(\/drawio-plugin\/archiflow-plugin\.[\w-]+\.js)"/)![1];
    const plugin = await a.request(`http://af.test${src}`, {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(plugin.status, 200);
    assert.equal(plugin.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(plugin.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(plugin.headers.get("content-encoding"), "gzip");
    const code = await decoded(plugin);
    assert.match(code, /loadPlugin/);
    // The plain name, for a draw.io hosted elsewhere, is the same code, revalidated.
    const plain = await a.request("http://af.test/drawio-plugin/archiflow-plugin.js");
    assert.equal(plain.headers.get("cache-control"), "no-cache");
    assert.equal(await plain.text(), code);
    for (const name of ["archiflow-plugin.0ld.js", "other.js", "archiflow-plugin.js.map"]) {
      const res = await a.request(`http://af.test/drawio-plugin/${name}`);
      assert.equal(res.status, 404, name);
      assert.equal((await res.json()).code, "not_found", name);
    }
  },
);

Deno.test(
  "without a built plugin, serving never builds it: the bundle answers 503 and says how to build",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "archiflow-noplugin-" });
    try {
      const assets = new EditorAssets({
        pluginBundle: new URL(`file://${dir}/archiflow-plugin.js`),
        cacheDir: null,
      });
      const a = createEditorRoutes(loadConfig({}), { assets });
      const res = await a.request("http://af.test/drawio-plugin/archiflow-plugin.js");
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.code, "unavailable");
      assert.match(body.detail, /deno task build:plugin/);
      const post = await (await a.request("http://af.test/drawio/js/PostConfig.js")).text();
      assert.doesNotMatch(post, /createElement/);
      assert.match(post, /not built/);
      // Built afterwards (deno task build:plugin): served without a restart.
      await Deno.writeTextFile(`${dir}/archiflow-plugin.js`, "Draw.loadPlugin(function () {});");
      const built = await a.request("http://af.test/drawio-plugin/archiflow-plugin.js");
      assert.equal(built.status, 200);
      assert.equal(await built.text(), "Draw.loadPlugin(function () {});");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "draw.io's 7 MB stencil bundle is replaced: stencil sets load from stencils/*.xml, compressed",
  async () => {
    const a = app();
    const prefix = await versioned(a);
    const bundle = await a.request(`http://af.test${prefix}js/stencils.min.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.text()).length < 200);
    const set = await a.request(`http://af.test${prefix}stencils/cisco/routers.xml`, {
      headers: { "accept-encoding": "br" },
    });
    assert.equal(set.status, 200);
    assert.equal(set.headers.get("content-encoding"), "br");
    assert.match(await decoded(set), /<shapes name="mxgraph.cisco.routers">/);
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
