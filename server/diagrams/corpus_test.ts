// Agreement with draw.io itself on the shared corpus: ORACLE.json holds, for every file, what
// draw.io 14.7.3 reported when it opened it (pages, per-page cell counts, edge terminals).

import assert from "node:assert/strict";
import { corpusDir, corpusMissing } from "../../tests/support/corpus.ts";
import { DiagramParseError, parseDiagramFile } from "./parse.ts";
import { buildDiagramXml } from "./build.ts";
import { parseDiagram } from "./parse.ts";
import type { Page } from "./model.ts";

interface OraclePage {
  id: string | null;
  name: string | null;
  vertices: number;
  edges: number;
  layers: number;
  userObjects: number;
  userObjectAttributes: number;
  connectedEdges: number;
  edgeSample: [string, string | null, string | null][];
}

interface OracleFile {
  ok: boolean;
  kind: string;
  pages?: OraclePage[];
  pageCount: number;
}

function loadOracle(): Record<string, OracleFile> | null {
  const dir = corpusDir();
  if (dir === null) return null;
  const oracle = JSON.parse(Deno.readTextFileSync(`${dir}/drawio/ORACLE.json`));
  return oracle.files;
}

/** Differences between our page and draw.io's, as readable strings (empty when they agree). */
function comparePage(file: string, i: number, ours: Page, theirs: OraclePage): string[] {
  const out: string[] = [];
  const at = `${file} page ${i + 1}`;
  const check = (what: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${at}: ${what} is ${a}, draw.io says ${b}`);
  };
  if (theirs.id !== null) check("id", ours.id, theirs.id);
  if (theirs.name !== null) check("name", ours.name, theirs.name);
  check("vertices", ours.vertices.length, theirs.vertices);
  check("edges", ours.edges.length, theirs.edges);
  check("layers", ours.layers.length, theirs.layers);
  const userObjects = new Set(
    [...ours.vertices, ...ours.edges, ...ours.layers].filter((c) => c.tag !== undefined)
      .map((c) => c.id),
  );
  if (ours.root !== undefined) userObjects.add(ours.root.id);
  check("userObjects", userObjects.size, theirs.userObjects);
  let attributeCount = ours.root === undefined ? 0 : Object.keys(ours.root.attributes).length;
  for (const c of [...ours.vertices, ...ours.edges, ...ours.layers]) {
    if (c.tag !== undefined) attributeCount += Object.keys(c.attributes ?? {}).length;
  }
  check("userObjectAttributes", attributeCount, theirs.userObjectAttributes);
  check(
    "connectedEdges",
    ours.edges.filter((e) => e.source !== null && e.target !== null).length,
    theirs.connectedEdges,
  );
  const sample = ours.edges
    .map((e) => [e.id, e.source, e.target])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
    .slice(0, 50);
  const want = JSON.stringify(theirs.edgeSample);
  if (JSON.stringify(sample) !== want) {
    out.push(`${at}: edge sample differs: ${JSON.stringify(sample)} vs ${want}`);
  }
  return out;
}

Deno.test("parseDiagramFile() agrees with draw.io on every corpus file", async () => {
  if (corpusMissing("corpus agreement")) return;
  const oracle = loadOracle()!;
  const dir = `${corpusDir()}/drawio`;
  const problems: string[] = [];
  let checked = 0;
  for (const [file, want] of Object.entries(oracle)) {
    const bytes = Deno.readFileSync(`${dir}/${file}`);
    if (!want.ok) {
      await assert.rejects(
        () => parseDiagramFile(bytes, file),
        (e) => e instanceof DiagramParseError && e.code === "not_a_diagram",
        `${file} is not a diagram and must be refused`,
      );
      continue;
    }
    let got;
    try {
      got = await parseDiagramFile(bytes, file);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    if (got.pages.length !== want.pageCount) {
      problems.push(`${file}: ${got.pages.length} pages, draw.io says ${want.pageCount}`);
      continue;
    }
    want.pages!.forEach((p, i) => problems.push(...comparePage(file, i, got.pages[i], p)));
    checked++;
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 90, `only ${checked} corpus files were compared`);
});

Deno.test("every corpus diagram survives parse, build and parse unchanged", async () => {
  if (corpusMissing("corpus round trips")) return;
  const oracle = loadOracle()!;
  const dir = `${corpusDir()}/drawio`;
  for (const [file, want] of Object.entries(oracle)) {
    if (!want.ok) continue;
    const first = await parseDiagramFile(Deno.readFileSync(`${dir}/${file}`), file);
    const again = await parseDiagram(buildDiagramXml(first));
    assert.deepEqual(again, first, `${file} changed in a round trip`);
  }
});
