// device_ports' references are foreign keys: its device by asset id, and the port at the other
// end of its cable by (connected_to_device, connected_to_port), checked at commit so both ends
// of a cable can be written in either order. Checked here on both backends, plus the two races
// a foreign key's row lock settles, on PostgreSQL.
import assert from "node:assert/strict";
import postgres from "postgres";
import { migrate } from "./migrate.ts";
import { createTestDb } from "../../tests/support/db.ts";
import { track, waitForLockWaiters } from "../../tests/support/wait.ts";
import { toAppError } from "../errors.ts";
import type { Db } from "./db.ts";

async function device(db: Db, asset: string): Promise<string> {
  await db.query("INSERT INTO network_devices (asset_id, device_name) VALUES ($1, $1)", [asset]);
  return asset;
}

async function port(
  db: Db,
  deviceId: string,
  name: string,
  peer: [string, string] | null = null,
): Promise<number> {
  const [r] = await db.query<{ id: number }>(
    "INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port) " +
      "VALUES ($1, $2, $3, $4) RETURNING id",
    [deviceId, name, peer?.[0] ?? null, peer?.[1] ?? null],
  );
  return Number(r.id);
}

async function refused(run: Promise<unknown>, text: RegExp): Promise<void> {
  const err = await run.then(() => null, (e) => e);
  assert.ok(err, "the statement was refused");
  assert.equal(err.code, "23503", `foreign_key_violation, got ${err.code}: ${err.message}`);
  assert.match(String(err.detail ?? err.message), text);
  assert.equal(toAppError(err).kind, "invalid");
}

/** The peer of each port, as "device port -> device port". */
async function cables(db: Db): Promise<string[]> {
  const rows = await db.query<{ c: string }>(
    `SELECT device_id || ' ' || port_name || ' -> ' ||
            coalesce(connected_to_device || ' ' || connected_to_port, '-') AS c
       FROM device_ports ORDER BY 1`,
  );
  return rows.map((r) => r.c);
}

Deno.test("ports refer to existing devices and peer ports", async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    const sw = await device(t.db, "sw1");
    const rt = await device(t.db, "rt1");

    await refused(port(t.db, "nope", "Gi0/1"), /nope/);
    // The peer is checked at commit (here: the statement's own).
    await refused(port(t.db, sw, "Gi0/1", [rt, "Gi9/9"]), /Gi9\/9/);
    assert.deepEqual(await cables(t.db), [], "nothing written by a refused insert");

    // Both ends of a cable in one transaction, one after the other: the first names a port
    // that exists only once the second is written.
    await t.db.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port) " +
          "VALUES ($1, 'Gi0/1', $2, 'Gi0/0')",
        [sw, rt],
      );
      await tx.query(
        "INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port) " +
          "VALUES ($1, 'Gi0/0', $2, 'Gi0/1')",
        [rt, sw],
      );
    });
    assert.deepEqual(await cables(t.db), ["rt1 Gi0/0 -> sw1 Gi0/1", "sw1 Gi0/1 -> rt1 Gi0/0"]);
    // ...but a transaction that never writes the other end is refused as a whole.
    await refused(
      t.db.transaction(async (tx) => {
        await tx.query("INSERT INTO device_ports (device_id, port_name) VALUES ($1, 'eth1')", [sw]);
        await tx.query(
          "UPDATE device_ports SET connected_to_device = $1, connected_to_port = 'eth9' " +
            "WHERE device_id = $2 AND port_name = 'eth1'",
          [rt, sw],
        );
      }),
      /eth9/,
    );
    assert.equal((await cables(t.db)).length, 2);
    // A port is never its own peer, and a peer names both device and port.
    await assert.rejects(
      t.db.query(
        "UPDATE device_ports SET connected_to_device = device_id, connected_to_port = port_name " +
          "WHERE device_id = $1",
        [sw],
      ),
    );
    await assert.rejects(
      t.db.query(
        "UPDATE device_ports SET connected_to_port = NULL WHERE device_id = $1",
        [sw],
      ),
    );

    // Renaming a port or a device's asset id follows into its peer's columns.
    await t.db.query(
      "UPDATE device_ports SET port_name = 'Gi0/0/0' WHERE device_id = $1 AND port_name = 'Gi0/0'",
      [rt],
    );
    await t.db.query("UPDATE network_devices SET asset_id = 'sw1-new' WHERE asset_id = $1", [sw]);
    assert.deepEqual(await cables(t.db), [
      "rt1 Gi0/0/0 -> sw1-new Gi0/1",
      "sw1-new Gi0/1 -> rt1 Gi0/0/0",
    ]);

    // Deleting a port unplugs its peer; deleting a device deletes its ports and unplugs theirs.
    const c = await port(t.db, "sw1-new", "Gi0/2");
    await port(t.db, rt, "Gi0/2", ["sw1-new", "Gi0/2"]);
    await t.db.query(
      "UPDATE device_ports SET connected_to_device = $1, connected_to_port = 'Gi0/2' WHERE id = $2",
      [rt, c],
    );
    await t.db.query("DELETE FROM device_ports WHERE device_id = $1 AND port_name = 'Gi0/2'", [
      rt,
    ]);
    assert.deepEqual(await cables(t.db), [
      "rt1 Gi0/0/0 -> sw1-new Gi0/1",
      "sw1-new Gi0/1 -> rt1 Gi0/0/0",
      "sw1-new Gi0/2 -> -",
    ]);
    await t.db.query("DELETE FROM network_devices WHERE asset_id = $1", [rt]);
    assert.deepEqual(await cables(t.db), ["sw1-new Gi0/1 -> -", "sw1-new Gi0/2 -> -"]);
  } finally {
    await t.close();
  }
});

