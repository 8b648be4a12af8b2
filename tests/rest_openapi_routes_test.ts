// Every operation the OpenAPI document lists is one the running server offers: called with an
// admin token, stored keys in its path and an empty body, none is unknown to the router and none
// is refused with 405 (unless the document says that is all it does), and each answers with a
// status the document lists for it.
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "./support/server.ts";
import { sendJson } from "./support/rest.ts";

type Json = Record<string, unknown>;
const METHODS = ["get", "post", "put", "patch", "delete"];

/** Stored rows for every resource, so each {id} in a documented path names a real one. */
async function seed(s: TestServer): Promise<void> {
  const db = s.testDb.db;
  const made = [
    await sendJson(s, "POST", "/api/ip-pools/", { id: "p1", name: "p1", network: "10.9.0.0/28" }),
    await sendJson(s, "POST", "/api/devices/", { asset_id: "D-1", device_name: "sw1" }),
    await sendJson(s, "POST", "/api/devices/", { asset_id: "D-2", device_name: "sw2" }),
    await sendJson(s, "POST", "/api/ip-pools/p1/available-ips/", { asset_id: "D-1" }),
  ];
  for (const m of made) assert.ok(m.status === 201, JSON.stringify(m.body));
  // Both ends of a cable name each other; the key is checked at commit.
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO device_ports (device_id, port_name, status, connected_to_device,
                                 connected_to_port)
       VALUES ('D-1', 'eth0', 'up', 'D-2', 'eth0'), ('D-2', 'eth0', 'up', 'D-1', 'eth0')`,
    );
  });
  await db.query(
    `INSERT INTO diagrams (id, name, diagram_xml, diagram_json)
     VALUES ('d1', 'd', '<mxGraphModel/>', '{}')`,
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
    `INSERT INTO alerts (alert_type, title, message) VALUES ('pool_exhausted', 'full', 'full')`,
  );
}

/**
 * The path with each {param} filled from the list before it: {id} from the first row's id (or
 * asset_id), {version_number} from the first version; the draw.io app's files by one of them.
 */
async function fillPath(s: TestServer, path: string): Promise<string> {
  let out = path;
  for (let m = /\{(\w+)\}/.exec(out); m; m = /\{(\w+)\}/.exec(out)) {
    const prefix = out.slice(0, m.index);
    let value: unknown = m[1] === "file" ? "archiflow-plugin.js" : "index.html";
    if (m[1] !== "path" && m[1] !== "file") {
      const list = await sendJson(s, "GET", `${prefix}?limit=1`);
      const row = list.body?.results?.[0];
      value = m[1] === "id" ? row?.id ?? row?.asset_id : row?.[m[1]];
      assert.ok(value !== undefined, `${prefix} has a row for ${path}: ${JSON.stringify(list)}`);
    }
    out = prefix + encodeURIComponent(String(value)) + out.slice(m.index + m[0].length);
  }
  return out;
}

Deno.test("every operation in the OpenAPI document is mounted and answers as documented", async () => {
  const s = await startTestServer();
  try {
    await seed(s);
    const schema = await s.fetch("/api/schema/");
    assert.equal(schema.status, 200);
    const doc = await schema.json() as { paths: Record<string, Record<string, Json>> };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] }))
    );
    // Deletes last, so every other call still finds the rows they remove.
    ops.sort((a, b) => Number(a.method === "delete") - Number(b.method === "delete"));
    assert.ok(ops.length >= 70, `the document lists ${ops.length} operations`);

    const wrong: string[] = [];
    for (const { path, method, op } of ops) {
      const url = await fillPath(s, path);
      const upper = method.toUpperCase();
      const res = await s.fetch(url, {
        method: upper,
        redirect: "manual",
        headers: { "content-type": "application/json" },
        body: upper === "GET" || upper === "DELETE" ? undefined : "{}",
      });
      const text = (await res.text()).slice(0, 160);
      const documented = Object.keys(op.responses as Json);
      const refusal = documented.length === 1 && documented[0] === "405";
      const line = `${upper} ${path} (${url}): ${res.status} ${text}`;
      if (refusal) {
        if (res.status !== 405) wrong.push(`${line}; documented as always 405`);
      } else if (res.status === 404 || res.status === 405) {
        wrong.push(line);
      } else if (!documented.includes(String(res.status))) {
        wrong.push(`${line}; documented: ${documented.join(", ")}`);
      }
    }
    assert.deepEqual(wrong, []);
  } finally {
    await s.close();
  }
});

Deno.test("a method a resource does not offer answers 405 with Allow and is not documented", async () => {
  const s = await startTestServer();
  try {
    const doc = await (await s.fetch("/api/schema/")).json();
    for (const path of ["/api/alerts/", "/api/audit-log/", "/api/connections/"]) {
      assert.deepEqual(Object.keys(doc.paths[path]), ["get"], path);
      const res = await s.fetch(path, { method: "POST", body: "{}" });
      assert.equal(res.status, 405, path);
      assert.equal(res.headers.get("allow"), "GET");
      const body = await res.json();
      assert.equal(body.code, "invalid");
      assert.equal(body.details.reason, "method_not_allowed");
    }
    assert.deepEqual(Object.keys(doc.paths["/api/alerts/{id}/"]), ["get"]);
    const one = await s.fetch("/api/audit-log/1/", { method: "DELETE" });
    assert.equal(one.status, 405);
    assert.equal(one.headers.get("allow"), "GET");
    await one.body?.cancel();
    assert.equal(
      doc.paths["/api/audit-log/"].get.summary,
      "List audit entries",
      "nouns have their plural",
    );
    const acknowledge = doc.paths["/api/alerts/{id}/acknowledge/"];
    assert.deepEqual(Object.keys(acknowledge), ["post"]);
    const get = await s.fetch("/api/alerts/1/acknowledge/");
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    await get.body?.cancel();
  } finally {
    await s.close();
  }
});
