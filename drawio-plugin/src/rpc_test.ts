import assert from "node:assert/strict";
import { backoffDelay, ConnectionLostError, RpcConnection, ToolError } from "./rpc.ts";
import { FakeSocket, harness, tick, until } from "./rpc_test_support.ts";

Deno.test("a call made before the socket opens is sent once it opens and resolves with the result", async () => {
  const { conn, sockets } = harness();
  conn.connect();
  const result = conn.tool("list-diagrams", {});
  sockets[0].open();
  await tick();
  assert.equal(sockets[0].sent.length, 1);
  const req = sockets[0].sent[0];
  assert.equal(req.method, "tools/call");
  sockets[0].reply(req.id, { structuredContent: { count: 0 } });
  assert.deepEqual(await result, { count: 0 });
  conn.close();
});

Deno.test("a tool error comes back as a ToolError carrying the ArchiFlow error code", async () => {
  const { conn, sockets } = harness();
  conn.connect();
  sockets[0].open();
  await tick();
  const p = conn.tool("save-diagram", { id: 1 });
  sockets[0].reply(sockets[0].sent[0].id, {
    isError: true,
    structuredContent: { error: { code: "conflict", message: "at version 2" } },
  });
  await assert.rejects(p, (e) => e instanceof ToolError && e.code === "conflict");
  conn.close();
});

Deno.test("a write in flight when the connection drops fails clearly, a read is resent after reconnect", async () => {
  const { conn, sockets } = harness();
  conn.connect();
  sockets[0].open();
  await tick();
  const write = conn.tool("allocate-ip", { poolId: 1 });
  const read = conn.tool("get-ip-pools", {}, { retry: true });
  assert.equal(sockets[0].sent.length, 2);
  sockets[0].drop();
  await assert.rejects(write, (e) => e instanceof ConnectionLostError);
  await until(() => sockets.length === 2);
  sockets[1].open();
  await tick();
  assert.equal(sockets[1].sent.length, 1);
  assert.equal((sockets[1].sent[0].params as { name: string }).name, "get-ip-pools");
  sockets[1].reply(sockets[1].sent[0].id, { structuredContent: { pools: [] } });
  assert.deepEqual(await read, { pools: [] });
  conn.close();
});

Deno.test("calls queued while disconnected wait for the reconnect and open handlers run first", async () => {
  const { conn, sockets } = harness();
  const order: string[] = [];
  conn.onOpen(async () => {
    order.push("subscribe");
    await conn.call("subscribe", {});
  });
  conn.connect();
  sockets[0].open();
  await tick();
  sockets[0].reply(sockets[0].sent[0].id, {});
  await tick();
  sockets[0].drop();
  const p = conn.call("tools/list");
  await until(() => sockets.length === 2);
  sockets[1].open();
  await tick();
  assert.deepEqual(sockets[1].sent.map((m) => m.method), ["subscribe"]);
  sockets[1].reply(sockets[1].sent[0].id, {});
  await until(() => sockets[1].sent.length === 2);
  assert.equal(sockets[1].sent[1].method, "tools/list");
  sockets[1].reply(sockets[1].sent[1].id, { tools: [] });
  assert.deepEqual(await p, { tools: [] });
  assert.deepEqual(order, ["subscribe", "subscribe"]);
  conn.close();
});

Deno.test("notifications reach the handlers and close() rejects what is still pending", async () => {
  const { conn, sockets } = harness();
  const seen: string[] = [];
  conn.onNotification((m) => seen.push(m));
  conn.connect();
  sockets[0].open();
  await tick();
  sockets[0].onmessage?.({
    data: JSON.stringify({ jsonrpc: "2.0", method: "notifications/diagram-changed", params: {} }),
  });
  assert.deepEqual(seen, ["notifications/diagram-changed"]);
  const p = conn.call("tools/list");
  conn.close();
  await assert.rejects(p, /closed/);
});

Deno.test("backoffDelay() doubles up to the maximum with bounded jitter", () => {
  assert.equal(backoffDelay(0, 500, 15000, () => 0.5), 500);
  assert.equal(backoffDelay(3, 500, 15000, () => 0.5), 4000);
  assert.equal(backoffDelay(30, 500, 15000, () => 0.5), 15000);
  assert.equal(backoffDelay(1, 500, 15000, () => 0), 750);
  assert.equal(backoffDelay(1, 500, 15000, () => 1), 1250);
});

Deno.test("an unanswered heartbeat drops the connection and a new one is opened", async () => {
  const sockets: FakeSocket[] = [];
  const conn = new RpcConnection("ws://x/ws", {
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    backoffMs: 1,
    maxBackoffMs: 2,
    heartbeatMs: 5,
    heartbeatTimeoutMs: 5,
  });
  const statuses: string[] = [];
  conn.onStatus((s) => statuses.push(s));
  conn.connect();
  sockets[0].open();
  // An answer proves the key ("open"); then the heartbeat goes unanswered.
  const read = conn.call("tools/list");
  sockets[0].reply(sockets[0].sent[0].id, { tools: [] });
  await read;
  await until(() => sockets[0].sent.some((m) => m.method === "ping"));
  await until(() => sockets.length === 2);
  assert.equal(sockets[0].readyState, 3);
  assert.deepEqual(statuses.slice(0, 3), ["connecting", "open", "connecting"]);
  conn.close();
});

Deno.test("the key goes as a subprotocol, never in the URL, on the first socket and on reconnects", async () => {
  const opened: { url: string; protocols: string[] }[] = [];
  const sockets: FakeSocket[] = [];
  const { promise: protocols, resolve } = Promise.withResolvers<string[]>();
  const conn = new RpcConnection("ws://x/ws", {
    createSocket: (url, p) => {
      opened.push({ url, protocols: p });
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    protocols,
    backoffMs: 1,
    maxBackoffMs: 2,
    heartbeatMs: 60_000,
  });
  conn.connect();
  const result = conn.tool("list-diagrams", {});
  await tick();
  // Until the host page has handed over the key, nothing is opened; calls wait.
  assert.equal(sockets.length, 0);
  assert.equal(conn.status, "connecting");
  resolve(["archiflow", "archiflow.token.af_k"]);
  await until(() => sockets.length === 1);
  sockets[0].open();
  await tick();
  sockets[0].reply(sockets[0].sent[0].id, { structuredContent: { count: 0 } });
  assert.deepEqual(await result, { count: 0 });
  sockets[0].drop();
  await until(() => sockets.length === 2);
  assert.deepEqual(opened, [
    { url: "ws://x/ws", protocols: ["archiflow", "archiflow.token.af_k"] },
    { url: "ws://x/ws", protocols: ["archiflow", "archiflow.token.af_k"] },
  ]);
  conn.close();
});
