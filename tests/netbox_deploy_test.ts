import assert from "node:assert/strict";
import { parseDiagram } from "../server/diagrams/parse.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import { startTestServer } from "./support/server.ts";
import { slowFile } from "./support/timeouts.ts";

// Each test loads NetBox's demo database and serves it through the double: the slow limit.
slowFile();

const skip = await netboxDemoMissing("NetBox deploy and drift tests");
const TOKEN = "0123456789abcdef0123456789abcdef01234567";

const vertex = (id: string, label: string, attrs: string) =>
  `<object id="${id}" label="${label}" ${attrs}><mxCell vertex="1" parent="1" style="shape=mxgraph.cisco.switches.workgroup_switch"><mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell></object>`;
const edge = (id: string, s: string, t: string, sp: string, tp: string) =>
  `<object id="${id}" label="" source_port="${sp}" target_port="${tp}"><mxCell edge="1" parent="1" source="${s}" target="${t}"><mxGeometry relative="1" as="geometry"/></mxCell></object>`;

const XML = `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${
  vertex("a", "lab-core-01", 'asset_id="LAB-1" ip_address="192.0.2.10"')
}${vertex("b", "lab-access-01", 'asset_id="LAB-2"')}${
  vertex("c", "lab-access-02", 'asset_id="LAB-3"')
}${edge("e1", "a", "b", "Eth1", "Gi0/1")}${
  edge("e2", "a", "c", "Eth2", "Gi0/1")
}</root></mxGraphModel>`;

Deno.test(
  "deploy-diagram plans, then creates what NetBox lacks, after which drift reports nothing",
  {
    ignore: skip,
  },
  async () => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN });
    const server = await startTestServer({ NETBOX_URL: double.url, NETBOX_TOKEN: TOKEN });
    try {
      const json = await parseDiagram(XML);
      assert.equal(json.devices.length, 3);
      const [d] = await server.db.query<{ id: string }>(
        `INSERT INTO diagrams (id, name, diagram_xml, diagram_json)
         VALUES ('lab-diagram', 'lab', $1, $2::jsonb) RETURNING id`,
        [XML, JSON.stringify(json)],
      );
      const rpc = await server.client();
      const before = await rpc.tool("diagram-drift", { diagramId: d.id });
      assert.equal(before.in_sync, false);
      assert.deepEqual(
        (before.devices_missing_in_netbox as string[]).sort(),
        ["lab-access-01", "lab-access-02", "lab-core-01"],
      );

      const dry = await rpc.tool("deploy-diagram", { diagramId: d.id });
      const plan = dry.plan as { action: string }[];
      const count = (a: string) => plan.filter((s) => s.action === a).length;
      assert.deepEqual(
        [
          count("create_device"),
          count("create_interface"),
          count("create_ip"),
          count("create_cable"),
        ],
        [3, 4, 1, 2],
      );
      // a dry run writes nothing to NetBox
      assert.ok(double.control.requests.every((r) => r.method === "GET"));

      const done = await rpc.tool("deploy-diagram", {
        diagramId: d.id,
        dryRun: false,
        siteId: 1,
        roleId: 1,
        deviceTypeId: 1,
      });
      assert.equal((done.applied as unknown[]).length, plan.length);

      const after = await rpc.tool("diagram-drift", { diagramId: d.id });
      assert.equal(after.in_sync, true, JSON.stringify(after));
      const again = await rpc.tool("deploy-diagram", { diagramId: d.id });
      assert.deepEqual(again.plan, []);

      // a cable removed in NetBox shows up as drift
      const cables = await fetch(`${double.url}/api/dcim/cables/?limit=1000`, {
        headers: { authorization: `Token ${TOKEN}` },
      }).then((r) => r.json());
      const last = cables.results.at(-1);
      await fetch(`${double.url}/api/dcim/cables/${last.id}/`, {
        method: "DELETE",
        headers: { authorization: `Token ${TOKEN}` },
      }).then((r) => r.body?.cancel());
      const drift = await rpc.tool("diagram-drift", { diagramId: d.id });
      assert.deepEqual(drift.links_missing_in_netbox, ["lab-core-01:Eth2 - lab-access-02:Gi0/1"]);
    } finally {
      await server.close();
      await double.close();
      await demo.drop();
    }
  },
);
