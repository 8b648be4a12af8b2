// Bundles the draw.io plugin (drawio-plugin/src/main.ts) into one IIFE file with esbuild.
// `deno task build:plugin` runs it; the editor route calls buildPlugin() when the file is missing.
import * as esbuild from "esbuild";

const root = new URL("../../", import.meta.url);
export const PLUGIN_ENTRY = new URL("drawio-plugin/src/main.ts", root);
export const PLUGIN_DIST = new URL("drawio-plugin/dist/archiflow-plugin.js", root);

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
    if (options.write !== false) {
      await Deno.mkdir(new URL(".", PLUGIN_DIST), { recursive: true });
      await Deno.writeTextFile(PLUGIN_DIST, code);
    }
    return code;
  } finally {
    // The esbuild service keeps a child process alive; stop it so servers and tests exit cleanly.
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const started = performance.now();
  const code = await buildPlugin({ minify: !Deno.args.includes("--no-minify") });
  console.log(
    `built ${PLUGIN_DIST.pathname} (${code.length} bytes) in ${
      Math.round(performance.now() - started)
    } ms`,
  );
}
