// JSON-RPC 2.0 and MCP over a real WebSocket: requests, notifications, batches, every error code.
import assert from "node:assert/strict";
import { withServer, wsProtocols } from "./support/server.ts";
import { RpcClient } from "./support/rpc_client.ts";

Deno.test("the server speaks JSON-RPC and MCP on / and /ws", async () => {
  await withServer(async (s, c) => {
    const init = await c.call("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "test", version: "1" },
    }) as Record<string, unknown>;
    assert.equal(init.protocolVersion, "2025-06-18");
    assert.deepEqual((init.serverInfo as { name: string }).name, "archiflow");
    assert.ok((init.capabilities as Record<string, unknown>).tools);
    c.sendNotification("notifications/initialized");
    assert.deepEqual(await c.call("ping"), {});

    const root = await RpcClient.connect(
      s.wsUrl.replace(/\/ws$/, "/"),
      wsProtocols(s.adminKey),
    );
    assert.deepEqual(await root.call("ping"), {});
    await root.close();
  });
});

Deno.test("tools/list gives every tool a JSON Schema made from its zod schema", async () => {
  await withServer(async (_s, c) => {
    const { tools } = await c.call("tools/list") as {
      tools: { name: string; description: string; inputSchema: Record<string, unknown> }[];
    };
    const names = tools.map((t) => t.name);
    for (
      const name of [
        "get-ip-pools",
        "create-ip-pool",
        "allocate-ip",
        "release-ip",
        "get-devices",
        "save-device",
      ]
    ) assert.ok(names.includes(name), `${name} is listed`);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, "object", `${t.name} has an object schema`);
      assert.ok(t.description.length > 10);
    }
    const allocate = tools.find((t) => t.name === "allocate-ip")!;
    const props = allocate.inputSchema.properties as Record<string, unknown>;
    for (const arg of ["assetId", "deviceName", "deviceType", "poolId"]) {
      assert.ok(arg in props, `allocate-ip keeps the argument ${arg}`);
    }
    assert.deepEqual(allocate.inputSchema.required, ["poolId"]);
  });
});

Deno.test("malformed JSON gets -32700 and the connection stays usable", async () => {
  await withServer(async (_s, c) => {
    const reply = JSON.parse(await c.sendRaw('{"jsonrpc":"2.0","id":1,"method":'));
    assert.equal(reply.error.code, -32700);
    assert.equal(reply.id, null);
    assert.deepEqual(await c.call("ping"), {});
  });
});

Deno.test("invalid requests get -32600 with the id when it can be read", async () => {
  await withServer(async (_s, c) => {
    const cases: [string, number | null][] = [
      ['{"id":7,"method":"ping"}', 7], // no jsonrpc member
      ['{"jsonrpc":"1.0","id":8,"method":"ping"}', 8],
      ['{"jsonrpc":"2.0","id":9,"method":42}', 9],
      ['{"jsonrpc":"2.0","id":10,"method":"ping","params":"x"}', 10],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', null],
      ["42", null],
      ["[]", null],
    ];
    for (const [text, id] of cases) {
      const reply = JSON.parse(await c.sendRaw(text));
      assert.equal(reply.error.code, -32600, text);
      assert.equal(reply.id, id, text);
    }
  });
});

Deno.test("unknown methods get -32601 and unknown tools -32602 naming them", async () => {
  await withServer(async (_s, c) => {
    const m = await c.request("no/such-method");
    assert.equal((m.error as { code: number }).code, -32601);
    assert.match((m.error as { message: string }).message, /no\/such-method/);
    const t = await c.request("tools/call", { name: "no-such-tool", arguments: {} });
    assert.equal((t.error as { code: number }).code, -32602);
    assert.match((t.error as { message: string }).message, /no-such-tool/);
  });
});

Deno.test("wrong argument types and missing fields get -32602 naming the field", async () => {
  await withServer(async (_s, c) => {
    // Pool ids are text ("pool-1"): not an object or a boolean, and not empty or padded.
    for (const poolId of [true, { id: 1 }, "", " pool-1", "pool\u00001"]) {
      const wrong = await c.request("tools/call", { name: "allocate-ip", arguments: { poolId } });
      const e1 = wrong.error as { code: number; data: { issues: { path: string }[] } };
      assert.equal(e1.code, -32602, JSON.stringify(poolId));
      assert.deepEqual(e1.data.issues.map((i) => i.path), ["poolId"]);
    }

    const missing = await c.request("tools/call", { name: "save-device", arguments: {} });
    const e2 = missing.error as { code: number; data: { issues: { path: string }[] } };
    assert.equal(e2.code, -32602);
    assert.deepEqual(e2.data.issues.map((i) => i.path).sort(), ["assetId", "deviceName"]);

    const unknownArg = await c.request("tools/call", {
      name: "get-ip-pools",
      arguments: { bogus: 1 },
    });
    assert.equal((unknownArg.error as { code: number }).code, -32602);

    const arrayParams = await c.request("tools/call", ["get-ip-pools"]);
    assert.equal((arrayParams.error as { code: number }).code, -32602);
  });
});

Deno.test("an unexpected failure inside a method gets -32603 without internals", async () => {
  await withServer(async (s, c) => {
    // Break the database under the server: with its schema gone, get-ip-pools fails unexpectedly.
    await s.db.exec("ALTER SCHEMA archiflow RENAME TO archiflow_gone");
    const reply = await c.call("tools/call", { name: "get-ip-pools", arguments: {} }) as {
      isError: boolean;
      structuredContent: { error: { code: string; message: string } };
    };
    assert.equal(reply.isError, true);
    assert.equal(reply.structuredContent.error.code, "internal");
    assert.equal(reply.structuredContent.error.message, "Internal error");
  });
});

