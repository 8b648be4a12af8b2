// Diagram XML for tests: the smallest drawing most tests need (one labelled shape on one page),
// and builders of models, files and parser refusals.
import assert from "node:assert/strict";
import { DiagramParseError, parseDiagram } from "../../server/diagrams/parse.ts";
import type { DiagramParseErrorCode, Page, Vertex } from "../../server/diagrams/model.ts";

/** mxGraphModel XML of one vertex (id v1) whose label is `label`. */
export const oneShapeDiagram = (label: string): string =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<mxCell id="v1" value="${label}" vertex="1" parent="1">` +
  `<mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell>` +
  `</root></mxGraphModel>`;

/** mxGraphModel XML of the given cells. */
export const model = (cells: string) => `<mxGraphModel><root>${cells}</root></mxGraphModel>`;
/** An mxfile with one page per model, ids p1, p2, ... */
export const file = (...pages: string[]) =>
  `<mxfile>${
    pages.map((p, i) => `<diagram id="p${i + 1}" name="Page ${i + 1}">${p}</diagram>`).join("")
  }</mxfile>`;
/** The root and default layer cells every page starts with. */
export const BASE = '<mxCell id="0"/><mxCell id="1" parent="0"/>';

/** Asserts parseDiagram() refuses the input with this error code. */
export async function refuses(input: string, code: DiagramParseErrorCode): Promise<void> {
  await assert.rejects(
    () => parseDiagram(input),
    (e) => e instanceof DiagramParseError && e.code === code,
    `expected ${code}`,
  );
}

/** Absolute bounds of a page's vertices: a child's geometry is relative to its container. */
export function absoluteBounds(
  page: Page,
): Map<string, { x: number; y: number; w: number; h: number }> {
  const byId = new Map(page.vertices.map((v) => [v.id, v]));
  const out = new Map<string, { x: number; y: number; w: number; h: number }>();
  const place = (v: Vertex): { x: number; y: number; w: number; h: number } => {
    const known = out.get(v.id);
    if (known) return known;
    const parent = v.parent === null ? undefined : byId.get(v.parent);
    const origin = parent ? place(parent) : { x: 0, y: 0 };
    const b = {
      x: origin.x + v.geometry.x,
      y: origin.y + v.geometry.y,
      w: v.geometry.width,
      h: v.geometry.height,
    };
    out.set(v.id, b);
    return b;
  };
  for (const v of page.vertices) place(v);
  return out;
}
