// What the conversion from schema version 150 refuses, and that a refusal changes nothing: a
// database older than 150, a failing statement, an asset id the new schema cannot take, and
// values too long for their new columns (none is cut short). The old database is built by
// tests/support/convert.ts.
import assert from "node:assert/strict";
import { migrate, MigrationError } from "../server/db/migrate.ts";
import { createTestDb } from "./support/db.ts";
import { buildOldSchema, OLD_DATA } from "./support/convert.ts";
import { slowFile } from "./support/timeouts.ts";

// Each test builds the previous release's schema from its migrations, then converts it: the
// slow limit.
slowFile();

Deno.test(
  "a database older than schema version 150 is refused and left as it was",
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db, 140);
      await t.db.query("INSERT INTO public.ip_pools (name, network) VALUES ('p', '10.0.0.0/24')");
      await assert.rejects(
        () => migrate(t.db),
        (err: Error) =>
          err instanceof MigrationError && /schema version 140/.test(err.message) &&
          /previous release \(schema version 150\)/.test(err.message),
      );
      const [r] = await t.db.query<{ pools: number; archiflow: boolean }>(
        `SELECT (SELECT count(*)::int FROM public.ip_pools) AS pools,
              to_regnamespace('archiflow') IS NOT NULL AS archiflow`,
      );
      assert.deepEqual(r, { pools: 1, archiflow: false });
    } finally {
      await t.close();
    }
  },
);

Deno.test("a conversion that fails changes nothing and names what stopped it", async () => {
  const t = await createTestDb();
  try {
    await buildOldSchema(t.db);
    await t.db.exec(OLD_DATA);
    // Something built on the old tables by someone else is not dropped behind their back.
    await t.db.exec("CREATE VIEW public.pool_names AS SELECT name FROM public.ip_pools");
    await assert.rejects(
      () => migrate(t.db),
      (err: Error) =>
        err instanceof MigrationError && /schema version 150 failed/.test(err.message) &&
        /pool_names/.test(err.message),
    );
    const [r] = await t.db.query<{ pools: number; versions: number; archiflow: boolean }>(
      `SELECT (SELECT count(*)::int FROM public.ip_pools) AS pools,
              (SELECT max(version)::int FROM public.schema_migrations) AS versions,
              to_regnamespace('archiflow') IS NOT NULL AS archiflow`,
    );
    assert.deepEqual(r, { pools: 3, versions: 150, archiflow: false });
    // Without it, the conversion goes through.
    await t.db.exec("DROP VIEW public.pool_names");
    assert.equal((await migrate(t.db)).convertedFrom, 150);
  } finally {
    await t.close();
  }
});

Deno.test(
  "a device whose asset id the new schema cannot take stops the conversion",
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db);
      await t.db.query(
        "INSERT INTO public.network_devices (asset_id, device_name) VALUES ($1, 'long')",
        ["A".repeat(150)],
      );
      await assert.rejects(
        () => migrate(t.db),
        /asset id "A{150}" cannot be converted: an asset id has at most 100 characters/,
      );
    } finally {
      await t.close();
    }
  },
);

