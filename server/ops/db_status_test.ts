import assert from "node:assert/strict";
import postgres from "postgres";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { createLogger } from "../log.ts";
import { EventHub } from "../events.ts";
import { createRegistry } from "../tools/index.ts";
import { callTool } from "../tools/tool.ts";
import { type Scope } from "../auth/actor.ts";
import { createTestDb } from "../../tests/support/db.ts";
import { waitFor } from "../../tests/support/wait.ts";
import { getDbStatus } from "./db_status.ts";

Deno.test("database status lists table sizes and says what does not apply", async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await t.db.query("INSERT INTO templates (name, template_xml) VALUES ('t', repeat('x', 5000))");
    const status = await getDbStatus(t.db, { longRunningSeconds: 60 });
    const names = status.tables.map((x) => x.table_name);
    for (const table of ["ip_pools", "ip_allocations", "audit_log", "diagrams"]) {
      assert.ok(names.includes(table), `${table} missing from table sizes`);
    }
    assert.ok(status.tables.every((x) => x.total_bytes >= x.table_bytes));
    assert.equal(status.backend, t.db.kind);
    if (t.db.kind === "pglite") {
      assert.equal(status.connections, null);
      assert.ok(status.notes.some((n) => /PGlite/.test(n)));
      assert.equal(status.slowest_statements, null);
    } else {
      assert.ok(status.connections!.total >= 1);
      assert.ok(status.connections!.max_connections > 0);
      assert.ok(status.database_bytes! > 0);
      assert.ok(status.cache_hit_ratio === null || status.cache_hit_ratio <= 1);
    }
  } finally {
    await t.close();
  }
});

Deno.test({
  name: "database status shows a statement that runs longer than the threshold",
  ignore: !Deno.env.get("DATABASE_URL"),
  fn: async () => {
    const t = await createTestDb();
    const other = postgres(t.url!, { max: 1, onnotice: () => {} });
    try {
      const sleeping = other`SELECT pg_sleep(3) AS archiflow_status_probe`.catch(() => {});
      await waitFor("the sleeping statement to show up as long-running", async () => {
        const status = await getDbStatus(t.db, { longRunningSeconds: 0.3 });
        return status.long_running.some((q) => q.query.includes("archiflow_status_probe"));
      });
      const none = await getDbStatus(t.db, { longRunningSeconds: 3600 });
      assert.equal(none.long_running.length, 0);
      await sleeping;
    } finally {
      await other.end();
      await t.close();
    }
  },
});

Deno.test("get-db-status needs the admin scope", async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    const registry = createRegistry();
    const ctx = (scope: Scope) => ({
      db: t.db,
      config: loadConfig({}),
      events: new EventHub(),
      log: createLogger("silent"),
      actor: { user: "u", scope, clientAddr: null, userAgent: null, requestId: null },
    });
    await assert.rejects(callTool(registry, "get-db-status", {}, ctx("write")), /admin scope/);
    const status = await callTool(registry, "get-db-status", {}, ctx("admin"));
    assert.equal(status.long_running_threshold_seconds, 30);
    assert.ok(Array.isArray(status.tables));
  } finally {
    await t.close();
  }
});
