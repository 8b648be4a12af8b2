import assert from "node:assert/strict";
import { migrate } from "../db/migrate.ts";
import { createTestDb } from "../../tests/support/db.ts";
import { formatReport, runMaintenance } from "./maintain.ts";

Deno.test("maintenance analyzes, vacuums and reindexes outside a transaction and reports it", async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await t.db.query("INSERT INTO ip_pools (name, network) VALUES ('m', '10.0.0.0/24')");
    await t.db.query(
      `INSERT INTO ip_allocations (pool_id, ip_address)
       SELECT p.id, ('10.0.0.' || g)::inet FROM ip_pools p, generate_series(1, 50) g`,
    );
    await t.db.query(
      "UPDATE ip_allocations SET is_active = false, released_at = now() WHERE ip_address < '10.0.0.30'",
    );
    const report = await runMaintenance(t.db, { reindex: true });
    assert.deepEqual(report.steps.map((s) => s.step), ["analyze", "vacuum", "reindex"]);
    assert.match(
      report.steps[1].statement,
      /^VACUUM \(ANALYZE\) archiflow.ip_allocations, archiflow.audit_log/,
    );
    assert.ok(report.after.some((s) => s.table_name === "ip_allocations"));
    assert.equal(report.notes.length > 0, t.db.kind === "pglite");
    const text = formatReport(report).join("\n");
    assert.match(text, /vacuum/);
    // The data is intact after REINDEX, and the partial unique index still works.
    const [n] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ip_allocations WHERE is_active",
    );
    assert.equal(n.n, 21);
    await assert.rejects(t.db.query(
      "INSERT INTO ip_allocations (pool_id, ip_address) SELECT id, '10.0.0.40' FROM ip_pools",
    ));
  } finally {
    await t.close();
  }
});
