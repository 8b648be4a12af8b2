import assert from "node:assert/strict";
import { corpusDir } from "../support/corpus.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./demo_db.ts";
import { signBody, startNetboxDouble } from "./double.ts";
import { listItemSchema, loadOpenApi, validate } from "./openapi.ts";

const skip = await netboxDemoMissing("NetBox double tests");
const TOKEN = "0123456789abcdef0123456789abcdef01234567";
const opts = { ignore: skip };

const ENDPOINTS: [string, number][] = [
  ["/api/dcim/sites/", 24],
  ["/api/dcim/devices/", 72],
  ["/api/dcim/interfaces/", 1586],
  ["/api/dcim/cables/", 108],
  ["/api/ipam/prefixes/", 90],
  ["/api/ipam/ip-addresses/", 180],
  ["/api/ipam/vlans/", 63],
];

async function get(url: string, token = TOKEN) {
  const res = await fetch(url, { headers: { authorization: `Token ${token}` } });
  return { status: res.status, body: await res.json() };
}

Deno.test(
  "the double serves every demo object, paged, in the shapes of NetBox's OpenAPI schema",
  opts,
  async () => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN });
    try {
      const api = loadOpenApi(
        `${corpusDir()}/netbox/openapi/go-netbox_netbox-4.2.2/api/openapi.yaml`,
      );
      for (const [path, expected] of ENDPOINTS) {
        const item = listItemSchema(api, path);
        let next: string | null = `${double.url}${path}?limit=500`;
        const seen = new Set<number>();
        let pages = 0;
        while (next) {
          const { status, body } = await get(next);
          assert.equal(status, 200);
          assert.equal(body.count, expected, path);
          for (const obj of body.results) {
            const problems = validate(api, item, obj, `${path}#${obj.id}`);
            assert.deepEqual(problems.slice(0, 5), [], problems.slice(0, 5).join("\n"));
            seen.add(obj.id);
          }
          next = body.next;
          pages++;
        }
        assert.equal(seen.size, expected, path);
        assert.equal(pages, Math.ceil(expected / 500), path);
      }
    } finally {
      await double.close();
      await demo.drop();
    }
  },
);

