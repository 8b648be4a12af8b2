// One request, one id: every write a REST or MCP request makes is audited under the id the
// response's X-Request-Id carries (sent by the client or made by the server).
import assert from "node:assert/strict";
import { getJson, jsonInit } from "./support/rest.ts";
import { startTestServer } from "./support/server.ts";

Deno.test("the items of one request share its X-Request-Id in the audit log", async () => {
  const s = await startTestServer();
  try {
    const auditIds = async (entity: string) =>
      (await s.testDb.db.query<{ request_id: string | null }>(
        "SELECT DISTINCT request_id FROM audit_log WHERE entity_type = $1",
        [entity],
      )).map((r) => r.request_id);

    // A bulk REST create without an id from the client: the server's id, on every item.
    const bulk = await getJson(
      s,
      "/api/ip-pools/",
      jsonInit("POST", [
        { name: "a", network: "10.1.0.0/24" },
        { name: "b", network: "10.2.0.0/24" },
      ]),
    );
    assert.equal(bulk.status, 201);
    const made = bulk.headers.get("x-request-id");
    assert.ok(made);
    assert.deepEqual(await auditIds("ip_pool"), [made]);

    // The client's own id is kept, through REST and through MCP.
    const rest = await getJson(
      s,
      "/api/ip-pools/",
      jsonInit("POST", { name: "c", network: "10.3.0.0/24" }, { "x-request-id": "ticket-42" }),
    );
    assert.equal(rest.status, 201);
    assert.equal(rest.headers.get("x-request-id"), "ticket-42");
    const mcp = await getJson(
      s,
      "/mcp",
      jsonInit(
        "POST",
        [1, 2].map((id) => ({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "allocate-ip", arguments: { poolId: rest.body.id } },
        })),
        { "x-request-id": "change-7" },
      ),
    );
    assert.equal(mcp.status, 200);
    const allocations = await s.testDb.db.query<{ request_id: string }>(
      "SELECT request_id FROM audit_log WHERE action = 'allocate_ip'",
    );
    assert.deepEqual(allocations.map((r) => r.request_id), ["change-7", "change-7"]);
    assert.ok((await auditIds("ip_pool")).includes("ticket-42"));
  } finally {
    await s.close();
  }
});