// Every VARCHAR(n) column of the new tables that an old text column fills, with the rows (by
// old id) that hold a value longer than n here. The old columns were text; these lengths the
// old release accepted.
const LONG_VALUES: { column: string; row: string; length: number }[] = [
  { column: "ip_allocations.asset_id", row: "with id 1", length: 150 },
  { column: "ip_allocations.device_name", row: "with id 1", length: 300 },
  { column: "ip_allocations.device_type", row: "with id 1", length: 100 },
  { column: "ip_allocations.allocated_by", row: "with id 1", length: 150 },
  { column: "ip_allocations.released_by", row: "with id 1", length: 150 },
  { column: "network_devices.device_name", row: 'with asset id "SW-9"', length: 300 },
  { column: "network_devices.device_type", row: 'with asset id "SW-9"', length: 100 },
  { column: "network_devices.vendor", row: 'with asset id "SW-9"', length: 200 },
  { column: "network_devices.model", row: 'with asset id "SW-9"', length: 200 },
  { column: "network_devices.serial_number", row: 'with asset id "SW-9"', length: 300 },
  { column: "network_devices.location", row: 'with asset id "SW-9"', length: 300 },
  { column: "device_ports.port_name", row: "with id 4", length: 150 },
  { column: "device_ports.port_type", row: "with id 4", length: 100 },
  { column: "diagrams.name", row: "with id 3", length: 300 },
  { column: "diagrams.created_by", row: "with id 3", length: 150 },
  { column: "diagrams.updated_by", row: "with id 3", length: 150 },
  { column: "diagram_versions.created_by", row: "with id 5", length: 150 },
  { column: "templates.category", row: "with id 8", length: 150 },
  { column: "templates.created_by", row: "with id 8", length: 150 },
  { column: "alerts.source", row: "with id 6", length: 150 },
  { column: "alerts.acknowledged_by", row: "with id 6", length: 150 },
  { column: "alerts.resolved_by", row: "with id 6", length: 150 },
  { column: "audit_log.action", row: "with id 20", length: 150 },
  { column: "audit_log.entity_type", row: "with id 20", length: 100 },
  { column: "audit_log.entity_id", row: "with id 20", length: 150 },
  { column: "audit_log.user_name", row: "with id 20", length: 300 },
];

// The VARCHAR(n) columns not in LONG_VALUES, and why no old value can be too long for them.
const FITTING = {
  // Made from numbers, or by the new schema.
  numbers: [
    "ip_pools.id",
    "ip_allocations.pool_id",
    "ip_pool_state.pool_id",
    "ip_pool_free_ranges.pool_id",
    "ip_allocation_keys.pool_id",
    "diagrams.id",
    "diagram_versions.diagram_id",
    "diagram_shares.diagram_id",
    "diagram_links.diagram_id",
    "templates.id",
    "device_ports.speed",
  ],
  // Not in the old tables: left empty.
  new: ["ip_pools.created_by", "network_devices.rack_position", "network_devices.created_by"],
  // The old schema held these to a list of short words, or to as many characters.
  oldChecks: [
    "ip_pools.name",
    "ip_pools.pool_type",
    "network_devices.status",
    "device_ports.status",
    "templates.name",
    "alerts.alert_type",
    "alerts.severity",
  ],
  // Asset ids (checked by themselves), a port's peer (a port name), a version's name (its
  // diagram's), and the actor's name cut to 100 characters as the server cuts it.
  derived: [
    "network_devices.asset_id",
    "device_ports.device_id",
    "device_ports.connected_to_device",
    "device_ports.connected_to_port",
    "diagram_versions.name",
    "audit_log.user_id",
  ],
};