Deno.test("subscribe with an unknown topic gets -32602 naming the topic", async () => {
  await withServer(async (_s, c) => {
    const sub = await c.request("subscribe", { topics: ["pools", "weather"] });
    const error = sub.error as { code: number; message: string; data: Record<string, unknown> };
    assert.equal(error.code, -32602);
    assert.match(error.message, /unknown topic "weather"/);
    assert.equal(error.data.topic, "weather");
    assert.deepEqual(error.data.topics, ["diagrams", "pools", "alerts", "devices"]);
    const notAList = await c.request("subscribe", { topics: "pools" });
    assert.equal((notAList.error as { code: number }).code, -32602);
    // The refused subscribe added nothing: "pools" is not subscribed by the call above.
    assert.deepEqual(await c.call("subscribe", { topics: ["alerts"] }), { topics: ["alerts"] });
  });
});

Deno.test(
  "notifications name pools, diagrams and devices by text id, and subscriptions filter by them",
  async () => {
    await withServer(async (s, c) => {
      const watcher = await s.client();
      assert.deepEqual(
        await watcher.call("subscribe", {
          topics: ["pools", "diagrams", "devices"],
          poolIds: ["pool-1"],
          // A number is the id written as text: diagram "42".
          diagramIds: ["diagram-1", 42],
          assetIds: ["sw-1"],
        }),
        { topics: ["pools", "diagrams", "devices"] },
      );
      await c.tool("create-ip-pool", { id: "pool-2", name: "other", network: "10.2.0.0/24" });
      await c.tool("create-ip-pool", { id: "pool-1", name: "mine", network: "10.1.0.0/24" });
      const xml =
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/></root></mxGraphModel>';
      await c.tool("save-diagram", { id: "diagram-2", name: "other", xml });
      await c.tool("save-diagram", { id: "diagram-1", name: "mine", xml });
      await c.tool("save-diagram", { id: "42", name: "answer", xml });
      await c.tool("save-device", { assetId: "sw-2", deviceName: "other" });
      await c.tool("save-device", { assetId: "sw-1", deviceName: "mine" });
      // Events arrive in commit order: once the last one is in, every earlier one is too.
      await watcher.waitForNotification((n) =>
        n.method === "notifications/device-changed" &&
        (n.params as { assetId: string }).assetId === "sw-1"
      );
      const seen = watcher.notifications.map((n) => {
        const p = n.params as Record<string, unknown>;
        return `${n.method} ${p.poolId ?? p.diagramId ?? p.assetId}`;
      });
      assert.deepEqual([...new Set(seen)], [
        "notifications/pool-changed pool-1",
        "notifications/diagram-changed diagram-1",
        "notifications/diagram-changed 42",
        "notifications/device-changed sw-1",
      ]);
      const diagram = watcher.notifications.find((n) =>
        n.method === "notifications/diagram-changed"
      )!;
      assert.equal((diagram.params as { diagramId: unknown }).diagramId, "diagram-1");
    });
  },
);

Deno.test("batches answer every request, skip notifications, and mix errors", async () => {
  await withServer(async (_s, c) => {
    const reply = JSON.parse(
      await c.sendRaw(JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "ping" },
        { jsonrpc: "2.0", method: "ping" },
        { jsonrpc: "2.0", id: "b", method: "nope" },
        1,
        { jsonrpc: "2.0", id: "c", method: "tools/call", params: { name: "get-ip-pools" } },
      ])),
    ) as { id: string | null; result?: unknown; error?: { code: number } }[];
    assert.equal(reply.length, 4);
    const byId = new Map(reply.map((r) => [r.id, r]));
    assert.deepEqual(byId.get("a")!.result, {});
    assert.equal(byId.get("b")!.error!.code, -32601);
    assert.equal(byId.get(null)!.error!.code, -32600);
    assert.ok(byId.get("c")!.result);

    // Notifications, alone or as a whole batch, get no reply: the next reply is the ping's.
    c.sendNotification("ping");
    c.sendText(
      JSON.stringify([{ jsonrpc: "2.0", method: "ping" }, { jsonrpc: "2.0", method: "x" }]),
    );
    const next = JSON.parse(
      await c.sendRaw(JSON.stringify({ jsonrpc: "2.0", id: "after", method: "ping" })),
    );
    assert.equal(next.id, "after");
  });
});

Deno.test(
  "oversized messages get -32600 naming the limit; the connection survives",
  async () => {
    await withServer(async (_s, c) => {
      const big = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "save-device", arguments: { assetId: "x".repeat(5000), deviceName: "d" } },
      });
      const reply = JSON.parse(await c.sendRaw(big));
      assert.equal(reply.error.code, -32600);
      assert.match(reply.error.message, /exceeds the limit of 4096 bytes/);
      assert.deepEqual(await c.call("ping"), {});
    }, { ARCHIFLOW_MAX_MESSAGE_BYTES: "4096" });
  },
);

Deno.test("GET /health reports the backend and schema version", async () => {
  await withServer(async (s) => {
    const res = await fetch(`${s.url}/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.database.backend, s.db.kind);
    assert.ok(body.database.schema_version >= 1);
  });
});