Deno.test(
  "the double filters by fields, id__gt, last_updated__gte and device_id, and checks tokens",
  opts,
  async () => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN });
    try {
      const ids = await get(`${double.url}/api/dcim/interfaces/?fields=id&limit=1000`);
      assert.equal(ids.body.count, 1586);
      assert.deepEqual(Object.keys(ids.body.results[0]), ["id"]);
      const sorted = ids.body.results.map((r: { id: number }) => r.id);
      const gt = await get(
        `${double.url}/api/dcim/interfaces/?id__gt=${sorted[99]}&fields=id,name`,
      );
      assert.equal(gt.body.count, 1586 - 100);
      assert.deepEqual(Object.keys(gt.body.results[0]).sort(), ["id", "name"]);
      const patched = await fetch(`${double.url}/api/dcim/sites/1/`, {
        method: "PATCH",
        headers: { authorization: `Token ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ description: "changed" }),
      }).then((r) => r.json());
      const since = encodeURIComponent(patched.last_updated);
      const changed = await get(`${double.url}/api/dcim/sites/?last_updated__gte=${since}`);
      assert.deepEqual(changed.body.results.map((s: { id: number }) => s.id), [1]);
      const dev = await get(`${double.url}/api/dcim/devices/?limit=1`);
      const devId = dev.body.results[0].id;
      const ifs = await get(`${double.url}/api/dcim/interfaces/?device_id=${devId}&limit=1000`);
      assert.equal(ifs.body.count, dev.body.results[0].interface_count);
      assert.equal((await get(`${double.url}/api/dcim/sites/`, "wrong")).status, 403);
      const none = await fetch(`${double.url}/api/dcim/sites/`);
      assert.equal(none.status, 403);
      await none.body?.cancel();
      assert.equal((await get(`${double.url}/api/dcim/sites/?bogus=1`)).status, 400);
    } finally {
      await double.close();
      await demo.drop();
    }
  },
);

Deno.test(
  "a double of NetBox 4.6 pages with the start cursor, others refuse it",
  opts,
  async () => {
    const demo = await createNetboxDemoDb();
    const d46 = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.6.0" });
    const d42 = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.2.2" });
    try {
      let next: string | null = `${d46.url}/api/dcim/interfaces/?start=0&limit=400`;
      let total = 0;
      while (next) {
        const { body } = await get(next);
        assert.equal(body.count, null);
        total += body.results.length;
        next = body.next;
      }
      assert.equal(total, 1586);
      assert.equal((await get(`${d42.url}/api/dcim/interfaces/?start=0`)).status, 400);
      assert.equal((await get(`${d46.url}/api/dcim/interfaces/?start=0&offset=5`)).status, 400);
    } finally {
      await d46.close();
      await d42.close();
      await demo.drop();
    }
  },
);

Deno.test("the double signs its webhooks with HMAC-SHA512 of the body", opts, async () => {
  const demo = await createNetboxDemoDb();
  const got = Promise.withResolvers<{ body: string; sig: string | null }>();
  const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    got.resolve({ body: await req.text(), sig: req.headers.get("x-hook-signature") });
    return new Response("ok");
  });
  const double = await startNetboxDouble(demo.url, {
    token: TOKEN,
    webhook: { url: `http://127.0.0.1:${receiver.addr.port}/hook`, secret: "s3cret" },
  });
  try {
    const res = await fetch(`${double.url}/api/ipam/ip-addresses/`, {
      method: "POST",
      headers: { authorization: `Token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ address: "192.0.2.77/24" }),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
    const { body, sig } = await got.promise;
    assert.equal(sig, await signBody("s3cret", body));
    const payload = JSON.parse(body);
    assert.equal(payload.event, "created");
    assert.equal(payload.model, "ipaddress");
    assert.equal(payload.data.address, "192.0.2.77/24");
  } finally {
    await double.close();
    await receiver.shutdown();
    await demo.drop();
  }
});

Deno.test(
  "the double's created and changed objects also match NetBox's OpenAPI schema",
  opts,
  async () => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN });
    try {
      const api = loadOpenApi(
        `${corpusDir()}/netbox/openapi/go-netbox_netbox-4.2.2/api/openapi.yaml`,
      );
      const send = async (method: string, path: string, body: unknown) => {
        const res = await fetch(`${double.url}${path}`, {
          method,
          headers: { authorization: `Token ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status}`);
        return await res.json();
      };
      const check = (path: string, obj: unknown) => {
        const problems = validate(api, listItemSchema(api, path), obj, path);
        assert.deepEqual(problems, []);
      };
      const dev = await send("POST", "/api/dcim/devices/", { name: "new-dev", site: 1 });
      check("/api/dcim/devices/", dev);
      const a = await send("POST", "/api/dcim/interfaces/", { device: dev.id, name: "e1" });
      const b = await send("POST", "/api/dcim/interfaces/", { device: dev.id, name: "e2" });
      check("/api/dcim/interfaces/", a);
      const ip = await send("POST", "/api/ipam/ip-addresses/", {
        address: "198.51.100.7/24",
        assigned_object_type: "dcim.interface",
        assigned_object_id: a.id,
      });
      check("/api/ipam/ip-addresses/", ip);
      assert.equal(ip.assigned_object.device.id, dev.id);
      const cable = await send("POST", "/api/dcim/cables/", {
        a_terminations: [{ object_type: "dcim.interface", object_id: a.id }],
        b_terminations: [{ object_type: "dcim.interface", object_id: b.id }],
      });
      check("/api/dcim/cables/", cable);
      const patched = await send("PATCH", `/api/dcim/devices/${dev.id}/`, { primary_ip4: ip.id });
      check("/api/dcim/devices/", patched);
      assert.equal(patched.primary_ip.id, ip.id);
      const peer = await fetch(`${double.url}/api/dcim/interfaces/${a.id}/`, {
        headers: { authorization: `Token ${TOKEN}` },
      }).then((r) => r.json());
      check("/api/dcim/interfaces/", peer);
      assert.deepEqual(peer.link_peers.map((p: { id: number }) => p.id), [b.id]);
    } finally {
      await double.close();
      await demo.drop();
    }
  },
);

Deno.test("the schema check refuses an object NetBox would never send", { ignore: skip }, () => {
  const api = loadOpenApi(`${corpusDir()}/netbox/openapi/go-netbox_netbox-4.2.2/api/openapi.yaml`);
  const item = listItemSchema(api, "/api/dcim/sites/");
  assert.deepEqual(
    validate(api, item, { id: 1, url: "http://x/", display: "a", slug: "a", name: "a" }),
    [],
  );
  assert.ok(
    validate(api, item, { id: "1", url: "http://x/", display: "a", slug: "a" }).length >= 2,
  );
  assert.ok(
    validate(api, item, { id: 1, url: "http://x/", display: "a", name: "a", slug: "a b" }).length,
  );
});
