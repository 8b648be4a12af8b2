// NetBox sync runs against the NetBox double serving NetBox's demo data: a full sync mirrors it
// exactly, an incremental one applies only what changed, conflicts with local allocations raise
// alerts, a failing run keeps what it applied, and runs do not overlap. Devices and ports as
// synced are in sync_devices_test.ts.
import assert from "node:assert/strict";
import postgres from "postgres";
import { netboxDemoMissing } from "../../tests/netbox_double/demo_db.ts";
import { allocate } from "../ipam/allocator.ts";
import { listAvailable } from "../ipam/available.ts";
import { testActor } from "../../tests/support/ipam.ts";
import { NetboxClient } from "./client.ts";
import { type StageCounts, syncNetbox } from "./sync.ts";
import { slowFile } from "../../tests/support/timeouts.ts";
import { syncSetup as setup, TOKEN } from "../../tests/support/netbox_sync.ts";

// Each test loads NetBox's demo database and serves it through the double: the slow limit.
slowFile();

const skip = await netboxDemoMissing("NetBox sync tests");
const opts = { ignore: skip };
const ALL = { roles: ["*"], tags: [], isPool: true };

/** Counted in NetBox's own tables, independently of the double's REST rendering. */
async function interfaceCables(url: string): Promise<number> {
  const nb = postgres(url, { max: 1 });
  const [row] = await nb`
    SELECT count(*)::int AS n FROM (
      SELECT t.cable_id FROM dcim_cabletermination t
        JOIN django_content_type ct ON ct.id = t.termination_type_id
       GROUP BY t.cable_id
      HAVING count(*) = 2
         AND count(*) FILTER (WHERE ct.model = 'interface' AND t.cable_end = 'A') = 1
         AND count(*) FILTER (WHERE ct.model = 'interface' AND t.cable_end = 'B') = 1) x`;
  await nb.end();
  return row.n;
}

/** A stage's counts without its timings. */
function stage(run: { counts: Record<string, unknown> }, name: string) {
  const { fetched, created, updated, deleted } =
    (run.counts.stages as Record<string, StageCounts>)[name];
  return { fetched, created, updated, deleted };
}

Deno.test(
  "a full sync mirrors the NetBox 4.2 demo data exactly; pools follow the prefix selection",
  opts,
  async () => {
    const t = await setup();
    try {
      const run = await syncNetbox({ db: t.db, client: t.client, selection: ALL }, {
        mode: "full",
      });
      assert.equal(run.status, "succeeded", JSON.stringify(run.errors));
      assert.deepEqual(run.counts.mirror, {
        sites: 24,
        devices: 72,
        interfaces: 1586,
        cables: 108,
        // cables with one interface at each end (the others end at circuits, patch panels, power)
        connections: await interfaceCables(t.demo.url),
        prefixes: 90,
        pools: 90,
        ip_addresses: 180,
        allocations: (run.counts.mirror as Record<string, number>).allocations,
        vlans: 63,
      });
      const [usage] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ip_allocations WHERE netbox_id IS NOT NULL AND is_active",
      );
      assert.ok(usage.n > 0 && usage.n <= 180);
      const [audit] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'netbox-sync'",
      );
      assert.ok(audit.n >= 24 + 72 + 1586 + 108 + 90 + 180 + 63);
      const [stored] = await t.db.query<
        { status: string; counts: { mirror: { devices: number } } }
      >(
        "SELECT status, counts FROM sync_runs WHERE id = $1",
        [run.id],
      );
      assert.equal(stored.status, "succeeded");
      assert.equal(stored.counts.mirror.devices, 72);
      // A device's ports are connected both ways along a cable.
      const pairs = await t.db.query<{ a: string; back: string | null }>(
        `SELECT a.device_id || ':' || a.port_name AS a,
                b.connected_to_device || ':' || b.connected_to_port AS back
           FROM device_ports a
           JOIN device_ports b ON (b.device_id, b.port_name) = (a.connected_to_device, a.connected_to_port)`,
      );
      assert.equal(pairs.length, 2 * (run.counts.mirror as Record<string, number>).connections);
      for (const pair of pairs) assert.equal(pair.back, pair.a);

      // A narrower prefix selection (by role) retires the other pools; the mirror keeps all 90.
      const narrow = await syncNetbox({
        db: t.db,
        client: t.client,
        selection: { roles: ["management"], tags: [], isPool: true },
      }, { mode: "full" });
      const m = narrow.counts.mirror as Record<string, number>;
      assert.deepEqual([m.prefixes, m.pools], [90, 13]);
      assert.equal(narrow.counts.pools_retired, 77);
    } finally {
      await t.close();
    }
  },
);

