// Database security: the optional read-only role reads everything and writes nothing.
import assert from "node:assert/strict";
import postgres from "postgres";
import { migrate } from "../server/db/migrate.ts";
import { applyReadonlyRole } from "../server/ops/readonly_role.ts";
import { createTestDb } from "./support/db.ts";

const base = Deno.env.get("DATABASE_URL");
if (!base) console.warn("Skipping the read-only role test: it needs PostgreSQL (DATABASE_URL)");

Deno.test({
  name: "the read-only role can select every table and view and cannot write",
  ignore: !base,
  fn: async () => {
    const t = await createTestDb();
    const role = `archiflow_ro_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    let reader: ReturnType<typeof postgres> | null = null;
    try {
      await migrate(t.db);
      await t.db.query("INSERT INTO ip_pools (name, network) VALUES ('p', '10.0.0.0/24')");
      await applyReadonlyRole(t.db, { role, password: "ro-pass" });
      // Views are dropped and re-created by every migrate; the grant must survive that.
      await migrate(t.db);
      const url = new URL(t.url!);
      url.username = role;
      url.password = "ro-pass";
      reader = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const relations = await t.db.query<{ name: string }>(
        `SELECT c.relname::text AS name FROM pg_class c
          WHERE c.relkind IN ('r', 'v') AND c.relnamespace = 'archiflow'::regnamespace`,
      );
      assert.ok(relations.some((r) => r.name === "ip_pool_usage"));
      for (const { name } of relations) {
        await reader.unsafe(`SELECT * FROM ${name} LIMIT 1`);
      }
      // Unqualified, as the document's read-only user would write it (and qualified).
      const [usage] = await reader.unsafe("SELECT pool_name FROM ip_pool_usage");
      assert.equal(usage.pool_name, "p");
      const [qualified] = await reader.unsafe("SELECT name FROM archiflow.ip_pools");
      assert.equal(qualified.name, "p");
      const writes = [
        "INSERT INTO ip_pools (name, network) VALUES ('x', '10.1.0.0/24')",
        "UPDATE ip_pools SET description = 'x'",
        "DELETE FROM ip_pools",
        "CREATE TABLE evil (id int)",
        "BEGIN READ WRITE; INSERT INTO audit_log (user_name, action, entity_type) VALUES ('x','x','x'); COMMIT",
      ];
      for (const statement of writes) {
        await assert.rejects(
          reader.unsafe(statement),
          (err: { code?: string }) => ["42501", "25006"].includes(err.code ?? ""),
          statement,
        );
      }
      const [count] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ip_pools");
      assert.equal(count.n, 1);
    } finally {
      await reader?.end();
      await t.close();
      const admin = postgres(base!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}`).catch((e) => console.warn(String(e)));
      await admin.end();
    }
  },
});
