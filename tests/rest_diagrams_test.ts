// Diagram and template routes over REST call the same tools as the WebSocket: versions, diff,
// restore, publish, export and delete; template create, instantiate and delete.
import assert from "node:assert/strict";
import { sendJson } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

const xml = (label: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<object id="v1" label="${label}" asset_id="R-1" device_type="router"><mxCell vertex="1" parent="1">` +
  `<mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell></object>` +
  `</root></mxGraphModel>`;

Deno.test(
  "REST diagram routes save versions, diff, restore, publish, export and delete",
  async () => {
    const s = await startTestServer();
    try {
      const send = (method: string, path: string, body?: unknown) =>
        sendJson(s, method, path, body);
      const made = await send("POST", "/api/diagrams/", { name: "lan", xml: xml("lan-1") });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.match(made.body.id, /^diagram-\d+$/, "the server names diagrams in the same style");
      assert.equal(made.body.diagram_xml, xml("lan-1"));

      // A client-chosen id, percent-encoded in every URL.
      const chosen = "wan/α 1";
      const id = encodeURIComponent(chosen);
      const created = await send("POST", "/api/diagrams/", {
        id: chosen,
        name: "wan",
        diagram_xml: xml("edge-1"),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.id, chosen);
      assert.equal(created.body.version, 1);
      const clash = await send("POST", "/api/diagrams/", {
        id: chosen,
        name: "other",
        xml: xml("x"),
      });
      assert.equal(clash.status, 409, "a POST never overwrites an existing diagram");
      const patched = await send("PATCH", `/api/diagrams/${id}/`, { xml: xml("edge-2") });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.version, 2);
      assert.equal(patched.body.name, "wan");
      assert.equal(patched.body.diagram_xml, xml("edge-2"));
      assert.equal(patched.body.diagram_json.pages[0].vertices[0].label, "edge-2");

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
      const versions = await send(
        "GET",
        `/api/diagrams/${id}/versions/?ordering=version_number`,
      );
      assert.equal(versions.status, 200, JSON.stringify(versions.body));
      assert.deepEqual(
        versions.body.results.map((
          v: { version_number: number; is_published: boolean; is_current: boolean; name: string },
        ) => [v.version_number, v.is_published, v.is_current, v.name]),
        [[1, false, false, "wan"], [2, false, false, "wan"], [3, true, true, "wan"]],
      );
      const current = await send("GET", `/api/diagrams/${id}/versions/?is_current=true`);
      assert.deepEqual(current.body.results.map((v: { diagram_id: string }) => v.diagram_id), [
        chosen,
      ]);
      const exported = await s.fetch(`/api/diagrams/${id}/export/?format=xml`);
      assert.equal(await exported.text(), xml("edge-1"), "the restored version is current");

      const deleted = await send("DELETE", `/api/diagrams/${id}/`);
      assert.equal(deleted.status, 204);
      assert.equal((await send("GET", `/api/diagrams/${id}/`)).status, 404);
      assert.equal((await send("GET", `/api/diagrams/${made.body.id}/`)).status, 200);
    } finally {
      await s.close();
    }
  },
);

Deno.test("REST template routes create, instantiate and delete templates", async () => {
  const s = await startTestServer();
  try {
    const send = (method: string, path: string, body?: unknown) => sendJson(s, method, path, body);
    const shipped = await send("GET", "/api/templates/?brief=true");
    assert.ok(shipped.body.count >= 3, "the shipped templates are listed");
    const campus = await send("GET", "/api/templates/two-tier-campus/");
    assert.equal(campus.status, 200, "shipped templates have their document ids");
    assert.equal(campus.body.is_active, true);
    assert.ok(String(campus.body.template_xml).startsWith("<mxfile"));
    const created = await send("POST", "/api/templates/", {
      id: "one router",
      name: "one router",
      template_xml: xml("{{host}}"),
      variables: [{ name: "host", type: "string", required: true }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.id, "one router");
    assert.equal(created.body.template_xml, xml("{{host}}"));
    assert.equal(created.body.template_json.pages[0].vertices[0].label, "{{host}}");
    const path = `/api/templates/${encodeURIComponent(created.body.id)}/`;
    const stored = await send("GET", path);
    assert.equal(stored.body.name, "one router");
    const echoed = await send("PUT", path, { ...stored.body, description: "echo" });
    assert.equal(echoed.status, 200, JSON.stringify(echoed.body));
    assert.equal(echoed.body.description, "echo");
    assert.equal(echoed.body.template_xml, xml("{{host}}"));
    const made = await send("POST", `${path}instantiate/`, {
      name: "from template",
      values: { host: 'r1 <"core">' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const diagram = await send("GET", `/api/diagrams/${encodeURIComponent(made.body.id)}/`);
    assert.equal(diagram.body.diagram_json.pages[0].vertices[0].label, 'r1 <"core">');
    const missing = await send("POST", `${path}instantiate/`, {
      name: "no values",
      values: {},
    });
    assert.equal(missing.status, 400, "a required variable is enforced");
    assert.equal((await send("DELETE", path)).status, 204);
    assert.equal((await send("GET", path)).status, 404);
  } finally {
    await s.close();
  }
});
