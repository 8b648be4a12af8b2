// RpcConnection moving to a fresh key, a refused key, and the reconnect backoff.
import assert from "node:assert/strict";
import { closeKind, RefusedError, RpcConnection } from "./rpc.ts";
import { FakeSocket, renewHarness, tick, timedHarness, until } from "./rpc_test_support.ts";

Deno.test("renew() moves an open connection to the new key without leaving 'open'", async () => {
  const { conn, opened, statuses } = renewHarness();
  const subscribed: number[] = [];
  conn.onOpen(() => void subscribed.push(opened.length));
  conn.connect();
  const old = opened[0].socket;
  old.open();
  await tick();
  const write = conn.tool("save-diagram", { id: 1 });
  conn.renew(["archiflow", "archiflow.token.new"]);
  assert.deepEqual(opened[1].protocols, ["archiflow", "archiflow.token.new"]);
  const next = opened[1].socket;
  next.open();
  // The server accepts a refused key and closes at once: only an answer proves the key works.
  assert.equal(next.sent[0].method, "ping");
  next.reply(next.sent[0].id, {});
  await tick();
  assert.deepEqual(subscribed, [1, 2], "open handlers run again on the new socket");
  const read = conn.tool("list-diagrams", {});
  assert.equal(next.sent.at(-1)!.method, "tools/call", "new calls go on the new socket");
  // The old socket stays until the write sent on it is answered, then is closed.
  assert.equal(old.readyState, 1);
  old.reply(old.sent[0].id, { structuredContent: { version: 2 } });
  assert.deepEqual(await write, { version: 2 });
  assert.equal(old.readyState, 3);
  next.reply(next.sent.at(-1)!.id, { structuredContent: { count: 0 } });
  assert.deepEqual(await read, { count: 0 });
  assert.deepEqual(statuses, ["connecting", "open"]);
  assert.equal(opened.length, 2);
  conn.close();
});

Deno.test("renew() keeps the old socket when the new key is refused, and uses the new key next", async () => {
  const { conn, opened, statuses } = renewHarness();
  conn.connect();
  opened[0].socket.open();
  const first = conn.call("tools/list");
  opened[0].socket.reply(opened[0].socket.sent[0].id, { tools: [] });
  await first;
  conn.renew(["archiflow", "archiflow.token.bad"]);
  opened[1].socket.open();
  opened[1].socket.drop();
  await tick();
  const read = conn.tool("list-diagrams", {}, { retry: true });
  assert.equal(opened[0].socket.sent.at(-1)!.method, "tools/call");
  opened[0].socket.drop();
  await until(() => opened.length === 3);
  assert.deepEqual(opened[2].protocols, ["archiflow", "archiflow.token.bad"]);
  opened[2].socket.open();
  await tick();
  opened[2].socket.reply(opened[2].socket.sent[0].id, { structuredContent: { count: 1 } });
  assert.deepEqual(await read, { count: 1 });
  assert.deepEqual(statuses, ["connecting", "open", "connecting", "open"]);
  conn.close();
});

Deno.test("renew() while waiting to reconnect tries the new key at once", async () => {
  const opened: { protocols: string[]; socket: FakeSocket }[] = [];
  // A long backoff: only renew() can make the next attempt happen within this test.
  const slow = new RpcConnection("ws://x/ws", {
    createSocket: (_url, protocols) => {
      const socket = new FakeSocket();
      opened.push({ protocols, socket });
      return socket;
    },
    protocols: ["archiflow", "archiflow.token.expired"],
    backoffMs: 60_000,
    maxBackoffMs: 60_000,
    heartbeatMs: 60_000,
  });
  slow.connect();
  opened[0].socket.drop();
  assert.equal(opened.length, 1);
  slow.renew(["archiflow", "archiflow.token.fresh"]);
  assert.equal(opened.length, 2);
  assert.deepEqual(opened[1].protocols, ["archiflow", "archiflow.token.fresh"]);
  opened[1].socket.open();
  const read = slow.call("tools/list");
  opened[1].socket.reply(opened[1].socket.sent[0].id, { tools: [] });
  await read;
  assert.equal(slow.status, "open");
  slow.close();
});