Deno.test(
  "a port and a concurrent delete of its device never leave an orphan (PostgreSQL)",
  async (t) => {
    const test = await createTestDb();
    if (!test.url) {
      console.log("skipped: needs two connections to a real PostgreSQL (set DATABASE_URL)");
      await test.close();
      return;
    }
    const connect = () =>
      postgres(test.url!, {
        max: 1,
        onnotice: () => {},
        connection: { search_path: "archiflow, public" },
      });
    const one = connect();
    const two = connect();
    try {
      await migrate(test.db);
      const orphans = async () =>
        (await test.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM device_ports p
            WHERE NOT EXISTS (SELECT 1 FROM network_devices d WHERE d.asset_id = p.device_id)`,
        ))[0].n;
      const ports = async (dev: string) =>
        (await test.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM device_ports WHERE device_id = $1",
          [dev],
        ))[0].n;

      await t.step("insert first: the delete waits, then takes the new port with it", async () => {
        const dev = await device(test.db, "first");
        await one`BEGIN`;
        await one`INSERT INTO device_ports (device_id, port_name) VALUES (${dev}, 'p1')`;
        const deleting = track(
          two`DELETE FROM network_devices WHERE asset_id = ${dev}`.then(() => "done"),
        );
        await waitForLockWaiters(test.db, "the delete waits for the inserting transaction", [
          deleting,
        ]);
        await one`COMMIT`;
        assert.equal(await deleting.promise, "done");
        assert.equal(await orphans(), 0);
        assert.equal(await ports(dev), 0);
      });

      await t.step("delete first: the insert waits, then is refused", async () => {
        const dev = await device(test.db, "second");
        await one`BEGIN`;
        await one`DELETE FROM network_devices WHERE asset_id = ${dev}`;
        const inserting = track(
          two`INSERT INTO device_ports (device_id, port_name) VALUES (${dev}, 'p1')`
            .then(() => null, (e) => e),
        );
        await waitForLockWaiters(test.db, "the insert waits for the deleting transaction", [
          inserting,
        ]);
        await one`COMMIT`;
        const err = await inserting.promise;
        assert.ok(err, "the insert is refused once the delete committed");
        assert.equal(err.code, "23503");
        assert.equal(await orphans(), 0);
      });
    } finally {
      await one.end();
      await two.end();
      await test.close();
    }
  },
);