Deno.test(
  "an incremental sync applies exactly the changes made in NetBox since the last run",
  opts,
  async () => {
    const t = await setup();
    try {
      await syncNetbox({ db: t.db, client: t.client, selection: ALL }, { mode: "full" });
      const quiet = await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      assert.equal(quiet.mode, "incremental");
      for (const s of Object.values(quiet.counts.stages as Record<string, StageCounts>)) {
        assert.deepEqual([s.created, s.updated, s.deleted], [0, 0, 0]);
      }
      const h = { authorization: `Token ${TOKEN}`, "content-type": "application/json" };
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${t.double.url}${path}`, {
          method,
          headers: h,
          body: body ? JSON.stringify(body) : undefined,
        });
        const text = await res.text();
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : null;
      };
      const devices = await call("GET", "/api/dcim/devices/?limit=2");
      const dev = devices.results[1];
      await call("PATCH", `/api/dcim/devices/${dev.id}/`, { name: "renamed-in-netbox" });
      const cables = await call("GET", "/api/dcim/cables/?limit=200");
      const between = cables.results.find((
        c: { a_terminations: { object_type: string }[]; b_terminations: { object_type: string }[] },
      ) =>
        [...c.a_terminations, ...c.b_terminations].every((x) => x.object_type === "dcim.interface")
      );
      await call("DELETE", `/api/dcim/cables/${between.id}/`);
      // An address mirrored into a pool whose free ranges are in use (it has handed out an
      // address since the sync): deleting it in NetBox must make it free in that pool again.
      const [gone] = await t.db.query<{ netbox_id: number; pool_id: string; ip: string }>(
        `SELECT netbox_id, pool_id, host(ip_address) AS ip FROM ip_allocations
          WHERE netbox_id IS NOT NULL AND is_active ORDER BY id LIMIT 1`,
      );
      await allocate(t.db, { poolId: gone.pool_id, actor: testActor() });
      await call("DELETE", `/api/ipam/ip-addresses/${gone.netbox_id}/`);
      await call("POST", "/api/ipam/ip-addresses/", { address: "10.255.255.1/32" });
      const run = await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      assert.equal(run.mode, "incremental");
      assert.equal(run.status, "succeeded", JSON.stringify(run.errors));
      assert.deepEqual(stage(run, "devices"), { fetched: 1, created: 0, updated: 1, deleted: 0 });
      assert.equal(stage(run, "cables").deleted, 1);
      assert.equal(stage(run, "cables").fetched, 0);
      assert.equal(stage(run, "ip_addresses").created, 1);
      assert.equal(stage(run, "ip_addresses").deleted, 1);
      for (const s of ["sites", "vlans", "prefixes"]) {
        assert.deepEqual(stage(run, s), { fetched: 0, created: 0, updated: 0, deleted: 0 }, s);
      }
      // the cable's interfaces changed in NetBox (they lost their cable), but no port field did
      assert.equal(stage(run, "interfaces").updated, 0);
      const [row] = await t.db.query<{ device_name: string }>(
        "SELECT device_name FROM network_devices WHERE netbox_id = $1",
        [dev.id],
      );
      assert.equal(row.device_name, "renamed-in-netbox");
      await listAvailable(t.db, gone.pool_id, 0, 1); // brings stale free ranges up to date
      const [free] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ip_pool_free_ranges
          WHERE pool_id = $1 AND $2::inet BETWEEN first_ip AND last_ip`,
        [gone.pool_id, gone.ip],
      );
      assert.equal(free.n, 1, `${gone.ip} is free again in its pool`);
      const mirror = run.counts.mirror as Record<string, number>;
      assert.equal(mirror.cables, 107);
      assert.equal(mirror.ip_addresses, 180);
    } finally {
      await t.close();
    }
  },
);

