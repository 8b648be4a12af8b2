// Sample rows for the document's tables, written through the document's own column lists:
// every column the document declares gets a value here except those it fills itself (SERIAL
// ids and DEFAULT CURRENT_TIMESTAMP times). Values are text, cast to the document's type in the
// INSERT, so what is checked is that a value of the document's type fits the column.
import type { Queryable } from "../../server/db/db.ts";
import type { ColumnDef, TableDef } from "./document.ts";

export type SampleValues = Record<string, string | null>;

export interface SampleRow {
  table: string;
  values: SampleValues;
}

const TS = "2024-05-02 10:00:00";

/** In foreign-key order; both ends of the cable are written in one transaction. */
export const SAMPLE_ROWS: SampleRow[] = [
  {
    table: "ip_pools",
    values: {
      id: "pool-1",
      name: "Seed office LAN",
      network: "192.168.1.0/24",
      gateway: "192.168.1.1",
      dns_servers: "{192.168.1.2,8.8.8.8}",
      vlan_id: "10",
      description: "Office LAN",
      pool_type: "static",
      created_by: "admin",
      is_active: "true",
    },
  },
  {
    table: "ip_pools",
    values: {
      id: "pool-2",
      name: "Seed retired pool",
      network: "10.9.0.0/24",
      gateway: "10.9.0.1",
      dns_servers: "{}",
      vlan_id: "20",
      description: "No longer used",
      pool_type: "dhcp",
      created_by: "admin",
      is_active: "false",
    },
  },
  {
    table: "ip_allocations",
    values: {
      ip_address: "192.168.1.10",
      pool_id: "pool-1",
      asset_id: "srv-1",
      device_name: "app-server-1",
      device_type: "server",
      mac_address: "00:11:22:33:44:55",
      allocated_by: "admin",
      released_at: null,
      released_by: null,
      is_active: "true",
      notes: "first address",
    },
  },
  {
    table: "ip_allocations",
    values: {
      ip_address: "192.168.1.11",
      pool_id: "pool-1",
      asset_id: "sw-1",
      device_name: "core-sw-1",
      device_type: "switch",
      mac_address: "00:11:22:33:44:66",
      allocated_by: "admin",
      released_at: null,
      released_by: null,
      is_active: "true",
      notes: "management",
    },
  },
  {
    table: "ip_allocations",
    values: {
      ip_address: "192.168.1.12",
      pool_id: "pool-1",
      asset_id: "srv-2",
      device_name: "old-server",
      device_type: "server",
      mac_address: null,
      allocated_by: "admin",
      released_at: TS,
      released_by: "admin",
      is_active: "false",
      notes: "released",
    },
  },
  {
    table: "ip_allocations",
    values: {
      ip_address: "10.9.0.10",
      pool_id: "pool-2",
      asset_id: "srv-3",
      device_name: "legacy",
      device_type: "server",
      mac_address: null,
      allocated_by: "admin",
      released_at: null,
      released_by: null,
      is_active: "true",
      notes: "",
    },
  },
  {
    table: "network_devices",
    values: {
      asset_id: "sw-1",
      device_name: "core-sw-1",
      device_type: "switch",
      vendor: "Cisco",
      model: "C9300-48P",
      serial_number: "FOC1234X0AB",
      location: "HQ / Room 101",
      rack_position: "R1-U10",
      status: "maintenance",
      primary_ip: "192.168.1.11",
      management_ip: "10.0.0.11",
      metadata: '{"role": "core", "uplinks": 2}',
      created_by: "admin",
    },
  },
  {
    table: "network_devices",
    values: {
      asset_id: "sw-2",
      device_name: "core-sw-2",
      device_type: "switch",
      vendor: "Cisco",
      model: "C9300-48P",
      serial_number: "FOC1234X0CD",
      location: "HQ / Room 101",
      rack_position: "R1-U12",
      status: "active",
      primary_ip: "192.168.1.13",
      management_ip: "10.0.0.12",
      metadata: '{"role": "core"}',
      created_by: "admin",
    },
  },
  {
    table: "device_ports",
    values: {
      device_id: "sw-1",
      port_name: "Gi1/0/1",
      port_type: "ethernet",
      speed: "1G",
      status: "admin-down",
      vlan_id: "10",
      connected_to_device: "sw-2",
      connected_to_port: "Gi1/0/1",
    },
  },
  {
    table: "device_ports",
    values: {
      device_id: "sw-2",
      port_name: "Gi1/0/1",
      port_type: "ethernet",
      speed: "1G",
      status: "up",
      vlan_id: "10",
      connected_to_device: "sw-1",
      connected_to_port: "Gi1/0/1",
    },
  },
  {
    table: "device_ports",
    values: {
      device_id: "sw-1",
      port_name: "Te1/1/1",
      port_type: "fiber",
      speed: "10G",
      status: "down",
      vlan_id: null,
      connected_to_device: null,
      connected_to_port: null,
    },
  },
  {
    table: "diagrams",
    values: {
      id: "diagram-1",
      name: "Seed campus",
      description: "Core of the campus",
      diagram_xml: '<mxfile><diagram id="p1" name="Page-1"/></mxfile>',
      diagram_json: '{"pages": [{"id": "p1", "cells": []}]}',
      version: "1",
      is_current: "true",
      created_by: "admin",
      updated_by: "admin",
      tags: "{core,lab}",
      metadata: '{"site": "HQ"}',
    },
  },
  {
    table: "diagram_versions",
    values: {
      diagram_id: "diagram-1",
      version_number: "1",
      name: "Seed campus",
      diagram_xml: '<mxfile><diagram id="p1" name="Page-1"/></mxfile>',
      diagram_json: '{"pages": [{"id": "p1", "cells": []}]}',
      change_summary: "Initial version",
      created_by: "admin",
      is_current: "true",
    },
  },
  {
    table: "templates",
    values: {
      id: "seed-template",
      name: "Seed template",
      description: "A template written through the document's columns",
      template_xml: "<mxfile/>",
      template_json: '{"pages": []}',
      variables: '[{"name": "site", "type": "string"}]',
      category: "network",
      is_active: "true",
      created_by: "admin",
    },
  },
  {
    table: "alerts",
    values: {
      alert_type: "pool_exhausted",
      severity: "warning",
      source: "pool-1",
      message: "Pool pool-1 is 95% used",
      details: '{"pool_id": "pool-1", "usage": 95}',
      is_acknowledged: "true",
      acknowledged_by: "admin",
      acknowledged_at: TS,
      resolved: "false",
      resolved_by: null,
      resolved_at: null,
    },
  },
  {
    table: "audit_log",
    values: {
      action: "allocate_ip",
      entity_type: "ip_pool",
      entity_id: "pool-1",
      old_value: null,
      new_value: '{"ip_address": "192.168.1.10", "asset_id": "srv-1"}',
      user_id: "admin",
      user_name: "admin",
      ip_address: "192.0.2.10",
      user_agent: "seed-test/1.0",
    },
  },
];

