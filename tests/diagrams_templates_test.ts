// Templates through a real WebSocket: the shipped network templates, instantiation with valid,
// invalid and hostile values, and the template CRUD tools.
import assert from "node:assert/strict";
import { type TestServer, withServer } from "./support/server.ts";
import { ToolCallError } from "./support/rpc_client.ts";

async function expectToolError(p: Promise<unknown>, code: string, pattern?: RegExp) {
  let details: unknown;
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ToolCallError, `expected a tool error, got ${err}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    details = err.details;
    return true;
  });
  return details;
}

type Template = { id: string; name: string; variables: { name: string; required: boolean }[] };
type Dj = {
  pages: {
    name: string;
    vertices: { id: string; label: string; attributes: Record<string, string> }[];
    edges: { label: string }[];
  }[];
  stats: Record<string, number>;
};

const TEMPLATE =
  `<mxfile><diagram id="p" name="{{site}}"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>
<object id="r" label="&lt;b&gt;{{site}}&lt;/b&gt; router" asset_id="{{site}}-r1" ip_address="{{ip}}" note="{{note}}"><mxCell style="html=1;" vertex="1" parent="1"><mxGeometry width="60" height="40" as="geometry"/></mxCell></object>
<mxCell id="t" value="{{note}}" vertex="1" parent="1"><mxGeometry y="80" width="60" height="40" as="geometry"/></mxCell>
</root></mxGraphModel></diagram></mxfile>`;

async function counts(s: TestServer) {
  const [r] = await s.db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM diagrams)::int AS diagrams,
            (SELECT count(*) FROM templates)::int AS templates,
            (SELECT count(*) FROM network_devices)::int AS devices,
            (SELECT count(*) FROM audit_log)::int AS audit`,
  );
  return r;
}

Deno.test(
  "the shipped network templates exist and instantiate into diagrams with inventory",
  async () => {
    await withServer(async (s, c) => {
      const { templates } = await c.tool<{ templates: Template[] }>("list-templates");
      const names = templates.map((t) => t.name);
      for (const n of ["Small branch office", "Spine-leaf pod", "Two-tier campus"]) {
        assert.ok(names.includes(n), `${n} is shipped`);
      }
      assert.deepEqual(
        templates.map((t) => t.id).sort(),
        ["small-branch-office", "spine-leaf-pod", "two-tier-campus"],
      );
      const campusTemplate = await c.tool<{ id: string; xml: string }>("get-template", {
        id: "two-tier-campus",
      });
      assert.match(campusTemplate.xml, /\{\{site\}\}-core-01/);
      const byName = Object.fromEntries(templates.map((t) => [t.name, t]));
      const values: Record<string, Record<string, string | number>> = {
        "Two-tier campus": { site: "hq", core1_ip: "10.0.0.2", core2_ip: "10.0.0.3" },
        "Small branch office": { branch: "br7", lan_cidr: "10.7.0.0/24", wan_ip: "198.51.100.7" },
        "Spine-leaf pod": { pod: "pod1", site: "dc1", spine_asn: 65100 },
      };
      for (const [name, v] of Object.entries(values)) {
        const d = await c.tool<
          { id: string; template_id: string; inventory: Record<string, number> }
        >(
          "instantiate-template",
          { templateId: byName[name].id, name: `${name} test`, values: v },
        );
        assert.equal(d.template_id, byName[name].id);
        assert.ok(d.inventory.devices_created >= 4, `${name} creates devices`);
        assert.ok(d.inventory.links_connected >= 4, `${name} connects ports`);
        assert.equal(d.inventory.links_skipped, 0, `${name} has no conflicting links`);
        const loaded = await c.tool<{ xml: string; diagram_json: Dj }>("load-diagram", {
          id: d.id,
        });
        assert.ok(!loaded.xml.includes("{{"), `${name}: every placeholder is filled`);
      }
      const campus = await s.db.query<{ device_name: string; ip: string | null }>(
        "SELECT device_name, host(primary_ip) AS ip FROM network_devices WHERE asset_id LIKE 'hq-core%' ORDER BY 1",
      );
      assert.deepEqual(campus, [
        { device_name: "hq-core-01", ip: "10.0.0.2" },
        { device_name: "hq-core-02", ip: "10.0.0.3" },
      ]);
      const [leaf] = await s.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM device_connections WHERE source_device LIKE 'pod1-spine-%'`,
      );
      assert.equal(leaf.n, 8, "every leaf is cabled to both spines");
    });
  },
);

Deno.test(
  "instantiate-template writes hostile values as text, never as markup or placeholders",
  async () => {
    await withServer(async (_s, c) => {
      const t = await c.tool<{ id: string }>("create-template", {
        name: "hostile",
        xml: TEMPLATE,
        variables: [
          { name: "site", type: "string", required: true },
          { name: "ip", type: "ip", default: "192.0.2.1" },
          { name: "note", type: "string" },
        ],
      });
      const site = `"'><script>alert(1)</script>&amp;`;
      const note = `{{site}} and {{ip}} stay as typed; <img src=x onerror=alert(1)> "q" 'a'`;
      const d = await c.tool<{ id: string }>("instantiate-template", {
        templateId: t.id,
        name: "h",
        values: { site, note },
      });
      const loaded = await c.tool<{ xml: string; diagram_json: Dj }>("load-diagram", { id: d.id });
      assert.ok(!loaded.xml.includes("<script"), "no raw markup in the XML");
      assert.ok(!loaded.xml.includes("<img"), "no raw markup in the XML");
      const page = loaded.diagram_json.pages[0];
      assert.equal(page.name, site);
      const [r, text] = page.vertices;
      assert.equal(r.label, `${site} router`, "the HTML label shows the value as plain text");
      assert.equal(r.attributes.asset_id, `${site}-r1`);
      assert.equal(r.attributes.note, note, "{{...}} inside a value is not expanded");
      assert.equal(r.attributes.ip_address, "192.0.2.1", "the default applies");
      assert.equal(text.label, note);
    });
  },
);

