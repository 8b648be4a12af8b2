// device_ports' references (its device, its peer port) are kept per statement by triggers
// (migration 0100): the same rules a foreign key gave, checked here on both backends, plus the
// two races a foreign key's row lock settles, on PostgreSQL.
import assert from "node:assert/strict";
import postgres from "postgres";
import { migrate } from "./migrate.ts";
import { createTestDb } from "../../tests/support/db.ts";
import { toAppError } from "../errors.ts";
import type { Db } from "./db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function device(db: Db, asset: string): Promise<number> {
  const [r] = await db.query<{ id: number }>(
    "INSERT INTO network_devices (asset_id, device_name) VALUES ($1, $1) RETURNING id",
    [asset],
  );
  return Number(r.id);
}

async function port(db: Db, deviceId: number, name: string, peer: number | null = null) {
  const [r] = await db.query<{ id: number }>(
    "INSERT INTO device_ports (device_id, port_name, connected_port_id) VALUES ($1, $2, $3) " +
      "RETURNING id",
    [deviceId, name, peer],
  );
  return Number(r.id);
}

async function refused(run: Promise<unknown>, text: RegExp): Promise<void> {
  const err = await run.then(() => null, (e) => e);
  assert.ok(err, "the statement was refused");
  assert.equal(err.code, "23503", `foreign_key_violation, got ${err.code}: ${err.message}`);
  assert.match(err.message, text);
  assert.equal(toAppError(err).kind, "invalid");
}

