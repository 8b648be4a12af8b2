import assert from "node:assert/strict";
import { hmacSha512Hex } from "../server/netbox/webhook.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import { corpusDir, corpusMissing } from "./support/corpus.ts";
import { startTestServer } from "./support/server.ts";

const SECRET = "webhook-secret-for-tests";
async function post(url: string, body: string, signature: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-hook-signature"] = signature;
  const res = await fetch(`${url}/api/netbox/webhook`, { method: "POST", headers, body });
  return { status: res.status, body: await res.json() };
}
const sign = (body: string) => hmacSha512Hex(SECRET, new TextEncoder().encode(body));

/** The NetBox 4.6 docs example, with its "..." abridgements removed so that it parses. */
function docsExample(): string {
  const md = Deno.readTextFileSync(
    `${corpusDir()}/netbox/docs_netbox-4.6.8/docs/integrations/webhooks.md`,
  );
  const block = md.match(/```json\n(\{\n\s+"event"[\s\S]*?)```/)![1];
  const cleaned = block.split("\n").filter((l) => l.trim() !== "...").join("\n")
    .replace(/,(\s*[}\]])/g, "$1");
  return JSON.stringify(JSON.parse(cleaned));
}

const count = async (db: { query: (t: string) => Promise<{ n: number }[]> }, table: string) =>
  (await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

Deno.test("recorded NetBox webhooks are applied and mark diagrams that show the device stale", {
  ignore: corpusMissing("NetBox webhook corpus tests"),
}, async () => {
  const server = await startTestServer({ NETBOX_WEBHOOK_SECRET: SECRET });
  try {
    const db = server.db;
    await db.query(
      `INSERT INTO diagrams (name, diagram_xml, diagram_json)
       VALUES ('lab', '<mxGraphModel/>', $1::jsonb), ('other', '<mxGraphModel/>', $2::jsonb)`,
      [
        JSON.stringify({ devices: [{ cellId: "v1", netboxId: 1, assetId: "x" }] }),
        JSON.stringify({ devices: [{ cellId: "v1", netboxId: 99, assetId: "y" }] }),
      ],
    );
    const stale = Promise.withResolvers<Record<string, unknown>>();
    server.events.subscribe((e) => {
      if (e.type === "diagram-stale") stale.resolve(e);
    });
    const device = Deno.readTextFileSync(
      `${corpusDir()}/netbox/webhook-example_kriten-docs/netbox-webhook-device-updated.json`,
    );
    const first = await post(server.url, device, await sign(device));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, "applied");
    assert.equal(first.body.model, "device");
    const [row] = await db.query<{ device_name: string; site: string }>(
      "SELECT device_name, site FROM network_devices WHERE netbox_id = 1",
    );
    assert.deepEqual(row, { device_name: "arista-leaf-01", site: "Lab" });
    const event = await stale.promise;
    const [lab] = await db.query<{ id: string; stale: boolean }>(
      "SELECT id, netbox_stale_at IS NOT NULL AS stale FROM diagrams WHERE name = 'lab'",
    );
    assert.equal(event.diagramId, lab.id);
    assert.equal(lab.stale, true);
    const [other] = await db.query<{ stale: boolean }>(
      "SELECT netbox_stale_at IS NOT NULL AS stale FROM diagrams WHERE name = 'other'",
    );
    assert.equal(other.stale, false);

    // the same delivery again changes nothing
    const again = await post(server.url, device, await sign(device));
    assert.equal(again.body.status, "duplicate");

    // NetBox 4.6 shape: object_type and request.{id,user}
    const site = docsExample();
    const created = await post(server.url, site, await sign(site));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual([created.body.status, created.body.model], ["applied", "site"]);
    const [s] = await db.query<{ name: string }>("SELECT name FROM sites WHERE netbox_id = 4");
    assert.equal(s.name, "Site 1");
    const [audit] = await db.query<{ user_agent: string; request_id: string }>(
      "SELECT user_agent, request_id FROM audit_log WHERE entity_type = 'site'",
    );
    assert.deepEqual(audit, {
      user_agent: "netbox-webhook (jstretch)",
      request_id: "17af32f0-852a-46ca-a7d4-33ecd0c13de6",
    });

    // deleted: the mirror follows
    const del = JSON.stringify({ ...JSON.parse(site), event: "deleted", request: { id: "r2" } });
    assert.equal((await post(server.url, del, await sign(del))).body.status, "applied");
    assert.equal(await count(db, "sites"), 0);
  } finally {
    await server.close();
  }
});

Deno.test(
  "a tampered or unsigned webhook is refused with 401 and writes nothing",
  async () => {
    const server = await startTestServer({ NETBOX_WEBHOOK_SECRET: SECRET });
    try {
      const body = JSON.stringify({
        event: "created",
        model: "site",
        request_id: "abc",
        username: "eve",
        data: { id: 7, name: "Evil", slug: "evil", status: { value: "active" } },
      });
      const signature = await sign(body);
      const tampered = body.replace("Evil", "Evil2");
      assert.equal((await post(server.url, tampered, signature)).status, 401);
      assert.equal((await post(server.url, body, null)).status, 401);
      assert.equal((await post(server.url, body, signature.replace(/^./, "0"))).status, 401);
      assert.equal(await count(server.db, "sites"), 0);
      assert.equal(await count(server.db, "netbox_webhook_deliveries"), 0);
      assert.equal(await count(server.db, "audit_log"), 0);
      assert.equal((await post(server.url, body, signature)).status, 200);
      assert.equal(await count(server.db, "sites"), 1);
    } finally {
      await server.close();
    }
  },
);

Deno.test("webhooks are refused when no secret is configured", async () => {
  const server = await startTestServer({});
  try {
    const res = await post(server.url, "{}", "00");
    assert.equal(res.status, 503);
  } finally {
    await server.close();
  }
});

Deno.test("changes made in the NetBox double reach the mirror through signed webhooks", {
  ignore: await netboxDemoMissing("NetBox double webhook test"),
}, async () => {
  const server = await startTestServer({ NETBOX_WEBHOOK_SECRET: SECRET });
  const demo = await createNetboxDemoDb();
  const token = "0123456789abcdef0123456789abcdef01234567";
  const double = await startNetboxDouble(demo.url, {
    token,
    webhook: { url: `${server.url}/api/netbox/webhook`, secret: SECRET },
  });
  try {
    const h = { authorization: `Token ${token}`, "content-type": "application/json" };
    // The double answers after the webhook was delivered, so the mirror is current by then.
    const res = await fetch(`${double.url}/api/dcim/devices/1/`, {
      method: "PATCH",
      headers: h,
      body: JSON.stringify({ name: "edge-renamed" }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    const [device] = await server.db.query<{ device_name: string; asset_id: string }>(
      "SELECT device_name, asset_id FROM network_devices WHERE netbox_id = 1",
    );
    // New here, so keyed by its NetBox id.
    assert.deepEqual(device, { device_name: "edge-renamed", asset_id: "1" });
    const ip = await fetch(`${double.url}/api/ipam/ip-addresses/`, {
      method: "POST",
      headers: h,
      body: JSON.stringify({ address: "203.0.113.9/24" }),
    }).then((r) => r.json());
    await fetch(`${double.url}/api/ipam/ip-addresses/${ip.id}/`, { method: "DELETE", headers: h })
      .then((r) => r.body?.cancel());
    const [deliveries] = await server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM netbox_webhook_deliveries",
    );
    assert.equal(deliveries.n, 3);
    assert.equal(await count(server.db, "netbox_ip_addresses"), 0);
  } finally {
    await double.close();
    await demo.drop();
    await server.close();
  }
});
