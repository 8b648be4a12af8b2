// Statements marked `-- plan: per call` are planned with their actual arguments on every call:
// on PostgreSQL they never run a cached generic plan, which would assume a few rows whatever
// the size of the arrays they are given.
import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { plannedPerCall } from "./db.ts";
import { loadQueries, sql, sqlText } from "./queries.ts";
import { createTestDb } from "../../tests/support/db.ts";

Deno.test("the bulk inventory statements are marked to be planned per call", () => {
  for (const name of ["UpsertDiagramDevices", "InsertDiagramPorts", "ConnectDiagramLinks"]) {
    assert.ok(loadQueries().get(name)!.perCall, name);
    assert.ok(plannedPerCall(sql(name)), name);
  }
  assert.equal(plannedPerCall(sql("LockDiagram")), false);
  assert.equal(plannedPerCall("SELECT 1"), false);
  // The mark belongs to the named query, not to its text: the same text given as a string is
  // an ordinary statement.
  assert.equal(plannedPerCall(sqlText("InsertDiagramPorts")), false);
});

Deno.test("statements planned per call never use a generic plan (PostgreSQL)", async () => {
  const t = await createTestDb({ poolSize: 1 });
  try {
    if (!t.url) {
      console.log("skipped: PGlite has no prepared statement cache to check");
      return;
    }
    await migrate(t.db);
    const plans = async (name: string) =>
      (await t.db.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom
           FROM pg_prepared_statements WHERE statement LIKE $1`,
        [`-- name: ${name} %`],
      ))[0] ?? null;
    // Outside a transaction: sent unnamed, so never prepared at all.
    for (let i = 0; i < 7; i++) await t.db.query(sql("InsertDiagramPorts"), [[], [], [], []]);
    assert.equal(await plans("InsertDiagramPorts"), null);
    // Inside transactions: prepared (so pipelined), but planned with its arguments every time,
    // where an ordinary statement switches to its generic plan after five calls.
    for (let i = 0; i < 8; i++) {
      await t.db.transaction((tx) => tx.query(sql("CountDiagramVersions"), ["diagram-1"]));
      await t.db.transaction((tx) => tx.query(sql("InsertDiagramPorts"), [[], [], [], []]));
    }
    assert.deepEqual(await plans("InsertDiagramPorts"), { generic: 0, custom: 8 });
    const ordinary = await plans("CountDiagramVersions");
    assert.ok(ordinary && ordinary.generic > 0, JSON.stringify(ordinary));
  } finally {
    await t.close();
  }
});
