// REST writes run the tools: bulk bodies all or nothing, PATCH and PUT, ETag and If-Match,
// available-ips allocation, 501 for tools not installed, read-only resources.
import assert from "node:assert/strict";
import { createApp } from "../server/app.ts";
import { loadConfig } from "../server/config.ts";
import { EventHub } from "../server/events.ts";
import { createLogger } from "../server/log.ts";
import { createRegistry } from "../server/tools/index.ts";
import { ToolRegistry } from "../server/tools/tool.ts";
import { getJson, jsonInit } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

Deno.test("REST writes go through the tools with NetBox semantics", async (t) => {
  const s = await startTestServer();
  const count = async (table: string) =>
    (await s.testDb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  try {
    await t.step("bulk create is all or nothing", async () => {
      const good = await getJson(
        s,
        "/api/devices/",
        jsonInit("POST", [
          { asset_id: "B-1", device_name: "one", site: "hq" },
          { asset_id: "B-2", device_name: "two", status: "planned" },
        ]),
      );
      assert.equal(good.status, 201);
      assert.equal((good.body as unknown as unknown[]).length, 2);
      const auditBefore = await count("audit_log");
      const bad = await getJson(
        s,
        "/api/devices/",
        jsonInit("POST", [
          { asset_id: "B-3", device_name: "three" },
          { asset_id: "B-4", device_name: "four", status: "melted" },
        ]),
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, "invalid");
      assert.ok((bad.body.errors as Record<string, unknown>).status, JSON.stringify(bad.body));
      assert.equal(await count("network_devices"), 2, "the valid first item was rolled back");
      assert.equal(await count("audit_log"), auditBefore, "no audit rows either");
    });

    await t.step("PATCH changes named fields; PUT needs the whole object", async () => {
      const { body: list } = await getJson(s, "/api/devices/?asset_id=B-1");
      assert.equal(list.count, 1);
      const id = "B-1";
      const patched = await getJson(
        s,
        `/api/devices/${id}/`,
        jsonInit("PATCH", { vendor: "Cisco" }),
      );
      assert.equal(patched.status, 200);
      assert.equal(patched.body.vendor, "Cisco");
      assert.equal(patched.body.site, "hq", "untouched fields keep their values");
      const moved = await getJson(s, `/api/devices/${id}/`, jsonInit("PATCH", { asset_id: "X" }));
      assert.equal(moved.status, 400);
      const put = await getJson(s, `/api/devices/${id}/`, jsonInit("PUT", { vendor: "Juniper" }));
      assert.equal(put.status, 400);
      assert.ok((put.body.errors as Record<string, unknown>).device_name);
      const put2 = await getJson(
        s,
        `/api/devices/${id}/`,
        jsonInit("PUT", { device_name: "one-renamed", vendor: "Juniper" }),
      );
      assert.equal(put2.status, 200);
      assert.equal(put2.body.device_name, "one-renamed");
      const missing = await getJson(s, "/api/devices/B-9/", jsonInit("PATCH", { vendor: "x" }));
      assert.equal(missing.status, 404);
      assert.equal(await count("network_devices"), 2, "a PATCH of a missing device creates none");
    });

    await t.step("bulk PATCH takes a list with asset ids, all or nothing", async () => {
      const ids = ((await getJson(s, "/api/devices/?ordering=asset_id")).body.results as {
        asset_id: string;
      }[]).map((r) => r.asset_id);
      assert.deepEqual(ids, ["B-1", "B-2"]);
      const ok = await getJson(
        s,
        "/api/devices/",
        jsonInit("PATCH", ids.map((asset_id) => ({ asset_id, location: "rack-1" }))),
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const bad = await getJson(
        s,
        "/api/devices/",
        jsonInit("PATCH", [{ asset_id: ids[0], location: "rack-2" }, {
          asset_id: "B-404",
          location: "x",
        }]),
      );
      assert.equal(bad.status, 404);
      const rows = await s.testDb.db.query<{ location: string }>(
        "SELECT location FROM network_devices",
      );
      assert.ok(rows.every((r) => r.location === "rack-1"), "the first change was rolled back");
      const noIds = await getJson(s, "/api/devices/", jsonInit("PATCH", [{ location: "y" }]));
      assert.equal(noIds.status, 400);
      const blank = await getJson(
        s,
        "/api/devices/",
        jsonInit("PATCH", [{ asset_id: " B-1", location: "y" }]),
      );
      assert.equal(blank.status, 400, "an asset id with surrounding blanks names nothing");
    });

    await t.step("ETag on reads, If-Match on writes, 412 when stale", async () => {
      const id = "B-2";
      const first = await s.fetch(`/api/devices/${id}/`);
      const etag = first.headers.get("etag")!;
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      await first.body?.cancel();
      const again = await s.fetch(`/api/devices/${id}/`, { headers: { "if-none-match": etag } });
      assert.equal(again.status, 304);
      await again.body?.cancel();
      const ok = await getJson(
        s,
        `/api/devices/${id}/`,
        jsonInit("PATCH", { model: "M1" }, { "if-match": etag }),
      );
      assert.equal(ok.status, 200);
      assert.notEqual(ok.headers.get("etag"), etag);
      const stale = await getJson(
        s,
        `/api/devices/${id}/`,
        jsonInit("PATCH", { model: "M2" }, { "if-match": etag }),
      );
      assert.equal(stale.status, 412);
      // The contract's code, with what it was in the details: 412 says the rest.
      assert.equal(stale.body.code, "conflict");
      assert.equal((stale.body.details as { reason?: string }).reason, "precondition_failed");
      const [row] = await s.testDb.db.query<{ model: string }>(
        "SELECT model FROM network_devices WHERE asset_id = $1",
        [id],
      );
      assert.equal(row.model, "M1", "a stale write changes nothing");
      const list = await s.fetch("/api/devices/");
      assert.ok(list.headers.get("etag"));
      await list.body?.cancel();
    });

    await t.step("available-ips lists free addresses and allocates one or a list", async () => {
      const pool = await getJson(
        s,
        "/api/ip-pools/",
        jsonInit("POST", { name: "lab", network: "10.9.0.0/29", gateway: "10.9.0.1" }),
      );
      assert.equal(pool.status, 201);
      const pid = pool.body.id;
      const free = await getJson(s, `/api/ip-pools/${pid}/available-ips/?limit=2&offset=1`);
      assert.equal(free.body.count, 5);
      assert.deepEqual(
        (free.body.results as { address: string }[]).map((r) => r.address),
        ["10.9.0.3", "10.9.0.4"],
      );
      const one = await getJson(
        s,
        `/api/ip-pools/${pid}/available-ips/`,
        jsonInit("POST", { asset_id: "B-1" }),
      );
      assert.equal(one.status, 201);
      assert.equal(one.body.ip_address, "10.9.0.2");
      const many = await getJson(
        s,
        `/api/ip-pools/${pid}/available-ips/`,
        jsonInit("POST", [{}, {}, {}, {}, {}]),
      );
      assert.equal(many.status, 409, "only four left: nothing is allocated");
      assert.equal(many.body.code, "exhausted");
      const usage = await getJson(s, `/api/ip-pools/${pid}/usage/`);
      assert.equal(usage.body.allocated_count, 1);
      const three = await getJson(
        s,
        `/api/ip-pools/${pid}/available-ips/`,
        jsonInit("POST", [{}, {}, {}]),
      );
      assert.deepEqual(
        (three.body as unknown as { ip_address: string }[]).map((r) => r.ip_address),
        ["10.9.0.3", "10.9.0.4", "10.9.0.5"],
      );
      const allocs = await getJson(s, `/api/ip-allocations/?pool_id=${pid}&is_active=true`);
      assert.equal(allocs.body.count, 4);
      assert.ok(
        (allocs.body.results as { pool_id: string }[]).every((r) => r.pool_id === pid),
        "pool ids are text",
      );
      const first = (allocs.body.results as { id: number }[])[0].id;
      const del = await s.fetch(`/api/ip-allocations/${first}/`, { method: "DELETE" });
      assert.equal(del.status, 204);
      const after = await getJson(s, `/api/ip-allocations/${first}/`);
      assert.equal(after.body.is_active, false, "deleting an allocation releases it");
    });

    await t.step(
      "a declared tool missing from the registry answers 501; read-only lists refuse writes",
      async () => {
        const pending = await getJson(s, "/api/alerts/", jsonInit("POST", {}));
        assert.equal(pending.status, 405);
        // Every declared write has its tool now, so the 501 path is checked on an app whose
        // registry lacks one: its routes must answer 501 and name the tool, and others still work.
        const lacking = new ToolRegistry(
          createRegistry().list().filter((tool) => tool.name !== "delete-device"),
        );
        const events = new EventHub();
        const { app } = createApp({
          config: loadConfig({}),
          db: s.testDb.db,
          registry: lacking,
          events,
          log: createLogger("silent"),
        });
        const call = (path: string, method: string) =>
          app.request(path, { method, headers: { authorization: `Token ${s.adminKey}` } });
        const absent = await call("/api/devices/B-1/", "DELETE");
        assert.equal(absent.status, 501);
        const absentBody = await absent.json();
        assert.equal(absentBody.code, "unavailable");
        assert.equal(absentBody.details.reason, "not_implemented");
        assert.ok(String(absentBody.detail).includes("delete-device"), absentBody.detail);
        assert.equal((await call("/api/devices/B-1/", "GET")).status, 200);
        assert.ok(createRegistry().get("delete-device"), "the full registry has the tool");
        const audit = await getJson(s, "/api/audit-log/", jsonInit("POST", {}));
        assert.equal(audit.status, 405);
        const del = await getJson(s, "/api/audit-log/", jsonInit("DELETE", [{ id: 1 }]));
        assert.equal(del.status, 405);
        assert.ok((await count("audit_log")) > 0);
      },
    );

    await t.step("diagrams export what is stored", async () => {
      const xml = '<mxGraphModel><root><mxCell id="0"/></root></mxGraphModel>';
      // A client-chosen id a URL must escape, written as the document stores a diagram: the
      // current content on the diagrams row, every version in diagram_versions.
      const stored = "core net/1";
      const id = encodeURIComponent(stored);
      await s.testDb.db.query(
        `INSERT INTO diagrams (id, name, diagram_xml, diagram_json)
         VALUES ($1, 'Core net', $2, '{"format":"archiflow.diagram/1"}')`,
        [stored, xml],
      );
      await s.testDb.db.query(
        `INSERT INTO diagram_versions (diagram_id, version_number, name, diagram_xml, diagram_json,
                                       is_current)
         VALUES ($1, 1, 'Core net', $2, '{"format":"archiflow.diagram/1"}', true)`,
        [stored, xml],
      );
      const detail = await getJson(s, `/api/diagrams/${id}/`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.id, stored);
      assert.equal(detail.body.diagram_xml, xml);
      assert.deepEqual(detail.body.diagram_json, { format: "archiflow.diagram/1" });
      const drawio = await s.fetch(`/api/diagrams/${id}/export/?format=drawio`);
      assert.equal(await drawio.text(), xml);
      assert.match(drawio.headers.get("content-disposition") ?? "", /Core_net\.drawio/);
      const json = await getJson(s, `/api/diagrams/${id}/export/?format=json`);
      assert.equal(json.body.format, "archiflow.diagram/1");
      assert.equal((await getJson(s, `/api/diagrams/${id}/export/?format=pdf`)).status, 400);
      const versions = await getJson(s, `/api/diagrams/${id}/versions/`);
      assert.equal(versions.body.count, 1);
      const v1 = await getJson(s, `/api/diagrams/${id}/versions/1/`);
      assert.equal(v1.body.diagram_xml, xml);
      assert.equal(v1.body.version_number, 1);
      assert.equal(v1.body.is_current, true);
      assert.equal(v1.body.name, "Core net");
      assert.equal((await getJson(s, `/api/diagrams/${id}/versions/2/`)).status, 404);
      const list = await getJson(s, "/api/diagrams/");
      assert.ok(!("diagram_xml" in (list.body.results as object[])[0]), "lists stay light");
      assert.equal((await getJson(s, "/api/diagrams/core%20net%2F2/")).status, 404);
    });
  } finally {
    await s.close();
  }
});
