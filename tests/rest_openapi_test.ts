// The OpenAPI document covers every route the app registers, and real responses (lists,
// details, actions, errors) validate against the schemas it declares.
import assert from "node:assert/strict";
import { z } from "zod";
import { createApp } from "../server/app.ts";
import { createToken } from "../server/auth/tokens.ts";
import { loadConfig } from "../server/config.ts";
import { migrate } from "../server/db/migrate.ts";
import { EventHub } from "../server/events.ts";
import { createLogger } from "../server/log.ts";
import { documentPath } from "../server/routes/openapi.ts";
import { createRegistry } from "../server/tools/index.ts";
import { seedDevices } from "./support/rest.ts";
import { createTestDb } from "./support/db.ts";

type Json = Record<string, unknown>;

function resolveRefs(node: unknown, doc: Json, depth = 0): unknown {
  if (depth > 20) throw new Error("reference cycle");
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, doc, depth));
  if (node && typeof node === "object") {
    const o = node as Json;
    if (typeof o.$ref === "string") {
      const target = o.$ref.replace(/^#\//, "").split("/").reduce(
        (acc: unknown, k) => (acc as Json)[k],
        doc,
      );
      return resolveRefs(target, doc, depth + 1);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveRefs(v, doc, depth)]));
  }
  return node;
}