Deno.test(
  "a value too long for its new column stops the conversion, naming it; none is cut short",
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db);
      await t.db.exec(OLD_DATA);
      const x = (n: number) => `'${"x".repeat(n)}'`;
      const long = (column: string) => x(LONG_VALUES.find((v) => v.column === column)!.length);
      await t.db.exec(`
        UPDATE public.ip_allocations
           SET asset_id = ${long("ip_allocations.asset_id")},
               device_name = ${long("ip_allocations.device_name")},
               device_type = ${long("ip_allocations.device_type")},
               allocated_by = ${long("ip_allocations.allocated_by")},
               released_by = ${long("ip_allocations.released_by")}
         WHERE id = 1;
        INSERT INTO public.network_devices (id, asset_id, device_name, device_type, vendor, model,
                                            serial_number, location)
        VALUES (9, 'SW-9', ${long("network_devices.device_name")},
                ${long("network_devices.device_type")}, ${long("network_devices.vendor")},
                ${long("network_devices.model")}, ${long("network_devices.serial_number")},
                ${long("network_devices.location")});
        UPDATE public.device_ports
           SET port_name = ${long("device_ports.port_name")},
               port_type = ${long("device_ports.port_type")}
         WHERE id = 4;
        INSERT INTO public.diagrams (id, name, created_by, updated_by)
        VALUES (3, ${long("diagrams.name")}, ${long("diagrams.created_by")},
                ${long("diagrams.updated_by")});
        INSERT INTO public.diagram_versions (id, diagram_id, version, xml_content, diagram_json,
                                             created_by)
        VALUES (5, 3, 1, '<mxGraphModel/>', '{"pages": []}',
                ${long("diagram_versions.created_by")});
        INSERT INTO public.templates (id, name, xml_content, category, created_by)
        VALUES (8, 'Long', '<mxGraphModel/>', ${long("templates.category")},
                ${long("templates.created_by")});
        INSERT INTO public.alerts (id, alert_type, title, message, source, acknowledged,
                                   acknowledged_by, acknowledged_at, resolved, resolved_by,
                                   resolved_at)
        VALUES (6, 'device_down', 't', 'm', ${long("alerts.source")}, true,
                ${long("alerts.acknowledged_by")}, now(), true, ${long("alerts.resolved_by")},
                now());
        INSERT INTO public.audit_log (id, user_name, action, entity_type, entity_id)
        VALUES (20, ${long("audit_log.user_name")}, ${long("audit_log.action")},
                ${long("audit_log.entity_type")}, ${long("audit_log.entity_id")});
      `);

      // Each conversion names one value; shortened with the old release, the next one shows.
      const named: string[] = [];
      for (;;) {
        const err = await migrate(t.db).then(() => null, (e) => e);
        if (err === null) break;
        assert.ok(err instanceof MigrationError, String(err));
        const m = err.message.match(
          /The row (.+) of (\w+) cannot be converted: its (\w+) has (\d+) characters, and the new column (\w+\.\w+) takes at most (\d+)\. Shorten it with the previous release, then upgrade\./,
        );
        assert.ok(m, err.message);
        const [, row, table, column, length, qualified, limit] = m;
        const value = LONG_VALUES.find((v) => v.column === `${table}.${column}`);
        assert.ok(value, `unexpected: ${err.message}`);
        assert.deepEqual([row, Number(length), qualified], [value.row, value.length, value.column]);
        assert.ok(!named.includes(value.column), `named twice: ${value.column}`);
        named.push(value.column);
        await t.db.exec(
          `UPDATE public.${table} SET ${column} = left(${column}, ${Number(limit)})
            WHERE length(${column}) > ${Number(limit)}`,
        );
      }
      assert.deepEqual(named.toSorted(), LONG_VALUES.map((v) => v.column).toSorted());

      // Shortened here, and kept whole otherwise: a diagram name of 255 characters arrives whole.
      const [row] = await t.db.query<{ name: number; version: number; vendor: number }>(
        `SELECT (SELECT length(name) FROM diagrams WHERE id = '3') AS name,
                (SELECT length(name) FROM diagram_versions WHERE id = 5) AS version,
                (SELECT length(vendor) FROM network_devices WHERE asset_id = 'SW-9') AS vendor`,
      );
      assert.deepEqual(row, { name: 255, version: 255, vendor: 100 });

      // Every VARCHAR(n) column of the new tables is either checked above or cannot overflow.
      const varchar = await t.db.query<{ c: string }>(
        `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
          WHERE table_schema = 'archiflow' AND data_type = 'character varying'
            AND table_name IN (SELECT table_name FROM information_schema.tables
                                WHERE table_schema = 'archiflow' AND table_type = 'BASE TABLE')
          ORDER BY 1`,
      );
      assert.deepEqual(
        varchar.map((r) => r.c),
        [...LONG_VALUES.map((v) => v.column), ...Object.values(FITTING).flat()].toSorted(),
      );
    } finally {
      await t.close();
    }
  },
);

Deno.test("a diagram name longer than 255 characters is refused, not cut", async () => {
  const t = await createTestDb();
  try {
    await buildOldSchema(t.db);
    await t.db.query("INSERT INTO public.diagrams (id, name) VALUES (4, $1)", ["D".repeat(300)]);
    await assert.rejects(
      () => migrate(t.db),
      /The row with id 4 of diagrams cannot be converted: its name has 300 characters, and the new column diagrams.name takes at most 255/,
    );
  } finally {
    await t.close();
  }
});
