// Bundles the draw.io plugin (drawio-plugin/src/main.ts) into one IIFE file with esbuild.
// `deno task build:plugin` runs it; the server runs ensurePluginBuilt() when it starts, so a
// missing or stale bundle is rebuilt then, never while answering a request.
import * as esbuild from "esbuild";
import { PLUGIN_BUNDLE } from "../routes/editor_assets.ts";

const root = new URL("../../", import.meta.url);
export const PLUGIN_ENTRY = new URL("drawio-plugin/src/main.ts", root);
export const PLUGIN_DIST = PLUGIN_BUNDLE;

let queue: Promise<unknown> = Promise.resolve();

/** Bundles the plugin and returns its JavaScript; writes it to dist unless `write` is false. */
export function buildPlugin(options: { write?: boolean; minify?: boolean } = {}): Promise<string> {
  // One build at a time per process: each stops the shared esbuild service when it is done.
  const run = queue.then(() => build(options));
  queue = run.catch(() => {});
  return run;
}

async function build(options: { write?: boolean; minify?: boolean }): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [PLUGIN_ENTRY.pathname],
      bundle: true,
      format: "iife",
      target: "es2020",
      minify: options.minify ?? true,
      sourcemap: false,
      write: false,
      logLevel: "silent",
      legalComments: "none",
    });
    const code = result.outputFiles[0].text;
    if (options.write !== false) await writeAtomically(code);
    return code;
  } finally {
    // The esbuild service keeps a child process alive; stop it so servers and tests exit cleanly.
    await esbuild.stop();
  }
}

/** Written aside and renamed, so a server starting at the same time never reads half a file. */
async function writeAtomically(code: string): Promise<void> {
  await Deno.mkdir(new URL(".", PLUGIN_DIST), { recursive: true });
  const tmp = `${PLUGIN_DIST.pathname}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, code);
    await Deno.rename(tmp, PLUGIN_DIST);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

let ensured: Promise<void> | null = null;

/**
 * Builds the bundle when it is missing or older than a plugin source file, once per process. An
 * install without the sources keeps the bundle it has.
 */
export function ensurePluginBuilt(): Promise<void> {
  return ensured ??= (async () => {
    if (await sourcesNewerThanDist()) await buildPlugin();
  })().catch((err) => {
    ensured = null;
    throw new Error(`Cannot build the editor plugin: ${err instanceof Error ? err.message : err}`);
  });
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

if (import.meta.main) {
  const { parseCommand } = await import("./cli.ts");
  const parsed = parseCommand({
    name: "build:plugin",
    summary: "Bundles the draw.io plugin into drawio-plugin/dist/archiflow-plugin.js.",
    options: {
      "no-minify": { type: "boolean", description: "keep the bundle readable" },
    },
    example: "deno task build:plugin",
    notes: ["The server also builds it when it starts, if it is missing or stale."],
  }, Deno.args);
  if (parsed.kind === "help") {
    console.log(parsed.text);
    Deno.exit(0);
  }
  if (parsed.kind === "usage") {
    console.error(parsed.message);
    Deno.exit(2);
  }
  const started = performance.now();
  const code = await buildPlugin({ minify: !parsed.value["no-minify"] });
  console.log(
    `built ${PLUGIN_DIST.pathname} (${code.length} bytes) in ${
      Math.round(performance.now() - started)
    } ms`,
  );
}
