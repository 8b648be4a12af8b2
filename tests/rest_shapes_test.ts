// Each REST object has one shape wherever it is answered (list, detail, create, nested, action),
// and numbers reach JSON as numbers: address counts too, except beyond 2^53, where they are
// decimal strings everywhere.
import assert from "node:assert/strict";
import { sendJson } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

const V6_48 = "1208925819614629174706175"; // 2^80 - 1 usable addresses of a /48

Deno.test("an IP pool has one shape and its counts are numbers that filter and sort", async () => {
  const s = await startTestServer();
  try {
    const send = (method: string, path: string, body?: unknown) => sendJson(s, method, path, body);
    const pools = [
      ["small", "10.7.0.0/28", 14],
      ["mid", "10.8.0.0/24", 254],
      ["big", "2001:db8::/48", V6_48],
    ] as const;
    for (const [id, network, usable] of pools) {
      const created = await send("POST", "/api/ip-pools/", { id, name: id, network });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.strictEqual(created.body.usable_count, usable, `${id} usable_count`);
      assert.strictEqual(created.body.available_count, usable, `${id} available_count`);
      const detail = await send("GET", `/api/ip-pools/${id}/`);
      assert.deepEqual(created.body, detail.body, "create answers what GET shows");
      const listed = await send("GET", `/api/ip-pools/?id=${id}`);
      assert.deepEqual(listed.body.results, [detail.body], "the list shows the same object");
      const usage = await send("GET", `/api/ip-pools/${id}/usage/`);
      const fields = [
        "id",
        "name",
        "network",
        "allocated_count",
        "usable_count",
        "available_count",
        "usage_percentage",
      ];
      assert.deepEqual(usage.body, Object.fromEntries(fields.map((f) => [f, detail.body[f]])));
      const free = await send("GET", `/api/ip-pools/${id}/available-ips/?limit=1`);
      assert.strictEqual(free.body.count, usable, "available-ips counts as the pool does");
    }
    const taken = await send("POST", "/api/ip-pools/small/available-ips/", {});
    assert.equal(taken.status, 201);
    const small = (await send("GET", "/api/ip-pools/small/")).body;
    assert.deepEqual(
      [small.allocated_count, small.available_count, small.usage_percentage],
      [1, 13, 7.14],
    );

    const ids = async (query: string) => {
      const res = await send("GET", `/api/ip-pools/?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.results.map((p: { id: string }) => p.id);
    };
    // As numbers, not as text ("254" < "90" would put mid first).
    assert.deepEqual(await ids("ordering=usable_count"), ["small", "mid", "big"]);
    assert.deepEqual(await ids("ordering=-available_count"), ["big", "mid", "small"]);
    assert.deepEqual(await ids("usable_count__gte=100&ordering=name"), ["big", "mid"]);
    assert.deepEqual(await ids(`usable_count=${V6_48}`), ["big"]);
    assert.deepEqual(await ids("available_count__lt=14"), ["small"]);
    const bad = await send("GET", "/api/ip-pools/?usable_count__gte=lots");
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /^usable_count__gte: "lots" is not a whole number/);
  } finally {
    await s.close();
  }
});

Deno.test("an allocation has one shape however it was made", async () => {
  const s = await startTestServer();
  try {
    const send = (method: string, path: string, body?: unknown) => sendJson(s, method, path, body);
    assert.equal(
      (await send("POST", "/api/ip-pools/", { id: "p", name: "p", network: "10.6.0.0/28" }))
        .status,
      201,
    );
    const asStored = async (answer: { id: number }) =>
      assert.deepEqual(answer, (await send("GET", `/api/ip-allocations/${answer.id}/`)).body);

    const one = await send("POST", "/api/ip-pools/p/available-ips/", { hostname: "h1" });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.equal(one.body.ip_address, "10.6.0.1");
    assert.ok(!("allocations" in one.body) && !("replayed" in one.body), JSON.stringify(one.body));
    await asStored(one.body);

    const listed = await send("POST", "/api/ip-pools/p/available-ips/", [{}, { hostname: "h3" }]);
    assert.equal(listed.status, 201);
    assert.deepEqual(listed.body.map((a: { ip_address: string }) => a.ip_address), [
      "10.6.0.2",
      "10.6.0.3",
    ]);
    for (const a of listed.body) await asStored(a);

    // `count` asks for several in one object: the answer is the list of all of them.
    const counted = await send("POST", "/api/ip-pools/p/available-ips/", { count: 3 });
    assert.equal(counted.status, 201, JSON.stringify(counted.body));
    assert.deepEqual(counted.body.map((a: { ip_address: string }) => a.ip_address), [
      "10.6.0.4",
      "10.6.0.5",
      "10.6.0.6",
    ]);
    for (const a of counted.body) await asStored(a);

    const created = await send("POST", "/api/ip-allocations/", { pool_id: "p", count: 2 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.length, 2);
    for (const a of created.body) await asStored(a);
    const single = await send("POST", "/api/ip-allocations/", { pool_id: "p" });
    assert.equal(single.body.ip_address, "10.6.0.9");
    await asStored(single.body);

    const all = await send("GET", "/api/ip-allocations/?pool_id=p&limit=100");
    assert.equal(all.body.count, 9);
    for (const a of all.body.results) await asStored(a);
  } finally {
    await s.close();
  }
});

const xml = (label: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<mxCell id="v1" value="${label}" vertex="1" parent="1">` +
  `<mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell>` +
  `</root></mxGraphModel>`;

Deno.test("actions answer with the object as its own GET shows it", async () => {
  const s = await startTestServer();
  try {
    const send = (method: string, path: string, body?: unknown) => sendJson(s, method, path, body);
    await s.testDb.db.query(
      `INSERT INTO alerts (alert_type, title, message) VALUES ('pool_exhausted', 'full', 'full')`,
    );
    const ack = await send("POST", "/api/alerts/1/acknowledge/");
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.equal(ack.body.is_acknowledged, true);
    assert.deepEqual(ack.body, (await send("GET", "/api/alerts/1/")).body);
    const resolved = await send("POST", "/api/alerts/1/resolve/");
    assert.deepEqual(resolved.body, (await send("GET", "/api/alerts/1/")).body);

    const made = await send("POST", "/api/diagrams/", { id: "d", name: "d", xml: xml("one") });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await send("PATCH", "/api/diagrams/d/", { xml: xml("two") });
    const restored = await send("POST", "/api/diagrams/d/restore/", { version: 1 });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.version, 3);
    assert.equal(restored.body.diagram_xml, xml("one"));
    assert.deepEqual(restored.body, (await send("GET", "/api/diagrams/d/")).body);

    const published = await send("POST", "/api/diagrams/d/publish/", { version: 2 });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    assert.equal(published.body.is_published, true);
    assert.deepEqual(published.body, (await send("GET", "/api/diagrams/d/versions/2/")).body);

    const template = await send("POST", "/api/templates/", {
      id: "t",
      name: "t",
      template_xml: xml("from template"),
    });
    assert.equal(template.status, 201, JSON.stringify(template.body));
    const instance = await send("POST", "/api/templates/t/instantiate/", { name: "copy" });
    assert.equal(instance.status, 201, JSON.stringify(instance.body));
    assert.equal(instance.body.name, "copy");
    const stored = await send("GET", `/api/diagrams/${encodeURIComponent(instance.body.id)}/`);
    assert.deepEqual(instance.body, stored.body);
  } finally {
    await s.close();
  }
});
