// Builds the Hono application from its dependencies; no environment reading, no connections
// opened here (that is main.ts), so tests build apps freely.
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { schemaVersion } from "./db/migrate.ts";
import { HTTP_STATUS, toAppError } from "./errors.ts";
import type { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import { serveWebSocket } from "./rpc/socket.ts";
import type { Actor, ToolContext, ToolRegistry } from "./tools/tool.ts";
import {
  clientAddress,
  createAuthenticator,
  credentialFromRequest,
  offeredProtocols,
  parseNetworks,
  WS_PROTOCOL,
} from "./auth/credentials.ts";
import { RateLimiter } from "./auth/rate_limit.ts";
import { TokenStore } from "./auth/tokens.ts";
import { mountRest } from "./routes/mount.ts";
import { errorBody } from "./routes/resource.ts";
import { mountMcp } from "./routes/mcp.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
  /** Shared token cache; created here when not given. */
  tokens?: TokenStore;
}

export interface AppState {
  openSockets: number;
}

export type Env = {
  Bindings: { remoteAddr?: { hostname?: string } };
  Variables: { actor: Actor; tokenId: number | null };
};

/**
 * Paths answered without an API token: liveness checks, static pages that hold no data (the API
 * browser, the editor host page and the draw.io app, which then connect with the token from
 * their URL), and NetBox webhooks, which carry their own signature.
 */
export const OPEN_PATHS = new Set([
  "/health",
  "/health/",
  "/api/docs",
  "/api/docs/",
  "/editor",
  "/drawio",
  "/api/netbox/webhook",
  "/api/netbox/webhook/",
]);
export const OPEN_PREFIXES = ["/drawio/", "/drawio-plugin/"];
const isOpen = (path: string) =>
  OPEN_PATHS.has(path) || OPEN_PREFIXES.some((p) => path.startsWith(p));

export function createApp(deps: AppDeps): { app: Hono<Env>; state: AppState } {
  const app = new Hono<Env>();
  const state: AppState = { openSockets: 0 };

  const tokens = deps.tokens ??
    new TokenStore(deps.db, { cacheMs: deps.config.ARCHIFLOW_TOKEN_CACHE_SECONDS * 1000 });
  const authenticator = createAuthenticator(deps.config, tokens);
  const trusted = parseNetworks(deps.config.ARCHIFLOW_TRUSTED_PROXIES);
  const perToken = new RateLimiter(deps.config.ARCHIFLOW_RATE_LIMIT_PER_TOKEN);
  const perAddress = new RateLimiter(deps.config.ARCHIFLOW_RATE_LIMIT_PER_ADDRESS);
  const isUpgrade = (c: Context<Env>) => c.req.header("upgrade")?.toLowerCase() === "websocket";
  const tooMany = (c: Context<Env>, retryAfter: number) => {
    c.header("Retry-After", String(retryAfter));
    return c.json({ detail: "Too many requests; retry later", code: "rate_limited" }, 429);
  };

  // Every request but OPEN_PATHS carries a credential. Refused WebSocket upgrades are accepted
  // and then closed with 1008 (policy violation), because browsers cannot read an HTTP status
  // from a failed upgrade but do see the close code and reason.
  app.use("*", async (c, next) => {
    if (isOpen(c.req.path)) return await next();
    const addr = clientAddress(
      c.env?.remoteAddr?.hostname ?? null,
      c.req.header("x-forwarded-for"),
      trusted,
    );
    const byAddr = perAddress.take(addr ?? "unknown");
    if (!byAddr.ok) return tooMany(c, byAddr.retryAfter);
    const websocket = isUpgrade(c);
    const credential = credentialFromRequest(c.req.raw, websocket);
    let actor: Actor & { tokenId: number | null };
    try {
      actor = await authenticator.authenticate(
        credential?.key ?? null,
        addr,
        c.req.header("user-agent") ?? null,
      );
    } catch (err) {
      // A database failure while checking the key is a 503, not a refusal of the key.
      const e = toAppError(err);
      if (e.kind === "internal") deps.log.error("authentication failed", { error: String(err) });
      if (websocket) return refuseWebSocket(c.req.raw, e.message);
      if (e.kind === "unauthenticated") c.header("WWW-Authenticate", 'Token realm="archiflow"');
      return c.json({ detail: e.message, code: e.kind }, HTTP_STATUS[e.kind] as 401);
    }
    const byToken = perToken.take(
      actor.tokenId === null ? `user:${actor.user}` : `token:${actor.tokenId}`,
    );
    if (!byToken.ok) return tooMany(c, byToken.retryAfter);
    const { tokenId, ...plain } = actor;
    c.set("actor", plain);
    c.set("tokenId", tokenId);
    await next();
  });

  app.get("/health", async (c) => {
    try {
      const version = await schemaVersion(deps.db);
      await deps.db.query("SELECT 1");
      return c.json({
        status: "ok",
        database: { backend: deps.db.kind, reachable: true, schema_version: version },
        websocket_connections: state.openSockets,
      });
    } catch {
      return c.json({
        status: "degraded",
        database: { backend: deps.db.kind, reachable: false, schema_version: null },
        websocket_connections: state.openSockets,
      }, 503);
    }
  });

  const ws = (c: Context<Env>) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({
        name: "ArchiFlow",
        detail: "Connect with a WebSocket to speak JSON-RPC 2.0 (MCP tools/call).",
        health: "/health",
      });
    }
    const actor = c.get("actor");
    const protocol = offeredProtocols(c.req.header("sec-websocket-protocol")).includes(WS_PROTOCOL)
      ? WS_PROTOCOL
      : undefined;
    return serveWebSocket(c.req.raw, {
      registry: deps.registry,
      events: deps.events,
      log: deps.log,
      maxMessageBytes: deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES,
      context: (requestId): ToolContext => ({
        db: deps.db,
        config: deps.config,
        events: deps.events,
        log: deps.log,
        actor: { ...actor, requestId },
      }),
      onOpen: () => state.openSockets++,
      onClose: () => state.openSockets--,
    }, protocol);
  };
  app.get("/", ws);
  app.get("/ws", ws);

  mountRest(app, deps);
  mountMcp(app, deps);

  app.notFound((c) => c.json({ detail: "Not found", code: "not_found" }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const { status, body } = errorBody(
      err,
      (e) => deps.log.error("unhandled error", { path: c.req.path, error: String(e) }),
    );
    return c.json(body, status as 400);
  });

  return { app, state };
}

/** Completes the upgrade only to close at once with 1008 and a reason that names no secret. */
function refuseWebSocket(req: Request, reason: string): Response {
  try {
    const protocol = offeredProtocols(req.headers.get("sec-websocket-protocol")).includes(
        WS_PROTOCOL,
      )
      ? WS_PROTOCOL
      : undefined;
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol });
    socket.onopen = () => socket.close(1008, reason.slice(0, 120));
    socket.onerror = () => {};
    return response;
  } catch {
    return Response.json({ detail: reason, code: "unauthenticated" }, { status: 401 });
  }
}
