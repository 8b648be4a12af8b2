// Diagram and template routes over REST call the same tools as the WebSocket: versions, diff,
// restore, publish, export and delete; template create, instantiate and delete.
import assert from "node:assert/strict";
import { sendJson } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const xml = (label: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<object id="v1" label="${label}" asset_id="R-1" device_type="router"><mxCell vertex="1" parent="1">` +
  `<mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell></object>` +
  `</root></mxGraphModel>`;

Deno.test(
  "REST diagram routes save versions, diff, restore, publish, export and delete",
  opts,
  async () => {
    const s = await startTestServer();
    try {
      const send = (method: string, path: string, body?: unknown) =>
        sendJson(s, method, path, body);
      const created = await send("POST", "/api/diagrams/", { name: "wan", xml: xml("edge-1") });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id;
      const patched = await send("PATCH", `/api/diagrams/${id}/`, { xml: xml("edge-2") });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.version, 2);

      const diff = await send("GET", `/api/diagrams/${id}/diff/?from=1&to=2`);
      assert.equal(diff.status, 200, JSON.stringify(diff.body));
      const changed = diff.body.pages[0].changed;
      assert.deepEqual(changed.map((c: { id: string }) => c.id), ["v1"]);
      assert.ok(changed[0].changed.includes("label"));

      const restored = await send("POST", `/api/diagrams/${id}/restore/`, { version: 1 });
      assert.equal(restored.status, 200, JSON.stringify(restored.body));
      assert.equal(restored.body.version, 3);
      const published = await send("POST", `/api/diagrams/${id}/publish/`, { version: 3 });
      assert.equal(published.status, 200, JSON.stringify(published.body));
      const versions = await send("GET", `/api/diagrams/${id}/versions/?ordering=version`);
      assert.deepEqual(
        versions.body.results.map((v: { version: number; is_published: boolean }) => [
          v.version,
          v.is_published,
        ]),
        [[1, false], [2, false], [3, true]],
      );
      const exported = await s.fetch(`/api/diagrams/${id}/export/?format=xml`);
      assert.equal(await exported.text(), xml("edge-1"), "the restored version is current");

      const deleted = await send("DELETE", `/api/diagrams/${id}/`);
      assert.equal(deleted.status, 204);
      assert.equal((await send("GET", `/api/diagrams/${id}/`)).status, 404);
    } finally {
      await s.close();
    }
  },
);

Deno.test("REST template routes create, instantiate and delete templates", opts, async () => {
  const s = await startTestServer();
  try {
    const send = (method: string, path: string, body?: unknown) => sendJson(s, method, path, body);
    const shipped = await send("GET", "/api/templates/?brief=true");
    assert.ok(shipped.body.count >= 3, "the shipped templates are listed");
    const created = await send("POST", "/api/templates/", {
      name: "one router",
      xml_content: xml("{{host}}"),
      variables: [{ name: "host", type: "string", required: true }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const made = await send("POST", `/api/templates/${created.body.id}/instantiate/`, {
      name: "from template",
      values: { host: 'r1 <"core">' },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const diagram = await send("GET", `/api/diagrams/${made.body.id}/`);
    assert.equal(diagram.body.diagram_json.pages[0].vertices[0].label, 'r1 <"core">');
    const missing = await send("POST", `/api/templates/${created.body.id}/instantiate/`, {
      name: "no values",
      values: {},
    });
    assert.equal(missing.status, 400, "a required variable is enforced");
    assert.equal((await send("DELETE", `/api/templates/${created.body.id}/`)).status, 204);
  } finally {
    await s.close();
  }
});
