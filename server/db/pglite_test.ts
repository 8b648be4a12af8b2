import assert from "node:assert/strict";
import { DatabaseInUseError, LOCK_FILE, openPglite } from "./pglite.ts";

Deno.test("openPglite() refuses a data folder that is already open, until it is closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archiflow-pglite-" });
  try {
    const first = await openPglite(dir);
    await first.exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7);");
    await assert.rejects(
      () => openPglite(dir),
      (err: Error) =>
        err instanceof DatabaseInUseError &&
        err.message.includes(`in use by process ${Deno.pid} `) &&
        err.message.includes(dir),
    );
    await first.close();

    const again = await openPglite(dir);
    try {
      assert.deepEqual(await again.query("SELECT n FROM kept"), [{ n: 7 }]);
    } finally {
      await again.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openPglite() takes over a lock file that no process holds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archiflow-pglite-" });
  try {
    // What a killed holder leaves behind: the file naming a pid, but no lock (the kernel dropped
    // it). The pid here is alive (this process), as after pid reuse: only the lock counts.
    await Deno.writeTextFile(`${dir}/${LOCK_FILE}`, JSON.stringify({ pid: Deno.pid }) + "\n");
    const db = await openPglite(dir);
    try {
      assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openPglite() in memory takes no lock: several open at once", async () => {
  const a = await openPglite();
  const b = await openPglite();
  try {
    await a.exec("CREATE TABLE only_in_a (n int)");
    assert.deepEqual(
      await b.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_a'"),
      [{ n: 0 }],
    );
  } finally {
    await a.close();
    await b.close();
  }
});