const count = async (db: Db, where: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM device_ports WHERE ${where}`))[0]
    .n;

Deno.test("ports refer to existing devices and peers, checked per statement", opts, async () => {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    const sw = await device(t.db, "sw1");
    const rt = await device(t.db, "rt1");

    await refused(port(t.db, 999_999, "Gi0/1"), /device 999999 does not exist/);
    await refused(port(t.db, sw, "Gi0/1", 888_888), /port 888888 does not exist/);
    assert.equal(await count(t.db, "true"), 0, "nothing written by a refused insert");

    // Two new ports connected to each other in one statement: each peer is a row of the same
    // statement, and one missing device among many refuses them all.
    const pair = await t.db.query<{ id: number }>(
      `WITH ids AS (SELECT nextval(pg_get_serial_sequence('device_ports', 'id')) AS a,
                           nextval(pg_get_serial_sequence('device_ports', 'id')) AS b)
       INSERT INTO device_ports (id, device_id, port_name, connected_port_id)
       SELECT a, $1::bigint, 'Gi0/1', b FROM ids UNION ALL SELECT b, $2::bigint, 'Gi0/0', a FROM ids
       RETURNING id`,
      [sw, rt],
    );
    assert.equal(pair.length, 2);
    await refused(
      t.db.query(
        `INSERT INTO device_ports (device_id, port_name)
         SELECT d, 'eth' || d FROM unnest($1::bigint[]) d`,
        [[sw, rt, 777_777]],
      ),
      /device 777777 does not exist/,
    );
    assert.equal(await count(t.db, "port_name LIKE 'eth%'"), 0);

    // Updates are checked when they change a reference, and only then.
    const [a, b] = pair.map((r) => Number(r.id));
    await refused(
      t.db.query("UPDATE device_ports SET connected_port_id = 666666 WHERE id = $1", [a]),
      /port 666666 does not exist/,
    );
    await refused(
      t.db.query("UPDATE device_ports SET device_id = 555555 WHERE id = $1", [a]),
      /device 555555 does not exist/,
    );
    await t.db.query("UPDATE device_ports SET description = 'uplink' WHERE id = $1", [a]);
    assert.equal(await count(t.db, `id = ${a} AND connected_port_id = ${b}`), 1);

    // Deleting a port unplugs its peer; deleting a device deletes its ports and unplugs theirs.
    const c = await port(t.db, sw, "Gi0/2");
    const d = await port(t.db, rt, "Gi0/2", c);
    await t.db.query("UPDATE device_ports SET connected_port_id = $1 WHERE id = $2", [d, c]);
    await t.db.query("DELETE FROM device_ports WHERE id = $1", [d]);
    assert.equal(await count(t.db, `id = ${c} AND connected_port_id IS NULL`), 1);
    await t.db.query("DELETE FROM network_devices WHERE id = $1", [rt]);
    assert.equal(await count(t.db, `device_id = ${rt}`), 0, "the device's ports went with it");
    assert.equal(await count(t.db, `id = ${a} AND connected_port_id IS NULL`), 1, "peer unplugged");
  } finally {
    await t.close();
  }
});

Deno.test(
  "a port and a concurrent delete of its device never leave an orphan (PostgreSQL)",
  opts,
  async (t) => {
    const test = await createTestDb();
    if (!test.url) {
      console.log("skipped: needs two connections to a real PostgreSQL (set DATABASE_URL)");
      await test.close();
      return;
    }
    const one = postgres(test.url, { max: 1, onnotice: () => {} });
    const two = postgres(test.url, { max: 1, onnotice: () => {} });
    try {
      await migrate(test.db);
      const orphans = () =>
        count(
          test.db,
          "NOT EXISTS (SELECT 1 FROM network_devices d WHERE d.id = device_ports.device_id)",
        );

      await t.step("insert first: the delete waits, then takes the new port with it", async () => {
        const dev = await device(test.db, "first");
        await one`BEGIN`;
        await one`INSERT INTO device_ports (device_id, port_name) VALUES (${dev}, 'p1')`;
        const deleting = two`DELETE FROM network_devices WHERE id = ${dev}`.then(() => "done");
        const early = await Promise.race([
          deleting,
          new Promise((r) => setTimeout(() => r("waiting"), 300)),
        ]);
        assert.equal(early, "waiting", "the delete waits for the inserting transaction");
        await one`COMMIT`;
        assert.equal(await deleting, "done");
        assert.equal(await orphans(), 0);
        assert.equal(await count(test.db, `device_id = ${dev}`), 0);
      });

      await t.step("delete first: the insert waits, then is refused", async () => {
        const dev = await device(test.db, "second");
        await one`BEGIN`;
        await one`DELETE FROM network_devices WHERE id = ${dev}`;
        const inserting = two`INSERT INTO device_ports (device_id, port_name) VALUES (${dev}, 'p1')`
          .then(() => null, (e) => e);
        await new Promise((r) => setTimeout(r, 300));
        await one`COMMIT`;
        const err = await inserting;
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

Deno.test(
  "the reference checks plan each statement for the rows it touched (PostgreSQL)",
  opts,
  async () => {
    const test = await createTestDb();
    if (!test.url) {
      console.log("skipped: reading the checks' plans needs PostgreSQL's auto_explain");
      await test.close();
      return;
    }
    const notices: string[] = [];
    const conn = postgres(test.url, { max: 1, onnotice: (n) => notices.push(n.message) });
    try {
      await migrate(test.db);
      await conn.begin(async (tx) => {
        // Every plan the trigger runs, its nested statements included, reaches this client.
        await tx.unsafe("LOAD 'auto_explain'");
        await tx.unsafe("SET LOCAL auto_explain.log_min_duration = 0");
        await tx.unsafe("SET LOCAL auto_explain.log_nested_statements = on");
        await tx.unsafe("SET LOCAL auto_explain.log_level = notice");
        // The first statements on this connection touch no port: a plan kept from them would
        // expect empty transition tables.
        await tx`INSERT INTO device_ports (device_id, port_name) SELECT 1, 'none' WHERE false`;
        await tx`UPDATE device_ports SET description = 'none' WHERE false`;
        await tx`INSERT INTO network_devices (asset_id, device_name)
                 SELECT 'sw' || g, 'sw' || g FROM generate_series(1, 300) g`;
        notices.length = 0;
        // 3,000 ports, each connected to the next one of its pair, then every pair unplugged.
        await tx`INSERT INTO device_ports (id, device_id, port_name, connected_port_id)
                 SELECT 1000000 + d.id * 10 + g, d.id, 'p' || g,
                        1000000 + d.id * 10 + CASE WHEN g % 2 = 0 THEN g - 1 ELSE g + 1 END
                   FROM network_devices d, generate_series(1, 10) g`;
        await tx`UPDATE device_ports SET connected_port_id = NULL WHERE port_name = 'p1'`;
        await tx`UPDATE device_ports SET connected_port_id = NULL WHERE port_name = 'p2'`;
        await tx`UPDATE device_ports SET connected_port_id = 1000000 + device_id * 10 + 2
                  WHERE port_name = 'p1'`;
      });
      const checks = notices.filter((n) => /FROM fresh/.test(n));
      assert.ok(checks.length >= 6, `the checks' plans were read: ${checks.length}`);
      for (const plan of checks) {
        // Over thousands of rows a nested loop compares every row with every other one.
        assert.doesNotMatch(plan, /Nested Loop/, plan);
      }
    } finally {
      await conn.end();
      await test.close();
    }
  },
);
