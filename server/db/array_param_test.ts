import assert from "node:assert/strict";
import { arrayParam } from "./postgres.ts";
import { createTestDb } from "../../tests/support/db.ts";

Deno.test("arrayParam() writes PostgreSQL array literals with quoting and NULLs", () => {
  assert.equal(arrayParam([1, 2, 3]), "{1,2,3}");
  assert.equal(arrayParam([]), "{}");
  assert.equal(arrayParam(["a", 'b"c', "d\\e", "x,y", null]), '{"a","b\\"c","d\\\\e","x,y",NULL}');
  assert.equal(arrayParam([true, false]), "{t,f}");
  assert.equal(arrayParam("not an array"), "not an array");
  assert.equal(arrayParam(7), 7);
});

Deno.test(
  "array parameters round-trip through the database unchanged",
  async () => {
    const t = await createTestDb();
    try {
      const texts = ["plain", 'quote " inside', "back\\slash", "comma, inside", "{braces}", ""];
      const [row] = await t.db.query<{ t: string[]; n: number[]; i: string[] }>(
        "SELECT $1::text[] AS t, $2::bigint[] AS n, ARRAY(SELECT host(x) FROM unnest($3::inet[]) x) AS i",
        [texts, [1, 9007199254740991], ["10.0.0.1", "2001:db8::1"]],
      );
      assert.deepEqual(row.t, texts);
      assert.deepEqual(row.n.map(Number), [1, 9007199254740991]);
      assert.deepEqual(row.i, ["10.0.0.1", "2001:db8::1"]);
    } finally {
      await t.close();
    }
  },
);
