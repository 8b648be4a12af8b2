// MCP over HTTP (Streamable HTTP transport, JSON responses): POST /mcp carries one JSON-RPC
// message or a batch and gets the response as application/json, through the same dispatch and
// tools as the WebSocket. Sessions are optional: initialize returns an Mcp-Session-Id that
// clients may send back; nothing depends on it, so any server process can answer any request.
import type { Hono } from "hono";
import type { AppDeps, Env } from "../app.ts";
import { dispatchText } from "../rpc/dispatch.ts";

export function mountMcp(app: Hono<Env>, deps: AppDeps): void {
  app.post("/mcp", async (c) => {
    const max = deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES;
    const tooLarge = () =>
      c.json({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: `Invalid Request: message exceeds ${max} bytes` },
      }, 413);
    // The declared length is checked first, so an oversized body is never read into memory.
    if (Number(c.req.header("content-length") ?? 0) > max) return tooLarge();
    const text = await c.req.text();
    if (text.length > max) return tooLarge();
    const actor = c.get("actor");
    let seq = 0;
    const base = crypto.randomUUID().slice(0, 8);
    const reply = await dispatchText(text, {
      registry: deps.registry,
      context: () => ({
        db: deps.db,
        config: deps.config,
        events: deps.events,
        log: deps.log,
        actor: { ...actor, requestId: `mcp-${base}-${++seq}` },
      }),
      onInternalError: (err, method) =>
        deps.log.error("internal error", { method, transport: "mcp", error: String(err) }),
    });
    // Only notifications or responses: 202 with no body, as the transport specifies.
    if (reply === null) return c.body(null, 202);
    // A body that is not a JSON-RPC message at all is a 400, with the JSON-RPC error as its body.
    const notRpc = reply.startsWith('{"jsonrpc"') &&
      [-32700, -32600].includes(
        (JSON.parse(reply) as { error?: { code?: number } }).error?.code ?? 0,
      );
    if (/"method"\s*:\s*"initialize"/.test(text) && !c.req.header("mcp-session-id")) {
      c.header("Mcp-Session-Id", crypto.randomUUID());
    }
    return c.body(reply, notRpc ? 400 : 200, { "Content-Type": "application/json" });
  });
  // No server-initiated stream on this transport; clients fall back to POST only.
  app.get(
    "/mcp",
    (c) =>
      c.json(
        { detail: "GET /mcp streams are not offered; POST JSON-RPC messages", code: "invalid" },
        405,
        {
          Allow: "POST, DELETE",
        },
      ),
  );
  app.delete("/mcp", (c) => c.body(null, 204));
}