Deno.test("closeKind() tells a refused key from what a retry may get past", () => {
  assert.equal(closeKind({ code: 1008, reason: "Invalid or expired editor token" }), "refused");
  assert.equal(closeKind({ code: 1008, reason: "Authentication required: send ..." }), "refused");
  assert.equal(closeKind({ code: 1008, reason: "" }), "refused");
  assert.equal(
    closeKind({ code: 1008, reason: "Too many open WebSockets for this token (X=5)" }),
    "retry",
  );
  for (const code of [1000, 1001, 1006, 1011, 1013, 4000]) {
    assert.equal(closeKind({ code, reason: "" }), "retry", String(code));
  }
});

Deno.test("a key refused with 1008 stops the reconnecting and fails waiting calls with the reason", async () => {
  const { conn, sockets, scheduled } = timedHarness();
  const statuses: string[] = [];
  conn.onStatus((s) => statuses.push(s));
  conn.connect();
  const waiting = conn.tool("get-devices", {}, { retry: true });
  // As ArchiFlow does: the upgrade is accepted, then closed at once with the reason.
  sockets[0].open();
  await tick();
  sockets[0].drop(1008, "Invalid, revoked or expired API token");
  await assert.rejects(
    waiting,
    (e) => e instanceof RefusedError && /Invalid, revoked or expired API token/.test(e.message),
  );
  assert.equal(conn.status, "refused");
  assert.deepEqual(conn.lastClose, { code: 1008, reason: "Invalid, revoked or expired API token" });
  assert.equal(scheduled(), false, "a reconnect is scheduled after the key was refused");
  assert.equal(conn.nextRetryAt, null);
  assert.equal(sockets.length, 1);
  assert.deepEqual(statuses, ["connecting", "refused"], "the refused socket was called open");
  await assert.rejects(conn.call("ping"), RefusedError);
  conn.close();
});

Deno.test("after a refusal, a new key or retryNow() connects again", async () => {
  const { conn, sockets } = timedHarness({ protocols: ["archiflow", "archiflow.token.old"] });
  conn.connect();
  sockets[0].drop(1008, "Token expired");
  assert.equal(conn.status, "refused");
  conn.renew(["archiflow", "archiflow.token.new"]);
  assert.equal(sockets.length, 2);
  assert.equal(conn.status, "connecting");
  sockets[1].open();
  const read = conn.tool("list-diagrams", {});
  await tick();
  sockets[1].reply(sockets[1].sent[0].id, { structuredContent: { count: 3 } });
  assert.deepEqual(await read, { count: 3 });
  sockets[1].drop(1008, "Token expired");
  conn.retryNow();
  assert.equal(sockets.length, 3);
  conn.close();
});

Deno.test("a socket cap (1008 'Too many ...') and a network failure are retried with backoff", () => {
  const { conn, sockets, delays, fire } = timedHarness();
  conn.connect();
  sockets[0].drop(1008, "Too many open WebSockets from this address (X=20)");
  assert.equal(conn.status, "connecting");
  fire();
  sockets[1].drop();
  fire();
  sockets[2].drop(1013, "Server has too many open WebSockets, retry later");
  assert.deepEqual(delays, [500, 1000, 2000]);
  conn.close();
});

Deno.test("the backoff grows while sockets open and drop, and starts over only after one stayed up", async () => {
  const { conn, sockets, delays, fire, t } = timedHarness();
  conn.connect();
  // Opened and dropped at once, over and over: the delays double up to the cap.
  for (let i = 0; i < 8; i++) {
    sockets[i].open();
    await tick();
    sockets[i].drop(1001, "going away");
    fire();
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  // Answered but dropped before it was stable: still backing off.
  const s = sockets[8];
  s.open();
  await tick();
  conn.call("ping").catch(() => {});
  s.reply(s.sent.at(-1)!.id, {});
  t.clock += 2_000;
  s.drop();
  assert.equal(delays.at(-1), 15000);
  fire();
  // Answered and up for longer than stableMs: the next wait is the first one again.
  const up = sockets[9];
  up.open();
  await tick();
  conn.call("ping").catch(() => {});
  up.reply(up.sent.at(-1)!.id, {});
  t.clock += 10_000;
  up.drop();
  assert.equal(delays.at(-1), 500);
  assert.equal(conn.nextRetryAt, t.clock + 500);
  conn.close();
});

Deno.test("retryNow() skips the wait of a pending reconnect", () => {
  const { conn, sockets, scheduled } = timedHarness();
  conn.connect();
  sockets[0].drop();
  assert.equal(scheduled(), true);
  conn.retryNow();
  assert.equal(scheduled(), false);
  assert.equal(sockets.length, 2);
  // Nothing to skip while a socket is being opened.
  conn.retryNow();
  assert.equal(sockets.length, 2);
  conn.close();
});