/** The column fills itself: a SERIAL id or a DEFAULT CURRENT_TIMESTAMP time. */
export function selfFilled(col: ColumnDef): boolean {
  return col.type.name === "SERIAL" || col.type.name === "BIGSERIAL" ||
    /^current_timestamp$/i.test(col.default ?? "");
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unexpected identifier ${name}`);
  return name;
};

export interface InsertedRow {
  table: string;
  values: SampleValues;
  /** The document's primary key columns and their values as text. */
  key: Record<string, string>;
}

/**
 * Inserts the rows through the document's column names (unqualified, as the document writes
 * them) and checks each reads back as written, with the document's defaults filled in.
 */
export async function insertSamples(
  tx: Queryable,
  tables: Map<string, TableDef>,
  rows: SampleRow[] = SAMPLE_ROWS,
): Promise<InsertedRow[]> {
  const out: InsertedRow[] = [];
  for (const row of rows) {
    const def = tables.get(row.table);
    if (!def) throw new Error(`The document has no table ${row.table}`);
    const cols = def.columns.filter((c) => !selfFilled(c));
    const missing = cols.filter((c) => !(c.name in row.values)).map((c) => c.name);
    const unknown = Object.keys(row.values).filter((k) => !cols.some((c) => c.name === k));
    if (missing.length || unknown.length) {
      throw new Error(
        `Sample row for ${row.table} does not match the document's columns: ` +
          `missing ${missing.join(", ") || "none"}, unknown ${unknown.join(", ") || "none"}`,
      );
    }
    const casts = cols.map((c, i) => `$${i + 1}::text::${c.type.sql}`);
    const params = cols.map((c) => row.values[c.name]);
    const pk = def.primaryKey.map(ident);
    const [ret] = await tx.query<Record<string, unknown>>(
      `INSERT INTO ${ident(def.name)} (${cols.map((c) => ident(c.name)).join(", ")})
       VALUES (${casts.join(", ")}) RETURNING ${pk.map((k) => `${k}::text AS ${k}`).join(", ")}`,
      params,
    );
    const key = Object.fromEntries(pk.map((k) => [k, String(ret[k])]));

    // Read back: every written column equal to the value of the document's type, every
    // self-filled one set (times to this transaction's now(), as CURRENT_TIMESTAMP gives).
    const keyCond = pk.map((k, i) => {
      const type = def.columns.find((c) => c.name === k)!.type;
      return `${k} = $${cols.length + i + 1}::text::${
        type.name === "SERIAL" ? "INTEGER" : type.sql
      }`;
    });
    const filled = def.columns.filter(selfFilled).map((c) =>
      c.type.name.endsWith("SERIAL") ? `${ident(c.name)} IS NOT NULL` : `${ident(c.name)} = now()`
    );
    const [check] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ident(def.name)}
        WHERE ${[...keyCond, ...filled].join(" AND ")}
          AND (${cols.map((c) => ident(c.name)).join(", ")}) IS NOT DISTINCT FROM
              (${casts.join(", ")})`,
      [...params, ...pk.map((k) => key[k])],
    );
    if (check.n !== 1) {
      throw new Error(
        `The ${row.table} row ${JSON.stringify(key)} does not read back as written ` +
          `(${check.n} matching rows)`,
      );
    }
    out.push({ table: row.table, values: row.values, key });
  }
  return out;
}
