// REST lists against SQL ground truth on generated devices (named by their asset ids): every
// lookup, q, ordering and pagination; SQL metacharacters and 10 kB strings in every filter.
import assert from "node:assert/strict";
import { getJson, jsonInit, seedDevices } from "./support/rest.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

const N = 300;

type Device = { asset_id: string };
const assetIds = (body: Record<string, unknown>) =>
  (body.results as Device[]).map((r) => r.asset_id);

async function allIds(s: TestServer, qs: string): Promise<string[]> {
  const { status, body } = await getJson(s, `/api/devices/?limit=1000&ordering=asset_id&${qs}`);
  assert.equal(status, 200, `${qs}: ${JSON.stringify(body)}`);
  assert.equal(body.count, (body.results as unknown[]).length, qs);
  return assetIds(body);
}

async function truth(s: TestServer, where: string, params: unknown[] = []): Promise<string[]> {
  const rows = await s.testDb.db.query<Device>(
    `SELECT asset_id FROM network_devices WHERE ${where} ORDER BY asset_id`,
    params,
  );
  return rows.map((r) => r.asset_id);
}

Deno.test("REST lists agree with SQL for every lookup, ordering and page", async (t) => {
  const s = await startTestServer();
  try {
    await seedDevices(s.testDb.db, N);
    const cases: [string, string, unknown[]?][] = [
      ["site=hq", "site = 'hq'"],
      ["site=hq&site=dc1", "site IN ('hq', 'dc1')"],
      ["site__n=hq", "site IS DISTINCT FROM 'hq'"],
      ["site__n=hq&site__n=dc1", "site IS NULL OR site NOT IN ('hq', 'dc1')"],
      ["device_name__ic=CORE", "device_name ILIKE '%core%'"],
      ["device_name__ic=core&device_name__ic=edge", "device_name ~* '(core|edge)'"],
      ["device_name__nic=sw", "device_name NOT ILIKE '%sw%'"],
      ["device_name__isw=sw", "device_name ILIKE 'sw%'"],
      ["device_name__ic=50%25", "strpos(lower(device_name), '50%') > 0"],
      ["device_name__ic=_", "strpos(device_name, '_') > 0"],
      ["vendor__ic=cisco", "vendor ILIKE '%cisco%'"],
      ["vendor__nic=cisco", "vendor IS NULL OR vendor NOT ILIKE '%cisco%'"],
      ["vendor__empty=true", "vendor IS NULL OR vendor = ''"],
      ["serial_number__empty=true", "serial_number IS NULL OR serial_number = ''"],
      ["serial_number__empty=false", "serial_number <> ''"],
      ["primary_ip__empty=true", "primary_ip IS NULL"],
      ["netbox_id__gte=300", "netbox_id >= 300"],
      ["netbox_id__lte=300", "netbox_id <= 300"],
      ["netbox_id__gt=300", "netbox_id > 300"],
      ["netbox_id__lt=300", "netbox_id < 300"],
      ["netbox_id__gt=30&netbox_id__lt=90", "netbox_id > 30 AND netbox_id < 90"],
      ["netbox_id=3&netbox_id=6", "netbox_id IN (3, 6)"],
      ["netbox_id__empty=true", "netbox_id IS NULL"],
      ["primary_ip__gte=10.0.0.200", "primary_ip >= '10.0.0.200'"],
      ["primary_ip__lt=10.0.1.0", "primary_ip < '10.0.1.0'"],
      ["primary_ip=10.0.0.6", "primary_ip = '10.0.0.6'"],
      ["primary_ip__ic=0.1.", "host(primary_ip) LIKE '%0.1.%'"],
      ["status=active&status=failed", "status IN ('active', 'failed')"],
      ["status__n=active", "status <> 'active'"],
      ["device_type=router&site=dc1", "device_type = 'router' AND site = 'dc1'"],
      ["asset_id__isw=A-00001", "asset_id LIKE 'A-00001%'"],
      ["asset_id=A-000007&asset_id=A-000011", "asset_id IN ('A-000007', 'A-000011')"],
      ["asset_id__n=A-000007", "asset_id <> 'A-000007'"],
      ["asset_id__ic=a-0002", "asset_id ILIKE '%a-0002%'"],
      ["asset_id__gte=A-000010&asset_id__lte=A-000020", "asset_id BETWEEN $1 AND $2", [
        "A-000010",
        "A-000020",
      ]],
      ["asset_id=7", "false"],
      ["created_at__gte=2000-01-01", "true"],
      ["created_at__lt=2000-01-01T00:00:00Z", "false"],
      [
        "model__empty=false&vendor=Arista",
        "model IS NOT NULL AND model <> '' AND vendor = 'Arista'",
      ],
      [
        "q=O'BRIEN",
        "asset_id ILIKE '%o''brien%' OR device_name ILIKE '%o''brien%' OR serial_number ILIKE '%o''brien%' OR site ILIKE '%o''brien%'",
      ],
      ["q=edge", "device_name ILIKE '%edge%' OR asset_id ILIKE '%edge%' OR site ILIKE '%edge%'"],
      ["site=o'brien", "site = $1", ["o'brien"]],
    ];
    await t.step("every filter and lookup", async () => {
      for (const [qs, where, params] of cases) {
        const expected = await truth(s, where, params);
        assert.deepEqual(await allIds(s, qs), expected, qs);
      }
      // The cases are only meaningful if they select something and not everything.
      const nonTrivial = await Promise.all(
        cases.slice(0, 30).map(async ([, w, p]) => (await truth(s, w, p)).length),
      );
      assert.ok(nonTrivial.every((n) => n > 0 && n < N), JSON.stringify(nonTrivial));
    });

    await t.step("ordering by several fields, descending with -", async () => {
      const orderings: [string, string][] = [
        ["site,-device_name", "site ASC, device_name DESC, asset_id"],
        ["-netbox_id", "netbox_id DESC, asset_id"],
        ["vendor,status,-asset_id", "vendor, status, asset_id DESC"],
        ["primary_ip", "primary_ip, asset_id"],
        ["-created_at,device_name", "created_at DESC, device_name, asset_id"],
      ];
      for (const [ordering, orderBy] of orderings) {
        const { body } = await getJson(s, `/api/devices/?limit=1000&ordering=${ordering}`);
        const rows = await s.testDb.db.query<Device>(
          `SELECT asset_id FROM network_devices ORDER BY ${orderBy}`,
        );
        assert.deepEqual(assetIds(body), rows.map((r) => r.asset_id), ordering);
      }
      for (const bad of ["id", "-id"]) {
        const { status } = await getJson(s, `/api/devices/?ordering=${bad}`);
        assert.equal(status, 400, `devices have no numeric id to order by (${bad})`);
      }
      const { status, body } = await getJson(s, "/api/devices/?ordering=metadata");
      assert.equal(status, 400);
      assert.ok((body.errors as Record<string, unknown>).ordering);
    });

    await t.step("pages walk the whole list once, with next and previous links", async () => {
      const expected = (await s.testDb.db.query<Device>(
        "SELECT asset_id FROM network_devices WHERE status <> 'offline' ORDER BY device_name DESC, asset_id",
      )).map((r) => r.asset_id);
      const seen: string[] = [];
      let path: string | null = "/api/devices/?status__n=offline&ordering=-device_name&limit=37";
      let pages = 0;
      while (path) {
        const { body } = await getJson(s, path);
        assert.equal(body.count, expected.length);
        assert.equal(body.previous === null, pages === 0, "previous only after the first page");
        if (pages > 1) assert.ok(String(body.previous).includes("offset="), String(body.previous));
        seen.push(...assetIds(body));
        path = body.next
          ? new URL(body.next as string).pathname + new URL(body.next as string).search
          : null;
        pages++;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages, Math.ceil(expected.length / 37));
      const beyond = await getJson(s, "/api/devices/?offset=5000");
      assert.equal(beyond.body.count, N);
      assert.deepEqual(beyond.body.results, []);
      assert.equal(
        ((await getJson(s, "/api/devices/")).body.results as unknown[]).length,
        50,
        "default limit",
      );
      assert.equal(
        ((await getJson(s, "/api/devices/?limit=5000")).body.results as unknown[]).length,
        N,
        "limits above 1000 are capped (all 300 fit)",
      );
    });

    await t.step("limit and offset page over the asset ids, each once", async () => {
      const expected = (await s.testDb.db.query<Device>(
        "SELECT asset_id FROM network_devices ORDER BY asset_id",
      )).map((r) => r.asset_id);
      assert.equal(expected.length, N);
      const seen: string[] = [];
      for (let offset = 0; offset < N; offset += 41) {
        const { status, body } = await getJson(
          s,
          `/api/devices/?ordering=asset_id&limit=41&offset=${offset}`,
        );
        assert.equal(status, 200);
        assert.equal(body.count, N);
        const page = assetIds(body);
        assert.equal(page.length, Math.min(41, N - offset));
        assert.deepEqual(page, expected.slice(offset, offset + 41));
        seen.push(...page);
      }
      assert.deepEqual(seen, expected);
      // The default ordering (device name) ends with the asset id, so equal names page stably.
      const first = await getJson(s, "/api/devices/?limit=5");
      const second = await getJson(s, "/api/devices/?limit=5&offset=5");
      const both = await getJson(s, "/api/devices/?limit=10");
      assert.deepEqual([...assetIds(first.body), ...assetIds(second.body)], assetIds(both.body));
    });

    await t.step("brief and fields shape the results", async () => {
      const brief = await getJson(s, "/api/devices/?brief=true&limit=2");
      assert.deepEqual(Object.keys((brief.body.results as object[])[0]), [
        "asset_id",
        "device_name",
      ]);
      const fields = await getJson(s, "/api/devices/?fields=asset_id,site&limit=2");
      assert.deepEqual(Object.keys((fields.body.results as object[])[0]), ["asset_id", "site"]);
      assert.equal((await getJson(s, "/api/devices/?fields=id,site")).status, 400);
      assert.equal((await getJson(s, "/api/devices/?fields=asset_id,password")).status, 400);
      const one = await getJson(s, "/api/devices/A-000001/?fields=device_name");
      assert.deepEqual(one.body, { device_name: "Edge-RTR-1" });
      assert.equal((await getJson(s, "/api/devices/1/")).status, 404, "asset ids, not numbers");
    });

    await t.step("unknown filters are a 400 naming the parameter", async () => {
      for (const param of ["colour", "site__regex", "device_name__", "__ic", "limit2"]) {
        const { status, body } = await getJson(s, `/api/devices/?${param}=x`);
        assert.equal(status, 400, param);
        assert.equal(body.code, "invalid");
        assert.ok(String(body.detail).includes(param), `${param}: ${body.detail}`);
      }
    });

    await t.step("SQL metacharacters and 10 kB strings in every filter", async () => {
      const doc = (await getJson(s, "/api/schema/")).body as {
        paths: Record<string, { get: { parameters: { name: string; in: string }[] } }>;
      };
      const params = doc.paths["/api/devices/"].get.parameters
        .filter((p) => p.in === "query").map((p) => p.name);
      assert.ok(params.length > 50, "the document lists the filters");
      const nasty = [
        "'; DROP TABLE network_devices; --",
        '" OR 1=1 --',
        "%",
        "_",
        "\\",
        "$1",
        "a'::text",
        "\u0000",
        "😀ü",
        "x".repeat(10_240),
      ];
      const counts = new Map<number, number>();
      for (const name of params) {
        for (const value of nasty) {
          const res = await s.fetch(
            `/api/devices/?${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
          );
          const body = await res.json();
          counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
          assert.ok(
            res.status === 200 || res.status === 400,
            `${name}=${value.slice(0, 20)}: ${res.status}`,
          );
          if (res.status === 400) assert.equal(body.code, "invalid");
          if (res.status === 200 && ["%", "_"].includes(value) && name.endsWith("__ic")) {
            // Wildcards match literally: only names that contain the character.
            for (const r of body.results as Record<string, unknown>[]) {
              const field = name.slice(0, -4);
              assert.ok(String(r[field]).includes(value), `${name}=${value} matched ${r[field]}`);
            }
          }
        }
      }
      assert.ok((counts.get(200) ?? 0) > 0 && (counts.get(400) ?? 0) > 0);
      const [{ count }] = await s.testDb.db.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM network_devices",
      );
      assert.equal(count, N, "nothing was changed");
    });
  } finally {
    await s.close();
  }
});

Deno.test("devices are addressed by asset ids, percent-encoded in URLs", async () => {
  const s = await startTestServer();
  try {
    const ids = ["core sw/1", "50%", "a?b#c&d=e", "ü 1", "7", "x+y", "%2F"];
    await s.testDb.db.query(
      `INSERT INTO network_devices (asset_id, device_name)
       SELECT id, 'dev ' || id FROM unnest($1::text[]) AS id`,
      [ids],
    );
    for (const id of ids) {
      const path = `/api/devices/${encodeURIComponent(id)}/`;
      const one = await getJson(s, path);
      assert.equal(one.status, 200, `${path}: ${JSON.stringify(one.body)}`);
      assert.equal(one.body.asset_id, id);
      assert.equal(one.body.device_name, `dev ${id}`);
      const listed = await getJson(s, `/api/devices/?asset_id=${encodeURIComponent(id)}`);
      assert.deepEqual(assetIds(listed.body), [id], id);
    }
    assert.equal((await getJson(s, "/api/devices/core%20sw%2F2/")).status, 404);
    assert.equal((await getJson(s, "/api/devices/core%20sw/1/")).status, 404, "a / separates");

    const path = `/api/devices/${encodeURIComponent("core sw/1")}/`;
    const patched = await getJson(s, path, jsonInit("PATCH", { vendor: "Arista" }));
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.asset_id, "core sw/1");
    assert.equal(patched.body.vendor, "Arista");
    const gone = await s.fetch(`/api/devices/${encodeURIComponent("50%")}/`, { method: "DELETE" });
    assert.equal(gone.status, 204, await gone.text());
    const bulk = await getJson(
      s,
      "/api/devices/",
      jsonInit("DELETE", [{ asset_id: "ü 1" }, { asset_id: "x+y" }]),
    );
    assert.equal(bulk.status, 204, JSON.stringify(bulk.body));
    const left = await getJson(s, "/api/devices/?ordering=asset_id");
    assert.deepEqual(
      assetIds(left.body),
      (await s.testDb.db.query<Device>("SELECT asset_id FROM network_devices ORDER BY asset_id"))
        .map((r) => r.asset_id),
    );
    assert.equal(left.body.count, 4);
  } finally {
    await s.close();
  }
});
