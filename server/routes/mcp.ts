// MCP over HTTP (Streamable HTTP transport, JSON responses): POST /mcp carries one JSON-RPC
// message or a batch and gets the response as application/json, through the same dispatch and
// tools as the WebSocket. Sessions are optional: initialize returns an Mcp-Session-Id that
// clients may send back; nothing depends on it, so any server process can answer any request.
import type { Hono } from "hono";
import type { AppDeps, Env } from "../app.ts";
import { dispatch } from "../rpc/dispatch.ts";
import type { ResponseGate } from "../rpc/response_gate.ts";

export function mountMcp(app: Hono<Env>, deps: AppDeps, responses: ResponseGate): void {
  app.post("/mcp", async (c) => {
    // The app's body limit has already refused a body over ARCHIFLOW_MAX_MESSAGE_BYTES.
    const text = await c.req.text();
    const actor = c.get("actor");
    const admit = c.get("admit");
    const requestId = c.get("requestId");
    const reply = await dispatch(text, {
      registry: deps.registry,
      context: () => ({
        db: deps.db,
        config: deps.config,
        events: deps.events,
        log: deps.log,
        actor: { ...actor, requestId },
        admit,
      }),
      onInternalError: (err, method) =>
        deps.log.error("internal error", { method, transport: "mcp", error: String(err) }),
      responses,
    });
    // Only notifications or responses: 202 with no body, as the transport specifies.
    if (reply === null) return c.body(null, 202);
    if (/"method"\s*:\s*"initialize"/.test(text) && !c.req.header("mcp-session-id")) {
      c.header("Mcp-Session-Id", crypto.randomUUID());
    }
    // A body that is not JSON-RPC requests at all (or a batch refused whole) is a 400, with the
    // JSON-RPC error as its body; the errors of single calls come in a 200's body.
    return c.body(reply.text, reply.refused ? 400 : 200, { "Content-Type": "application/json" });
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
