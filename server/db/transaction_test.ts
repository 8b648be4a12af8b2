import assert from "node:assert/strict";
import { createTestDb } from "../../tests/support/db.ts";

async function withTable(fn: (t: Awaited<ReturnType<typeof createTestDb>>) => Promise<void>) {
  // One connection, so every statement after a transaction runs where the transaction ran.
  const t = await createTestDb({ poolSize: 1 });
  try {
    await t.db.exec("CREATE TABLE tx_probe (id int PRIMARY KEY, note text NOT NULL)");
    await fn(t);
  } finally {
    await t.close();
  }
}

const rows = async (t: Awaited<ReturnType<typeof createTestDb>>) =>
  (await t.db.query<{ id: number }>("SELECT id FROM tx_probe ORDER BY id")).map((r) => r.id);

Deno.test(
  "a transaction commits what it wrote and rolls back everything when it throws",
  () =>
    withTable(async (t) => {
      await t.db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_probe VALUES (1, 'a')");
        await tx.query("INSERT INTO tx_probe VALUES (2, 'b')");
      });
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query("INSERT INTO tx_probe VALUES (3, 'c')");
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.deepEqual(await rows(t), [1, 2]);
      // The connection went back to the pool in a clean state: a plain statement is not inside
      // a leftover transaction (which would hold the transaction id of its INSERT).
      const [{ xid }] = await t.db.query<{ xid: unknown }>(
        "SELECT txid_current_if_assigned() AS xid",
      );
      assert.equal(xid, null);
    }),
);

Deno.test(
  "a statement issued after a failed transaction settled is refused, not run outside it",
  () =>
    withTable(async (t) => {
      let late: Promise<unknown> | null = null;
      const { promise: settled, resolve: transactionSettled } = Promise.withResolvers<void>();
      await assert.rejects(
        t.db.transaction(async (tx) => {
          // Work the function starts and does not wait for: it writes once the failure below
          // has ended the transaction.
          late = (async () => {
            await settled;
            await tx.query("INSERT INTO tx_probe VALUES (9, 'late')");
          })();
          late.catch(() => {});
          await tx.query("INSERT INTO tx_probe VALUES (1, 'a')");
          await tx.query("INSERT INTO tx_probe VALUES (1, 'duplicate')");
        }),
        /duplicate key|unique/i,
      );
      transactionSettled();
      await assert.rejects(late!, /transaction has ended/);
      assert.deepEqual(await rows(t), []);
    }),
);

Deno.test(
  "an undefined parameter fails its statement at once, in a transaction too, and nothing is written",
  () =>
    withTable(async (t) => {
      await assert.rejects(
        t.db.query("INSERT INTO tx_probe VALUES ($1, $2)", [1, undefined]),
        /Parameter \$2 of statement INSERT INTO tx_probe/,
      );
      // Pipelined behind another statement: on postgres.js this transaction used to hang.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("the transaction hangs")), 10_000);
      });
      try {
        await assert.rejects(
          Promise.race([
            t.db.transaction(async (tx) => {
              const first = tx.query("INSERT INTO tx_probe VALUES (1, 'a')");
              const second = tx.query("INSERT INTO tx_probe VALUES ($1, $2)", [2, undefined]);
              await Promise.all([first, second]);
            }),
            hung,
          ]),
          /Parameter \$2 of statement INSERT INTO tx_probe/,
        );
      } finally {
        clearTimeout(timer);
      }
      assert.deepEqual(await rows(t), []);
      // The pool still serves.
      await t.db.query("INSERT INTO tx_probe VALUES (3, 'c')");
      assert.deepEqual(await rows(t), [3]);
    }),
);
