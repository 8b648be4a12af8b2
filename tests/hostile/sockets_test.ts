// Attacks on WebSocket resources: more sockets than a client may hold, a frame that announces
// more than it sends and then stalls, a message whose UTF-8 bytes pass the limit while its UTF-16
// length does not, and upgrades the server cannot complete.
import assert from "node:assert/strict";
import type { RpcClient } from "../support/rpc_client.ts";
import { assertStillServing, hostileOpts, startHostileServer, within } from "./support.ts";
import { frameHeader, rawRequest, rawUpgrade, untilClosed, writeAll } from "./ws_raw.ts";

async function rssBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

Deno.test(
  "sockets over ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS are closed with 1008 naming it; the rest keep working",
  hostileOpts,
  async () => {
    const server = await startHostileServer({ env: { ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS: "8" } });
    const clients: RpcClient[] = [];
    try {
      // A flood of 40 at once, as one client address.
      const opened = await Promise.allSettled(
        Array.from({ length: 40 }, () => server.client()),
      );
      for (const o of opened) if (o.status === "fulfilled") clients.push(o.value);
      const refused: CloseEvent[] = [];
      const kept: RpcClient[] = [];
      await Promise.all(clients.map(async (c) => {
        // A refused socket opens and is closed at once; the ping fails when the close arrives.
        const reply = await c.request("ping");
        if (reply.error) refused.push(await c.closed);
        else kept.push(c);
      }));
      console.log(
        `hostile: 40 sockets from one address: ${kept.length} kept, ${refused.length} closed`,
      );
      assert.equal(kept.length, 8);
      assert.equal(refused.length, 32);
      for (const e of refused) {
        assert.equal(e.code, 1008);
        assert.match(e.reason, /ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS=8/);
      }
      for (const c of kept) assert.deepEqual(await c.call("ping"), {});
      // A closed socket gives its slot back.
      await kept[0].close();
      const again = await server.client();
      clients.push(again);
      assert.deepEqual(await again.call("ping"), {});
      await assertStillServing(server, "40 sockets from one address");
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  },
);

Deno.test(
  "sockets over the per-token cap get 1008, over the total cap 1013, each naming its setting",
  hostileOpts,
  async () => {
    const server = await startHostileServer({
      env: { ARCHIFLOW_MAX_SOCKETS_PER_TOKEN: "3", ARCHIFLOW_MAX_SOCKETS: "5" },
      tokens: [{ scope: "read" }],
    });
    const clients: RpcClient[] = [];
    const open = async (key?: string) => {
      const c = await server.client(key);
      clients.push(c);
      return c;
    };
    try {
      const reader = server.keys[0];
      for (let i = 0; i < 3; i++) assert.deepEqual(await (await open(reader)).call("ping"), {});
      const stayed = "a socket over the cap stayed open";
      const overToken = await within((await open(reader)).closed, 10_000, stayed);
      assert.equal(overToken.code, 1008);
      assert.match(overToken.reason, /ARCHIFLOW_MAX_SOCKETS_PER_TOKEN=3/);
      // Another token is not held to the first one's cap, until the server is full.
      assert.deepEqual(await (await open()).call("ping"), {});
      assert.deepEqual(await (await open()).call("ping"), {});
      const overTotal = await within((await open()).closed, 10_000, stayed);
      assert.equal(overTotal.code, 1013);
      assert.match(overTotal.reason, /ARCHIFLOW_MAX_SOCKETS=5/);
      await assertStillServing(server, "sockets over the token and total caps");
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  },
);

Deno.test(
  "a stalled partial frame is dropped after ARCHIFLOW_WS_IDLE_SECONDS",
  hostileOpts,
  async () => {
    const idle = 5;
    const server = await startHostileServer({ env: { ARCHIFLOW_WS_IDLE_SECONDS: String(idle) } });
    const conns: Deno.TcpConn[] = [];
    try {
      const before = await rssBytes(server.pid);
      const tenMb = new Uint8Array(10 * 2 ** 20).fill(0x41);
      for (let i = 0; i < 8; i++) {
        const conn = await rawUpgrade(server.url, server.adminKey);
        conns.push(conn);
        // Announce 50 MB, send 10 MB, then nothing: the frame never completes.
        await writeAll(conn, frameHeader(50 * 2 ** 20));
        await writeAll(conn, tenMb);
      }
      const held = await rssBytes(server.pid);
      const started = performance.now();
      await within(
        Promise.all(conns.map(untilClosed)),
        idle * 4 * 1000,
        `the server still held 8 partial frames ${idle * 4} s after they stalled`,
      );
      const after = await rssBytes(server.pid);
      console.log(
        `hostile: 8 stalled 50 MB frames: dropped after ${
          Math.round(performance.now() - started)
        } ms; ` +
          `memory ${Math.round(before / 2 ** 20)} MB before, ${Math.round(held / 2 ** 20)} MB ` +
          `held, ${Math.round(after / 2 ** 20)} MB after`,
      );
      await assertStillServing(server, "8 stalled partial frames");
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the server */ }
      }
      await server.close();
    }
  },
);

Deno.test(
  "a message over ARCHIFLOW_MAX_MESSAGE_BYTES in UTF-8 bytes is refused, one under it is not",
  hostileOpts,
  async () => {
    const limit = 2 ** 20;
    const server = await startHostileServer({
      env: { ARCHIFLOW_MAX_MESSAGE_BYTES: String(limit) },
    });
    let client: RpcClient | null = null;
    try {
      client = await server.client();
      const message = (text: string) =>
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "list-diagrams", arguments: { search: text } },
        });
      // 400,000 three-byte characters: 1.2 MB of UTF-8 in 400,000 UTF-16 units.
      const over = message("€".repeat(400_000));
      assert.ok(over.length < limit);
      const refused = JSON.parse(await client.sendRaw(over));
      assert.equal(refused.error?.code, -32600, JSON.stringify(refused).slice(0, 300));
      assert.match(refused.error.message, /ARCHIFLOW_MAX_MESSAGE_BYTES/);
      // 200,000 of them and 400,000 ASCII letters: 1,000,000 bytes, counted exactly.
      const under = message("€".repeat(200_000) + "a".repeat(400_000));
      const answered = JSON.parse(await client.sendRaw(under));
      assert.notEqual(answered.error?.code, -32600);
      assert.deepEqual(await client.call("ping"), {});
      await assertStillServing(server, "multi-byte message over the byte limit");
    } finally {
      await client?.close();
      await server.close();
    }
  },
);

Deno.test(
  "an authenticated upgrade without Sec-WebSocket-Key or with another version gets 400",
  hostileOpts,
  async () => {
    const server = await startHostileServer();
    try {
      const host = new URL(server.url).host;
      const head = (extra: string) =>
        `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Authorization: Token ${server.adminKey}\r\n${extra}\r\n`;
      for (
        const extra of [
          "Sec-WebSocket-Version: 13\r\n",
          `Sec-WebSocket-Key: ${btoa("0123456789abcdef")}\r\nSec-WebSocket-Version: 8\r\n`,
        ]
      ) {
        const { conn, status, text } = await rawRequest(server.url, head(extra));
        conn.close();
        assert.equal(status, 400, text.split("\r\n")[0]);
        assert.match(text, /Sec-WebSocket-Key header and Sec-WebSocket-Version: 13/);
      }
      const logged = server.lines.filter((l) => /"level":"error"/.test(l));
      assert.deepEqual(logged, []);
      await assertStillServing(server, "upgrades without a key");
    } finally {
      await server.close();
    }
  },
);
