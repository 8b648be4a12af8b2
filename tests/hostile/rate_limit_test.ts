// Attack class: spending more than a rate limit allows by moving to another transport (an
// already open WebSocket after REST answers 429), by packing calls into one JSON-RPC batch over
// POST /mcp, or by hammering the webhook, which takes no token.
import assert from "node:assert/strict";
import { ToolCallError } from "../support/rpc_client.ts";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

const LIMIT = 30;

Deno.test(
  "tool calls count against the token's limit on every transport",
  hostileOpts,
  async () => {
    const server = await startHostileServer({
      env: { ARCHIFLOW_RATE_LIMIT_PER_TOKEN: String(LIMIT) },
      tokens: [{ scope: "read", user: "rest-then-socket" }, { scope: "read", user: "batcher" }],
    });
    try {
      const [key, batchKey] = server.keys;
      // The socket is opened while the token still has budget, as a client would keep it open.
      const socket = await server.client(key);
      let rest = 0;
      let refused: Response | null = null;
      while (rest < 10 * LIMIT) {
        const res = await server.fetch("/api/ip-pools/", {
          headers: { authorization: `Token ${key}` },
        });
        rest++;
        if (res.status === 429) {
          refused = res;
          break;
        }
        await res.body?.cancel();
      }
      assert.ok(refused, `REST was never refused after ${rest} requests`);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      const restBody = await refused.json();
      // The contract's code for "not now", with why in the details.
      assert.equal(restBody.code, "unavailable");
      assert.equal(restBody.details.reason, "rate_limited");
      assert.match(restBody.detail, /ARCHIFLOW_RATE_LIMIT_PER_TOKEN/);

      // Once REST is refused, the open socket must be refused too (the bucket refills at
      // LIMIT per minute, so a call or two may pass while the loop runs).
      let socketOk = 0;
      const socketErrors: string[] = [];
      for (let i = 0; i < 200; i++) {
        try {
          await socket.tool("get-ip-pools", {});
          socketOk++;
        } catch (err) {
          if (!(err instanceof ToolCallError)) throw err;
          if (!socketErrors.length) {
            assert.ok((err.details as { retryAfter?: number }).retryAfter! >= 1);
            assert.match(err.message, /ARCHIFLOW_RATE_LIMIT_PER_TOKEN/);
          }
          socketErrors.push(`${err.code}/${(err.details as { reason?: string }).reason}`);
        }
      }
      console.log(`hostile: after REST's 429, ${socketOk} of 200 socket calls succeeded`);
      assert.ok(socketOk < 10, `${socketOk} socket calls succeeded after REST's 429`);
      assert.deepEqual([...new Set(socketErrors)], ["unavailable/rate_limited"]);
      await socket.close();

      // A batch of more calls than the limit: the calls over it are refused one by one.
      const calls = LIMIT + 20;
      const batch = Array.from({ length: calls }, (_, i) => ({
        jsonrpc: "2.0",
        id: i + 1,
        method: "tools/call",
        params: { name: "get-ip-pools", arguments: {} },
      }));
      const res = await server.fetch("/mcp", {
        method: "POST",
        headers: {
          authorization: `Token ${batchKey}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify(batch),
      });
      const replies = await res.json() as {
        result?: {
          isError?: boolean;
          structuredContent?: { error?: { code: string; details?: { reason?: string } } };
        };
        error?: { code: number; message: string };
      }[];
      assert.ok(Array.isArray(replies), JSON.stringify(replies).slice(0, 300));
      const limited = replies.filter((r) =>
        r.result?.isError && r.result.structuredContent?.error?.details?.reason === "rate_limited"
      ).length;
      const ok = replies.filter((r) =>
        r.result && !r.result.isError
      ).length;
      console.log(
        `hostile: a batch of ${calls} calls: ${ok} ran, ${limited} refused as rate_limited`,
      );
      assert.ok(ok <= LIMIT, `${ok} calls of the batch ran`);
      assert.ok(limited >= calls - LIMIT, `only ${limited} calls of the batch were refused`);
      await assertStillServing(server, "rate limit across transports");
    } finally {
      await server.close();
    }
  },
);

Deno.test("the webhook is limited per address", hostileOpts, async () => {
  const server = await startHostileServer({
    env: { NETBOX_WEBHOOK_SECRET: "webhook-secret", ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS: "20" },
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${server.url}/api/netbox/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hook-signature": "00" },
        body: '{"event":"updated"}',
      });
      statuses.push(res.status);
      if (res.status === 429) {
        assert.ok(Number(res.headers.get("retry-after")) >= 1);
        assert.match((await res.json()).detail, /ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS/);
        break;
      }
      await res.body?.cancel();
    }
    console.log(`hostile: webhook answered ${statuses.length - 1} times before 429`);
    assert.equal(statuses.at(-1), 429, `no 429 in ${statuses.length} webhook posts`);
    assert.ok(statuses.length <= 22, `429 came after ${statuses.length} posts`);
    await assertStillServing(server, "webhook flood");
  } finally {
    await server.close();
  }
});
