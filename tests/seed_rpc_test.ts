// The design document's JSON-RPC examples ("ArchiFlow API Endpoints", "Available
// Tools/Methods"), sent over the WebSocket as the document writes them, each in the document's
// message envelope, and each answer held to the shape the document shows (or, where it shows
// none, to what the call says it did). Text ids throughout: "pool-1", "diagram-1",
// "device-123".
import assert from "node:assert/strict";
import type { RpcClient } from "./support/rpc_client.ts";
import { withServer } from "./support/server.ts";

type Json = Record<string, unknown>;

/**
 * Sends one document example, `params` exactly as the document has them, in the document's
 * envelope ({"jsonrpc": "2.0", "id": n, "method": ..., "params": ...}); returns the tool's
 * structured answer after checking the MCP result around it.
 */
async function send(c: RpcClient, id: number, example: string): Promise<Json> {
  const params = JSON.parse(example);
  const reply = JSON.parse(
    await c.sendRaw(JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params })),
  );
  assert.equal(reply.jsonrpc, "2.0");
  assert.equal(reply.id, id);
  assert.equal(reply.error, undefined, `${params.name}: ${JSON.stringify(reply.error)}`);
  const result = reply.result as {
    content: { type: string; text: string }[];
    structuredContent: Json;
    isError?: boolean;
  };
  assert.notEqual(result.isError, true, `${params.name}: ${result.content?.[0]?.text}`);
  // MCP carries the answer twice: as text and as structured content, the same JSON.
  assert.equal(result.content[0].type, "text");
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
}

/** The document's get-ip-pools answer, field by field, with the types the document shows. */
function assertDocumentPool(pool: Json) {
  assert.equal(pool.id, "pool-1");
  assert.equal(pool.name, "Management Network");
  assert.equal(pool.network, "192.168.1.0/24");
  assert.equal(pool.gateway, "192.168.1.1");
  assert.ok(Array.isArray(pool.available), "available is a list");
  assert.ok((pool.available as unknown[]).every((a) => typeof a === "string"));
  assert.ok(Array.isArray(pool.allocated), "allocated is a list");
  assert.ok((pool.allocated as unknown[]).every((a) => typeof a === "string"));
  assert.equal(typeof pool.allocated_count, "number");
  assert.equal(pool.allocated_count, (pool.allocated as unknown[]).length);
}

Deno.test("the design document's JSON-RPC examples work as written", async () => {
  await withServer(async (s, c) => {
    // The document's pool, made through the create tool; and 192.168.1.10 in use, which the
    // document's release-ip example gives back.
    const created = await c.tool("create-ip-pool", {
      id: "pool-1",
      name: "Management Network",
      network: "192.168.1.0/24",
      gateway: "192.168.1.1",
    });
    assert.equal(created.id, "pool-1");
    await c.tool("allocate-ip", { poolId: "pool-1", ip: "192.168.1.10" });

    // IP Pool Management: get all IP pools.
    const listed = await send(c, 1, `{ "name": "get-ip-pools" }`);
    const pools = listed.pools as Json[];
    assert.equal(pools.length, 1);
    assertDocumentPool(pools[0]);
    assert.deepEqual(pools[0].allocated, ["192.168.1.10"]);
    assert.equal(pools[0].allocated_count, 1);
    // Free addresses, lowest first: the network address and the gateway are never offered.
    assert.deepEqual((pools[0].available as string[]).slice(0, 2), ["192.168.1.2", "192.168.1.3"]);

    // IP Allocation: allocate, then release.
    const allocated = await send(
      c,
      2,
      `{
        "name": "allocate-ip",
        "arguments": {
          "poolId": "pool-1",
          "assetId": "device-123",
          "deviceName": "Router-01",
          "deviceType": "router"
        }
      }`,
    );
    assert.equal(allocated.ip_address, "192.168.1.2");
    assert.equal(allocated.pool_id, "pool-1");
    assert.equal(allocated.asset_id, "device-123");
    assert.equal(allocated.device_name, "Router-01");
    assert.equal(allocated.device_type, "router");
    assert.equal(allocated.is_active, true);

    const released = await send(
      c,
      3,
      `{ "name": "release-ip", "arguments": { "ip": "192.168.1.10", "poolId": "pool-1" } }`,
    );
    assert.equal(released.ip_address, "192.168.1.10");
    assert.equal(released.pool_id, "pool-1");
    assert.equal(released.is_active, false);

    const after = (await send(c, 4, `{ "name": "get-ip-pools" }`)).pools as Json[];
    assertDocumentPool(after[0]);
    assert.deepEqual(after[0].allocated, ["192.168.1.2"]);
    assert.equal((after[0].available as string[])[0], "192.168.1.3");

    // Diagram Management: save with the client's id, load it, list.
    const saved = await send(
      c,
      5,
      `{
        "name": "save-diagram",
        "arguments": {
          "id": "diagram-1",
          "name": "Network Topology",
          "xml": "<mxGraphModel>...</mxGraphModel>",
          "metadata": {}
        }
      }`,
    );
    assert.equal(saved.id, "diagram-1");
    assert.equal(saved.name, "Network Topology");
    assert.equal(saved.version, 1);

    const loaded = await send(
      c,
      6,
      `{ "name": "load-diagram", "arguments": { "id": "diagram-1" } }`,
    );
    assert.equal(loaded.id, "diagram-1");
    assert.equal(loaded.name, "Network Topology");
    assert.equal(loaded.xml ?? loaded.diagram_xml, "<mxGraphModel>...</mxGraphModel>");
    assert.deepEqual(loaded.metadata, {});

    const diagrams = (await send(c, 7, `{ "name": "list-diagrams" }`)).diagrams as Json[];
    assert.deepEqual(diagrams.map((d) => [d.id, d.name]), [["diagram-1", "Network Topology"]]);

    // Device Management: get devices, save one by its asset id, get it back.
    const before = (await send(c, 8, `{ "name": "get-devices" }`)).devices;
    assert.ok(Array.isArray(before));
    assert.ok(!(before as Json[]).some((d) => d.asset_id === "device-123"));

    const device = await send(
      c,
      9,
      `{
        "name": "save-device",
        "arguments": {
          "assetId": "device-123",
          "deviceName": "Core-Switch-01",
          "deviceType": "switch",
          "vendor": "Cisco",
          "model": "Catalyst 9300"
        }
      }`,
    );
    const expected = {
      asset_id: "device-123",
      device_name: "Core-Switch-01",
      device_type: "switch",
      vendor: "Cisco",
      model: "Catalyst 9300",
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(device[k], v, k);
    assert.equal("id" in device, false, "a device is known by its asset id alone");

    const devices = (await send(c, 10, `{ "name": "get-devices" }`)).devices as Json[];
    const listedDevice = devices.find((d) => d.asset_id === "device-123");
    assert.ok(listedDevice, "get-devices lists the saved device");
    for (const [k, v] of Object.entries(expected)) assert.equal(listedDevice[k], v, k);

    // What the answers said is what the database holds, under the document's ids.
    const [row] = await s.db.query<{ pool: string; diagram: string; device: string }>(
      `SELECT (SELECT id FROM ip_pools) AS pool, (SELECT id FROM diagrams) AS diagram,
              (SELECT asset_id FROM network_devices WHERE asset_id = 'device-123') AS device`,
    );
    assert.deepEqual(row, { pool: "pool-1", diagram: "diagram-1", device: "device-123" });
  });
});
