// GET / and /ws: JSON-RPC over a WebSocket (rpc/socket.ts serves the connection). Here the
// upgrade is admitted: the credential is checked again through the app's authenticator (and
// keeps being checked while the socket is open), and the socket takes a slot per token, per
// address and in all; each message calls tools with the request's tool context and its own id.
import { type Context, Hono } from "hono";
import type { Authenticator } from "../auth/credentials.ts";
import { credentialFromRequest } from "../auth/credentials.ts";
import { toAppError } from "../errors.ts";
import type { AppMetrics } from "../ops/app_metrics.ts";
import type { ResponseGate } from "../rpc/response_gate.ts";
import { closeAtOnce, serveWebSocket } from "../rpc/socket.ts";
import { SocketSlots } from "../rpc/socket_limits.ts";
import { chosenProtocol } from "./access.ts";
import { toolContext } from "./context.ts";
import type { AppState, Env, RouteDeps } from "./env.ts";

export interface WebSocketRouteOptions {
  authenticator: Authenticator;
  /** The process's gate for large responses, shared with POST /mcp. */
  responses: ResponseGate;
  metrics: AppMetrics;
  state: AppState;
}

export function websocketRoutes(deps: RouteDeps, options: WebSocketRouteOptions): Hono<Env> {
  const app = new Hono<Env>();
  const { authenticator, responses, metrics, state } = options;
  const sockets = new SocketSlots({
    perOwner: deps.config.ARCHIFLOW_MAX_SOCKETS_PER_TOKEN,
    perAddress: deps.config.ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS,
    total: deps.config.ARCHIFLOW_MAX_SOCKETS,
  });

  const ws = async (c: Context<Env>) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({
        name: "ArchiFlow",
        detail: "Connect with a WebSocket to speak JSON-RPC 2.0 (MCP tools/call).",
        health: "/health",
      });
    }
    const actor = c.get("actor");
    const protocol = chosenProtocol(c.req.header("sec-websocket-protocol"));
    const idleSeconds = deps.config.ARCHIFLOW_WS_IDLE_SECONDS;
    // The socket checks its credential again through the same authenticator as every request.
    const key = credentialFromRequest(c.req.raw, true)?.key ?? null;
    const recheck = (fresh: boolean) =>
      authenticator.authenticate(key, actor.clientAddr, actor.userAgent, { fresh });
    let expiresAt: number | null;
    try {
      ({ expiresAt } = await recheck(false));
    } catch (err) {
      return closeAtOnce(c.req.raw, 1008, toAppError(err).message, protocol, idleSeconds);
    }
    // Editor tokens carry no token id: their sockets count against their user.
    const tokenId = c.get("tokenId");
    const slot = sockets.acquire(
      tokenId === null ? `user:${actor.user}` : `token:${tokenId}`,
      actor.clientAddr,
    );
    if (!slot.ok) {
      deps.log.info("websocket refused", {
        user: actor.user,
        clientAddr: actor.clientAddr,
        reason: slot.reason,
      });
      return closeAtOnce(c.req.raw, slot.code, slot.reason, protocol, idleSeconds);
    }
    const response = serveWebSocket(c.req.raw, {
      responses,
      registry: deps.registry,
      events: deps.events,
      log: deps.log,
      maxMessageBytes: deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES,
      idleSeconds,
      credential: {
        expiresAt,
        maxAgeMs: deps.config.ARCHIFLOW_TOKEN_CACHE_SECONDS * 1000,
        check: async (fresh) => (await recheck(fresh)).expiresAt,
      },
      context: (requestId) => toolContext(c, deps, { requestId }),
      onOpen: () => {
        state.openSockets++;
        metrics.socketOpened();
      },
      onClose: () => {
        slot.release();
        state.openSockets--;
        metrics.socketClosed();
      },
    }, protocol);
    // Not upgraded (a malformed upgrade request): no socket holds the slot.
    if (response.status !== 101) slot.release();
    return response;
  };
  app.get("/", ws);
  app.get("/ws", ws);

  return app;
}