Deno.test(
  "a NetBox address held by a local allocation raises one ip_conflict alert",
  opts,
  async () => {
    const t = await setup();
    try {
      await syncNetbox({ db: t.db, client: t.client, selection: ALL }, { mode: "full" });
      const [victim] = await t.db.query<{ netbox_id: number; pool_id: string; ip: string }>(
        `SELECT netbox_id, pool_id, host(ip_address) AS ip FROM ip_allocations
        WHERE netbox_id IS NOT NULL AND is_active ORDER BY netbox_id LIMIT 1`,
      );
      // The address becomes local: NetBox loses it, a user allocates it, then NetBox has it again.
      await fetch(`${t.double.url}/api/ipam/ip-addresses/${victim.netbox_id}/`, {
        method: "DELETE",
        headers: { authorization: `Token ${TOKEN}` },
      }).then((r) => r.body?.cancel());
      await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      await t.db.query(
        `INSERT INTO ip_allocations (pool_id, ip_address, device_name, allocated_by)
       VALUES ($1, $2::inet, 'local-box', 'alice')`,
        [victim.pool_id, victim.ip],
      );
      await fetch(`${t.double.url}/api/ipam/ip-addresses/`, {
        method: "POST",
        headers: { authorization: `Token ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ address: `${victim.ip}/24` }),
      }).then((r) => r.body?.cancel());
      const run = await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      assert.equal(run.counts.conflicts, 1);
      await syncNetbox({ db: t.db, client: t.client, selection: ALL }, { mode: "full" });
      const alerts = await t.db.query<{ alert_type: string }>(
        "SELECT alert_type FROM alerts WHERE alert_type = 'ip_conflict'",
      );
      assert.equal(alerts.length, 1);
    } finally {
      await t.close();
    }
  },
);

Deno.test(
  "a sync that fails mid-way keeps the pages it applied and records the failure",
  opts,
  async () => {
    const t = await setup();
    try {
      let pages = 0;
      const flaky: typeof fetch = (input, init) => {
        const u = new URL(input instanceof Request ? input.url : String(input));
        if (u.pathname === "/api/dcim/interfaces/" && ++pages > 1) {
          return Promise.resolve(new Response("boom", { status: 500 }));
        }
        return fetch(input, init);
      };
      const client = new NetboxClient({
        url: t.double.url,
        token: TOKEN,
        backoffMs: 1,
        retries: 1,
        pageSize: 500,
        fetch: flaky,
      });
      const run = await syncNetbox({ db: t.db, client, selection: ALL }, { mode: "full" });
      assert.equal(run.status, "failed");
      assert.equal(run.errors[0].stage, "interfaces");
      const mirror = run.counts.mirror as Record<string, number>;
      assert.equal(mirror.devices, 72);
      assert.equal(mirror.interfaces, 500);
      assert.equal(mirror.cables, 0);
      // the next run is full again, since no run has succeeded yet
      const again = await syncNetbox({ db: t.db, client: t.client, selection: ALL });
      assert.equal(again.mode, "full");
      assert.equal((again.counts.mirror as Record<string, number>).interfaces, 1586);
    } finally {
      await t.close();
    }
  },
);

Deno.test(
  "a second sync while one is running is refused; an abandoned run is expired",
  opts,
  async () => {
    const t = await setup();
    try {
      await t.db.query(
        "INSERT INTO sync_runs (mode, netbox_url) VALUES ('full', $1)",
        [t.client.base],
      );
      await assert.rejects(
        syncNetbox({ db: t.db, client: t.client, selection: ALL }),
        /already running/,
      );
      const run = await syncNetbox({ db: t.db, client: t.client, selection: ALL }, {
        abandonAfterSeconds: 0,
      });
      assert.equal(run.status, "succeeded");
      const [old] = await t.db.query<{ status: string }>(
        "SELECT status FROM sync_runs ORDER BY id LIMIT 1",
      );
      assert.equal(old.status, "failed");
    } finally {
      await t.close();
    }
  },
);
