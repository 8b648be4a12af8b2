// Statements marked `-- plan: per call` are planned with their actual arguments on every call:
// the PostgreSQL backend never prepares them, so no generic plan can be chosen for them.
import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { loadQueries, plannedPerCall, sql } from "./queries.ts";
import { createTestDb } from "../../tests/support/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("the bulk inventory statements are marked to be planned per call", () => {
  for (const name of ["UpsertDiagramDevices", "InsertDiagramPorts", "ConnectDiagramLinks"]) {
    assert.ok(loadQueries().get(name)!.perCall, name);
    assert.ok(plannedPerCall(sql(name)), name);
  }
  assert.equal(plannedPerCall(sql("LockDiagram")), false);
  assert.equal(plannedPerCall("SELECT 1"), false);
});

Deno.test("statements planned per call are never prepared (PostgreSQL)", opts, async () => {
  const t = await createTestDb({ poolSize: 1 });
  try {
    if (!t.url) {
      console.log("skipped: PGlite has no prepared statement cache to check");
      return;
    }
    await migrate(t.db);
    for (let i = 0; i < 7; i++) {
      await t.db.query(sql("LockDiagram"), [1]);
      await t.db.query(sql("InsertDiagramPorts"), [[], [], [], []]);
    }
    const prepared = async (name: string) =>
      (await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE $1",
        [`-- name: ${name} %`],
      ))[0].n;
    assert.equal(await prepared("LockDiagram"), 1, "an ordinary statement is prepared once");
    assert.equal(await prepared("InsertDiagramPorts"), 0);
  } finally {
    await t.close();
  }
});
