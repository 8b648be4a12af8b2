import assert from "node:assert/strict";
import { createTestDb } from "../tests/support/db.ts";
import { audit, auditAddress } from "./audit.ts";
import { migrate } from "./db/migrate.ts";
import type { Actor } from "./auth/actor.ts";

Deno.test("client addresses become INET text, or null when they are no IP address", () => {
  const cases: [string | null | undefined, string | null][] = [
    ["192.0.2.7", "192.0.2.7"],
    [" 192.0.2.7 ", "192.0.2.7"],
    ["192.0.2.7:51234", "192.0.2.7"],
    ["2001:DB8::0:1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["[fe80::1%25eth0]:80", "fe80::1"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["::1", "::1"],
    ["unknown", null],
    ["_hidden", null],
    ["192.0.2.256", null],
    ["192.0.2.07", null],
    ["10.0.0.0/8", null],
    ["2001:db8::1::2", null],
    ["", null],
    [null, null],
    [undefined, null],
  ];
  for (const [given, expected] of cases) assert.equal(auditAddress(given), expected, String(given));
});

const actor = (clientAddr: string | null, user = "admin"): Actor => ({
  user,
  scope: "admin",
  clientAddr,
  userAgent: "curl/8.5",
  requestId: "req-1",
});

Deno.test("an audit row has the document's columns, and an odd client address never fails it", async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await t.db.transaction(async (tx) => {
      await audit(tx, actor("[2001:db8::5]:8080"), {
        action: "update",
        entityType: "ip_pool",
        entityId: "pool-1",
        oldValues: { name: "a" },
        newValues: { name: "b" },
      });
      await audit(tx, actor("not an address", "netbox:" + "x".repeat(150)), {
        action: "create",
        entityType: "device",
        entityId: 7,
        newValues: { asset_id: "7" },
      });
    });
    const rows = await t.db.query<Record<string, unknown>>(
      `SELECT action, entity_type, entity_id, old_value, new_value, user_id, user_name,
              host(ip_address) AS ip, user_agent, request_id, created_at IS NOT NULL AS dated
         FROM audit_log ORDER BY id`,
    );
    assert.deepEqual(rows[0], {
      action: "update",
      entity_type: "ip_pool",
      entity_id: "pool-1",
      old_value: { name: "a" },
      new_value: { name: "b" },
      user_id: "admin",
      user_name: "admin",
      ip: "2001:db8::5",
      user_agent: "curl/8.5",
      request_id: "req-1",
      dated: true,
    });
    assert.equal(rows[1].ip, null);
    assert.equal(rows[1].entity_id, "7");
    assert.equal(rows[1].old_value, null);
    // user_id is VARCHAR(100); the whole name stays in user_name.
    assert.equal(rows[1].user_name, "netbox:" + "x".repeat(150));
    assert.equal(rows[1].user_id, ("netbox:" + "x".repeat(150)).slice(0, 100));
  } finally {
    await t.close();
  }
});
