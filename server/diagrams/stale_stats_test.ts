// Inventory statements must not turn quadratic when the planner's statistics are stale. Taken
// while the database held one diagram's links, they say a diagram created since has one link;
// unplugging a drawing's removed links was planned on that as a nested loop that compared every
// link with every other one (re-saving a 10,000-link drawing took 5 s instead of 0.3 s). Read
// from EXPLAIN ANALYZE: the rows all plan nodes produced, over all their loops, stay linear in
// the number of links.
import assert from "node:assert/strict";
import type { Queryable } from "../db/db.ts";
import { sqlText } from "../db/queries.ts";
import { ipamHarness } from "../../tests/support/ipam.ts";
import { generateNetworkDiagram } from "./generate.ts";

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Actual Loops": number;
  Plans?: PlanNode[];
}

/** Rows produced by every node of a plan, over all its loops. */
function rowsProduced(node: PlanNode): number {
  const own = node["Actual Rows"] * node["Actual Loops"];
  return own + (node.Plans ?? []).reduce((n, p) => n + rowsProduced(p), 0);
}

async function explained(tx: Queryable, text: string, params: unknown[]): Promise<PlanNode> {
  const [row] = await tx.query<{ "QUERY PLAN": unknown }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
    params,
  );
  const doc = row["QUERY PLAN"];
  return (typeof doc === "string" ? JSON.parse(doc) : doc as { Plan: PlanNode }[])[0].Plan;
}

Deno.test("unplugging a drawing's links stays linear under stale statistics", async () => {
  const h = await ipamHarness();
  const db = h.t.db;
  try {
    const links = 400;
    const xml = generateNetworkDiagram({ devices: 200, links });
    const save = (prefix: string) =>
      h.call<{ id: string; inventory: { links_connected: number } }>("save-diagram", {
        name: prefix,
        xml: xml.replaceAll('asset_id="', `asset_id="${prefix}-`),
      });

    await save("a");
    await db.exec("ANALYZE");
    const b = await save("b");
    assert.equal(b.inventory.links_connected, links);

    const pairs = await db.query<{ a: number; b: number }>(
      "SELECT port_a_id AS a, port_b_id AS b FROM diagram_links WHERE diagram_id = $1",
      [b.id],
    );
    const who = ["alice", null, null, null];
    const a = pairs.map((p) => Number(p.a));
    const z = pairs.map((p) => Number(p.b));
    let kept = 0;
    let dropped = 0;
    await db.transaction(async (tx) => {
      // Plans for the values at hand, as the save itself asks (`plan: per call`).
      await tx.query("SET LOCAL plan_cache_mode = force_custom_plan");
      // A re-save that still draws every link, then one that draws none (the delete path).
      kept = rowsProduced(
        await explained(tx, sqlText("DisconnectDiagramLinks"), [b.id, a, z, ...who]),
      );
      dropped = rowsProduced(
        await explained(tx, sqlText("DisconnectDiagramLinks"), [b.id, [], [], ...who]),
      );
      throw new Error("roll back");
    }).catch((e) => {
      if (e.message !== "roll back") throw e;
    });
    // Linear: a few index probes per link (~16 per link when every link goes). Quadratic: links ×
    // links = 160,000.
    assert.ok(kept < 50 * links, `re-save: ${kept} rows produced for ${links} links`);
    assert.ok(dropped < 50 * links, `delete: ${dropped} rows produced for ${links} links`);
  } finally {
    await h.close();
  }
});
