// Helpers for REST tests: seeded inventory data and JSON requests against a test server.
import type { Db } from "../../server/db/db.ts";
import type { TestServer } from "./server.ts";

/** Inserts n devices with varied, partly null fields (deterministic). */
export async function seedDevices(db: Db, n: number): Promise<void> {
  await db.query(
    `INSERT INTO network_devices (asset_id, device_name, device_type, vendor, model, serial_number,
                                  status, site, location, primary_ip, netbox_id, metadata)
     SELECT 'A-' || lpad(i::text, 6, '0'),
            (ARRAY['core-sw', 'Edge-RTR', 'fw', 'ap', 'SW-access', 'sw_50%'])[1 + i % 6] || '-' || i,
            (ARRAY['switch', 'router', 'firewall', 'access_point'])[1 + i % 4],
            (ARRAY['Cisco', 'Juniper', NULL, 'Arista', 'cisco systems'])[1 + i % 5],
            CASE WHEN i % 3 = 0 THEN NULL ELSE 'M' || (i % 11) END,
            CASE WHEN i % 7 = 0 THEN '' ELSE 'SN' || (i * 7919 % 100000) END,
            (ARRAY['active', 'planned', 'offline', 'failed'])[1 + i % 4],
            (ARRAY['hq', 'dc1', 'HQ-East', NULL, '', 'o''brien'])[1 + i % 6],
            NULL,
            CASE WHEN i % 4 = 0 THEN NULL ELSE ('10.0.' || (i / 250) || '.' || (i % 250 + 1))::inet END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE i * 3 END,
            '{}'
       FROM generate_series(1, $1::int) AS i`,
    [n],
  );
}

export async function getJson(
  s: TestServer,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await s.fetch(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}) {
  return {
    method,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  };
}

/** Sends `body` as JSON (none when undefined) and returns the status and the parsed answer. */
export async function sendJson(
  s: TestServer,
  method: string,
  path: string,
  body?: unknown,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await s.fetch(path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