Deno.test(
  "the OpenAPI document lists every route and describes real responses",
  async (t) => {
    const testDb = await createTestDb();
    const events = new EventHub();
    try {
      const db = testDb.db;
      await migrate(db);
      await events.start(db);
      const { key } = await createToken(db, { user: "doc", scope: "admin" });
      const registry = createRegistry();
      const { app } = createApp({
        config: loadConfig({}),
        db,
        registry,
        events,
        log: createLogger("silent"),
      });
      const call = (path: string, init: RequestInit = {}) => {
        const headers = new Headers(init.headers);
        headers.set("authorization", `Token ${key}`);
        headers.set("content-type", "application/json");
        return app.request(path, { ...init, headers });
      };
      const doc = await (await call("/api/schema/")).json() as Json;
      const paths = doc.paths as Record<string, Record<string, Json>>;
      assert.equal(doc.openapi, "3.1.0");

      await t.step("every registered route is in the document, as mounted", () => {
        const mounted = new Set(app.routes.map((r) => `${r.method} ${r.path}`));
        const missing: string[] = [];
        let seen = 0;
        for (const r of app.routes) {
          if (r.method === "ALL") continue; // middleware and 405 answers
          seen++;
          // A path mounted with and without its slash is documented once, with it.
          const slash = !r.path.endsWith("/") && mounted.has(`${r.method} ${r.path}/`);
          const path = documentPath(slash ? `${r.path}/` : r.path);
          if (!paths[path]?.[r.method.toLowerCase()]) missing.push(`${r.method} ${path}`);
        }
        assert.ok(seen > 60, `walked ${seen} routes`);
        assert.deepEqual(missing, []);
        const documented = Object.entries(paths).flatMap(([p, item]) =>
          Object.keys(item).map((m) => `${m} ${p}`)
        );
        assert.ok(documented.length <= seen, "nothing documented beyond what is mounted");
      });

      // Data so that every list and detail has something to show.
      await seedDevices(db, 20);
      const ok = async (path: string, init?: RequestInit) => {
        const res = await call(path, init);
        assert.ok(res.status < 300, `${path}: ${res.status} ${await res.clone().text()}`);
        return res;
      };
      const pool = await ok("/api/ip-pools/", {
        method: "POST",
        body: JSON.stringify({
          id: "p1",
          name: "p1",
          network: "10.5.0.0/28",
          dns_servers: ["10.5.0.2"],
        }),
      });
      const allocated = await ok("/api/ip-pools/p1/available-ips/", {
        method: "POST",
        body: JSON.stringify([{ asset_id: "A-000001" }, {}]),
      });
      const allocatedOne = await ok("/api/ip-pools/p1/available-ips/", {
        method: "POST",
        body: JSON.stringify({ hostname: "h1" }),
      });
      // Both ends of a cable name each other; the key is checked at commit.
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO device_ports (device_id, port_name, status, connected_to_device,
                                     connected_to_port)
           VALUES ('A-000001', 'eth0', 'up', 'A-000002', 'eth0'),
                  ('A-000002', 'eth0', 'up', 'A-000001', 'eth0')`,
        );
      });
      await db.query(
        `INSERT INTO diagrams (id, name, tags, diagram_xml, diagram_json)
         VALUES ('d1', 'd', '{core}', '<mxGraphModel/>', '{}')`,
      );
      await db.query(
        `INSERT INTO diagram_versions (diagram_id, version_number, name, diagram_xml, diagram_json,
                                       is_current)
         VALUES ('d1', 1, 'd', '<mxGraphModel/>', '{}', true)`,
      );
      await db.query(
        `INSERT INTO templates (id, name, template_xml) VALUES ('t1', 't', '<mxGraphModel/>')`,
      );
      await db.query(
        `INSERT INTO alerts (alert_type, title, message, details)
         VALUES ('pool_exhausted', 'p1 is full', 'p1 is full', '{"pool": "p1"}')`,
      );

      const validate = (method: string, docPath: string, status: number, body: unknown) => {
        const op = paths[docPath]?.[method];
        assert.ok(op, `${method} ${docPath} documented`);
        const response = (op.responses as Record<string, Json>)[String(status)];
        assert.ok(response, `${method} ${docPath} documents status ${status}`);
        const schema = resolveRefs(
          ((response.content as Json)?.["application/json"] as Json)?.schema,
          doc,
        ) as Json;
        assert.ok(schema, `${method} ${docPath} ${status} has a JSON schema`);
        const result = z.fromJSONSchema(schema).safeParse(body);
        assert.ok(
          result.success,
          `${method} ${docPath} ${status}: ${result.error?.message}\n${
            JSON.stringify(body).slice(0, 300)
          }`,
        );
      };

      await t.step("real responses validate against the document", async () => {
        const gets: [string, string][] = [
          ["/api/", "/api/"],
          ["/api/status/", "/api/status/"],
          ["/api/ip-pools/p1/available-ips/?limit=3", "/api/ip-pools/{id}/available-ips/"],
          ["/api/ip-pools/p1/usage/", "/api/ip-pools/{id}/usage/"],
          ["/api/diagrams/d1/versions/", "/api/diagrams/{id}/versions/"],
          [
            "/api/diagrams/d1/versions/1/",
            "/api/diagrams/{id}/versions/{version_number}/",
          ],
        ];
        const lists = Object.keys(paths).filter((p) =>
          /^\/api\/[a-z-]+\/$/.test(p) &&
          paths[p].get?.operationId?.toString().endsWith("_list")
        );
        assert.ok(lists.length >= 9);
        for (const list of lists) {
          gets.push([list, list]);
          gets.push([`${list}?brief=1`, list]);
          // Each object by its key: a number, an id such as "p1", or a device's asset id.
          const first = ((await (await call(list)).json()).results as Json[])[0];
          const key = first?.id ?? first?.asset_id;
          assert.ok(key !== undefined, `${list} has a keyed first row`);
          gets.push([`${list}${encodeURIComponent(String(key))}/`, `${list}{id}/`]);
        }
        for (const [path, docPath] of gets) {
          const res = await call(path);
          const body = await res.json();
          assert.equal(res.status, 200, `${path}: ${JSON.stringify(body)}`);
          if (Array.isArray(body.results)) {
            assert.ok(body.results.length > 0 || docPath.includes("{"), `${path} has data`);
          }
          validate("get", docPath, 200, body);
        }
        validate("post", "/api/ip-pools/", 201, await pool.json());
        for (const res of [allocated, allocatedOne]) {
          validate("post", "/api/ip-pools/{id}/available-ips/", 201, await res.json());
        }
        const [alert] = await db.query<{ id: number }>("SELECT id FROM alerts LIMIT 1");
        const ack = await call(`/api/alerts/${alert.id}/acknowledge/`, { method: "POST" });
        assert.equal(ack.status, 200);
        validate("post", "/api/alerts/{id}/acknowledge/", 200, await ack.json());
        const created = await call("/api/devices/", {
          method: "POST",
          body: JSON.stringify({ asset_id: "NEW", device_name: "n" }),
        });
        validate("post", "/api/devices/", 201, await created.json());
        const patched = await call("/api/devices/A-000001/", {
          method: "PATCH",
          body: JSON.stringify({ vendor: "v" }),
        });
        validate("patch", "/api/devices/{id}/", 200, await patched.json());
        for (
          const [path, method, status] of [
            ["/api/devices/?nope=1", "get", 400],
            ["/api/devices/NOPE/", "get", 404],
          ] as const
        ) {
          const res = await call(path);
          assert.equal(res.status, status);
          const docPath = path.includes("NOPE") ? "/api/devices/{id}/" : "/api/devices/";
          validate(method, docPath, status, await res.json());
        }
      });

      await t.step("the validation itself rejects wrong shapes", () => {
        assert.throws(() => validate("get", "/api/devices/", 200, { results: [] }));
        assert.throws(() =>
          validate("get", "/api/devices/", 200, {
            count: 1,
            next: null,
            previous: null,
            results: [{ asset_id: 1 }],
          })
        );
        assert.throws(
          () =>
            validate("get", "/api/ip-pools/", 200, {
              count: 1,
              next: null,
              previous: null,
              results: [{ id: 1 }],
            }),
          "pool ids are strings",
        );
        assert.throws(() => validate("get", "/api/ip-allocations/{id}/", 200, { id: "1" }));
        const usage = {
          id: "p1",
          name: "p1",
          network: "10.5.0.0/28",
          allocated_count: 0,
          usable_count: 14,
          available_count: 14,
          usage_percentage: 0,
        };
        validate("get", "/api/ip-pools/{id}/usage/", 200, usage);
        validate("get", "/api/ip-pools/{id}/usage/", 200, {
          ...usage,
          usable_count: "1208925819614629174706175",
        });
        assert.throws(
          () => validate("get", "/api/ip-pools/{id}/usage/", 200, { ...usage, usable_count: "14" }),
          "a count that fits a JSON number is a number",
        );
      });

      await t.step("path ids are strings where rows are named by text", () => {
        const idSchema = (path: string) =>
          ((paths[path].get.parameters as Json[]).find((p) => p.name === "id")!.schema as Json)
            .type;
        for (const path of ["/api/ip-pools/{id}/", "/api/diagrams/{id}/", "/api/devices/{id}/"]) {
          assert.equal(idSchema(path), "string", path);
        }
        assert.equal(idSchema("/api/templates/{id}/"), "string");
        for (const path of ["/api/ip-allocations/{id}/", "/api/device-ports/{id}/"]) {
          assert.equal(idSchema(path), "integer", path);
        }
        const pool = resolveRefs({ $ref: "#/components/schemas/IpPools" }, doc) as Json;
        assert.equal(((pool.properties as Json).id as Json).type, "string");
        const device = resolveRefs({ $ref: "#/components/schemas/Devices" }, doc) as Json;
        assert.ok(!("id" in (device.properties as Json)), "devices are named by asset_id");
      });

      await t.step("request bodies come from the tools' zod schemas", () => {
        const post = paths["/api/ip-pools/"].post as Json;
        const schema = resolveRefs(post.requestBody, doc) as Json;
        const text = JSON.stringify(schema);
        assert.ok(text.includes('"dns_servers"'), "tool argument names appear in snake_case");
        assert.ok(text.includes('"required":["name","network"]'), text.slice(0, 200));
      });

      await t.step("the docs page renders the document without any external resource", async () => {
        const res = await app.request("/api/docs/");
        const html = await res.text();
        assert.equal(res.status, 200);
        assert.ok(html.includes("/api/schema/"));
        assert.ok(!/(src|href)="https?:/.test(html), "no CDN");
      });
    } finally {
      await events.stop();
      await testDb.close();
    }
  },
);