Deno.test("invalid values are refused together and write nothing", async () => {
  await withServer(async (s, c) => {
    const t = await c.tool<{ id: string }>("create-template", {
      name: "typed",
      xml: TEMPLATE,
      variables: [
        { name: "site", type: "enum", options: ["hq", "dc"], required: true },
        { name: "ip", type: "ip", required: true },
        { name: "note", type: "number", min: 1, max: 10 },
      ],
    });
    const before = await counts(s);
    const details = await expectToolError(
      c.tool("instantiate-template", {
        templateId: t.id,
        name: "x",
        values: { site: "lab", ip: "10.0.0.999", note: "11", extra: "y" },
      }),
      "invalid",
    ) as { issues: { variable: string }[] };
    assert.deepEqual(details.issues.map((i) => i.variable).sort(), ["extra", "ip", "note", "site"]);
    await expectToolError(
      c.tool("instantiate-template", { templateId: t.id, name: "x", values: { site: "hq" } }),
      "invalid",
      /ip: is required/,
    );
    await expectToolError(
      c.tool("instantiate-template", { templateId: 99999, name: "x", values: {} }),
      "not_found",
    );
    assert.deepEqual(await counts(s), before);
    const ok = await c.tool<{ id: string }>("instantiate-template", {
      templateId: t.id,
      name: "x",
      values: { site: "dc", ip: "2001:DB8::A", note: 7 },
    });
    const loaded = await c.tool<{ diagram_json: Dj }>("load-diagram", { id: ok.id });
    assert.equal(loaded.diagram_json.pages[0].vertices[0].attributes.ip_address, "2001:db8::a");
  });
});

