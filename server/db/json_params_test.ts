import assert from "node:assert/strict";
import { createTestDb } from "../../tests/support/db.ts";

Deno.test("JSON passed as text to $n::jsonb is stored as a JSON value, not a string", async () => {
  const t = await createTestDb();
  try {
    const [row] = await t.db.query<{ kind: string; value: unknown }>(
      "SELECT jsonb_typeof($1::jsonb) AS kind, $1::jsonb AS value",
      [JSON.stringify({ a: [1, "x"] })],
    );
    assert.equal(row.kind, "object");
    assert.deepEqual(row.value, { a: [1, "x"] });
  } finally {
    await t.close();
  }
});
