// MCP over HTTP (Streamable HTTP transport, JSON responses): POST /mcp carries one JSON-RPC
// message or a batch and gets the response as application/json, through the same dispatch and
// tools as the WebSocket. Sessions are optional: initialize returns an Mcp-Session-Id that
// clients may send back; nothing depends on it, so any server process can answer any request.
import { Hono } from "hono";
import { AppError } from "../errors.ts";
import { dispatch } from "../rpc/dispatch.ts";
import type { ResponseGate } from "../rpc/response_gate.ts";
import { toolContext } from "./context.ts";
import type { Env, RouteDeps } from "./env.ts";

export function mcpRoutes(deps: RouteDeps, responses: ResponseGate): Hono<Env> {
  const app = new Hono<Env>();
  app.post("/mcp", async (c) => {
    // The app's body limit has already refused a body over ARCHIFLOW_MAX_MESSAGE_BYTES.
    const text = await c.req.text();
    const reply = await dispatch(text, {
      registry: deps.registry,
      context: () => toolContext(c, deps),
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
  app.get("/mcp", () => {
    throw new AppError(
      "invalid",
      "GET /mcp streams are not offered; POST JSON-RPC messages",
      { reason: "method_not_allowed" },
      { status: 405, headers: { Allow: "POST, DELETE" } },
    );
  });
  app.delete("/mcp", (c) => c.body(null, 204));
  return app;
}