Deno.test(
  "template tools create, update, get, list and delete, refusing bad templates",
  async () => {
    await withServer(async (s, c) => {
      const vars = [{ name: "site", type: "string" }, { name: "ip", type: "ip" }, {
        name: "note",
        type: "string",
      }];
      const t = await c.tool<{ id: string; name: string; category: string }>("create-template", {
        name: "mine",
        xml: TEMPLATE,
        variables: vars,
        category: "lab",
      });
      assert.equal(t.category, "lab");
      const before = await counts(s);
      await expectToolError(
        c.tool("create-template", { name: "bad", xml: TEMPLATE, variables: [vars[0]] }),
        "invalid",
        /\{\{ip\}\}, \{\{note\}\} are not declared/,
      );
      await expectToolError(
        c.tool("create-template", { name: "bad", xml: "<mxfile><diagram>", variables: [] }),
        "invalid",
      );
      await expectToolError(
        c.tool("create-template", { name: "mine", xml: TEMPLATE, variables: vars }),
        "conflict",
      );
      assert.deepEqual(await counts(s), before, "refusals write nothing");

      const upd = await c.tool<{ name: string; description: string }>("update-template", {
        id: t.id,
        description: "changed",
      });
      assert.equal(upd.name, "mine");
      assert.equal(upd.description, "changed");
      await expectToolError(
        c.tool("update-template", { id: t.id, variables: [] }),
        "invalid",
        /not declared/,
      );
      const got = await c.tool<{ xml: string }>("get-template", { id: t.id });
      assert.equal(got.xml, TEMPLATE);
      const lab = await c.tool<{ count: number; templates: { name: string; xml?: string }[] }>(
        "list-templates",
        { category: "lab" },
      );
      assert.equal(lab.count, 1);
      assert.equal(lab.templates[0].xml, undefined);
      await c.tool("delete-template", { id: t.id });
      await expectToolError(c.tool("get-template", { id: t.id }), "not_found");
      const audit = await s.db.query<{ action: string; entity_id: string }>(
        "SELECT action, entity_id FROM audit_log WHERE entity_type = 'template' ORDER BY id",
      );
      assert.deepEqual(audit.map((a) => `${a.action} ${a.entity_id}`), [
        `create ${t.id}`,
        `update ${t.id}`,
        `delete ${t.id}`,
      ]);
    });
  },
);

Deno.test(
  "template ids are text, and template_json holds the parsed XML the server wrote",
  async () => {
    await withServer(async (s, c) => {
      const vars = [{ name: "site", type: "string" }, { name: "ip", type: "ip" }, {
        name: "note",
        type: "string",
      }];
      const mine = await c.tool<{ id: string }>("create-template", {
        id: "lab-router",
        name: "lab router",
        xml: TEMPLATE,
        variables: vars,
      });
      assert.equal(mine.id, "lab-router");
      const generated = await c.tool<{ id: string }>("create-template", {
        name: "generated",
        xml: TEMPLATE,
        variables: vars,
      });
      assert.match(generated.id, /^template-\d+$/);
      await expectToolError(
        c.tool("create-template", {
          id: "lab-router",
          name: "other",
          xml: TEMPLATE,
          variables: vars,
        }),
        "conflict",
        /lab-router is taken/,
      );
      const json = async (id: string) =>
        (await s.db.query<{ label: string | null; page: string | null }>(
          `SELECT template_json #>> '{pages,0,vertices,1,label}' AS label,
                  template_json #>> '{pages,0,name}' AS page
             FROM templates WHERE id = $1`,
          [id],
        ))[0];
      assert.deepEqual(await json("lab-router"), { label: "{{note}}", page: "{{site}}" });
      await c.tool("update-template", {
        id: "lab-router",
        xml: TEMPLATE.replace('value="{{note}}"', 'value="note: {{note}}"'),
      });
      assert.deepEqual(await json("lab-router"), { label: "note: {{note}}", page: "{{site}}" });
      // A shipped template is given its template_json when the server first writes it.
      await c.tool("update-template", { id: "spine-leaf-pod", description: "pods" });
      const [pod] = await s.db.query<{ pages: number }>(
        "SELECT jsonb_array_length(template_json -> 'pages') AS pages FROM templates WHERE id = 'spine-leaf-pod'",
      );
      assert.equal(pod.pages, 1);
      const d = await c.tool<{ id: string; template_id: string }>("instantiate-template", {
        templateId: "lab-router",
        name: "from lab",
        values: { site: "lab1" },
      });
      assert.equal(d.template_id, "lab-router");
      assert.match(d.id, /^diagram-\d+$/);
    });
  },
);
