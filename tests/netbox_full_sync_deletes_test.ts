// A full NetBox sync is a mark and sweep over what came from NetBox: a device deleted in NetBox
// leaves ArchiFlow, the devices NetBox still lists stay, and a device made in ArchiFlow (no
// NetBox id) is never swept. Runs against the NetBox double over the demo database.
import assert from "node:assert/strict";
import { NetboxClient } from "../server/netbox/client.ts";
import { type StageCounts, syncNetbox } from "../server/netbox/sync.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import { ipamHarness } from "./support/ipam.ts";

const TOKEN = "0123456789abcdef0123456789abcdef01234567";
const ALL = { roles: ["*"], tags: [], isPool: true };
const skip = await netboxDemoMissing("NetBox full sync deletion tests");

Deno.test({
  name: "a full sync deletes devices deleted in NetBox and keeps devices made in ArchiFlow",
  ignore: skip,
  fn: async () => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN });
    const h = await ipamHarness();
    try {
      const client = new NetboxClient({ url: double.url, token: TOKEN, backoffMs: 1, retries: 1 });
      const nb = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${double.url}${path}`, {
          method,
          headers: { authorization: `Token ${TOKEN}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : null;
      };
      const device = (netboxId: number) =>
        h.t.db.query<{ asset_id: string }>(
          "SELECT asset_id FROM network_devices WHERE netbox_id = $1",
          [netboxId],
        );
      const localDevice = () =>
        h.t.db.query<{ device_name: string; netbox_id: number | null }>(
          "SELECT device_name, netbox_id FROM network_devices WHERE asset_id = 'made-here'",
        );

      const doomed = await nb("POST", "/api/dcim/devices/", { name: "leaves-netbox" });
      await h.call("save-device", { assetId: "made-here", deviceName: "made in ArchiFlow" });
      const first = await syncNetbox({ db: h.t.db, client, selection: ALL }, { mode: "full" });
      assert.equal(first.status, "succeeded", JSON.stringify(first.errors));
      const [mirroredDoomed] = await device(doomed.id);
      assert.ok(mirroredDoomed, "the NetBox device was mirrored");
      const [{ n: mirrored }] = await h.t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM network_devices WHERE netbox_id IS NOT NULL",
      );

      await nb("DELETE", `/api/dcim/devices/${doomed.id}/`);
      const second = await syncNetbox({ db: h.t.db, client, selection: ALL }, { mode: "full" });
      assert.equal(second.status, "succeeded", JSON.stringify(second.errors));
      assert.equal(second.mode, "full");
      const devices = (second.counts.stages as Record<string, StageCounts>).devices;
      assert.equal(devices.deleted, 1);
      assert.deepEqual(await device(doomed.id), [], "deleted in NetBox, so gone here");
      const [{ n: left }] = await h.t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM network_devices WHERE netbox_id IS NOT NULL",
      );
      assert.equal(left, mirrored - 1, "every other NetBox device stays");
      assert.deepEqual(await localDevice(), [
        { device_name: "made in ArchiFlow", netbox_id: null },
      ]);
      const audits = await h.t.db.query<{ user_id: string }>(
        "SELECT user_id FROM audit_log WHERE action = 'delete' AND entity_id = $1",
        [mirroredDoomed.asset_id],
      );
      assert.equal(audits.length, 1, "the sweep is audited");
    } finally {
      await h.close();
      await double.close();
      await demo.drop();
    }
  },
});
