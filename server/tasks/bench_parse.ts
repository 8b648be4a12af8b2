// Benchmark: parseDiagram() against a bare fast-xml-parser parse of the same text, on a plain
// drawing of the size people save (300 boxes, 300 edges, about 110 KB), on the largest corpus
// diagram and on a generated 5,000-device / 10,000-link network.
// Run: deno run -A server/tasks/bench_parse.ts

import { XMLParser } from "fast-xml-parser";
import { corpusDir } from "./corpus.ts";
import { generateNetworkDiagram, generatePlainDrawing } from "../diagrams/generate.ts";
import { parseDiagram } from "../diagrams/parse.ts";

async function median(runs: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function bench(what: string, text: string, runs: number): Promise<void> {
  const bare = new XMLParser({ ignoreAttributes: false });
  // Warm up both paths so the JIT sees them before timing (small texts need more rounds).
  for (let i = 0; i < Math.max(2, runs >> 2); i++) {
    bare.parse(text);
    await parseDiagram(text);
  }
  const baseline = await median(runs, () => bare.parse(text));
  const ours = await median(runs, () => parseDiagram(text));
  const d = await parseDiagram(text);
  console.log(
    `${what}: ${(text.length / 1e6).toFixed(2)} MB, ${d.stats.vertices} vertices, ` +
      `${d.stats.edges} edges, ${d.stats.devices} devices, ${d.stats.links} links`,
  );
  const digits = ours < 10 ? 2 : 1;
  console.log(
    `  bare fast-xml-parser ${baseline.toFixed(digits)} ms, parseDiagram ` +
      `${ours.toFixed(digits)} ms, ratio ${(ours / baseline).toFixed(2)}x (median of ${runs})`,
  );
}

await bench(
  "plain drawing (300 boxes, 300 edges)",
  generatePlainDrawing({ vertices: 300, edges: 300 }),
  201,
);

const dir = corpusDir();
if (dir === null) {
  console.log("corpus absent: skipping the corpus file");
} else {
  const oracle = JSON.parse(Deno.readTextFileSync(`${dir}/drawio/ORACLE.json`)).files;
  let largest = "";
  let size = 0;
  for (const [file, info] of Object.entries(oracle) as [string, { ok: boolean }][]) {
    if (!info.ok || file.endsWith(".png")) continue;
    const s = Deno.statSync(`${dir}/drawio/${file}`).size;
    if (s > size) [largest, size] = [file, s];
  }
  await bench(largest, Deno.readTextFileSync(`${dir}/drawio/${largest}`), 9);
}

const generated = generateNetworkDiagram({ devices: 5000, links: 10000 });
await bench("generated network (5,000 devices, 10,000 links)", generated, 7);
