// Builds the Hono application from its dependencies; no environment reading, no connections
// opened here (that is main.ts), so tests build apps freely.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { schemaVersion } from "./db/migrate.ts";
import { AppError, HTTP_STATUS, toAppError } from "./errors.ts";
import type { EventHub } from "./events.ts";
import type { Logger } from "./log.ts";
import {
  type AppMetrics,
  createAppMetrics,
  observedRegistry,
  type Transport,
} from "./ops/app_metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./ops/metrics.ts";
import { routeLabel } from "./ops/route_label.ts";
import { createEditorRoutes } from "./routes/editor.ts";
import { netboxRoutes } from "./routes/netbox.ts";
import { ResponseGate } from "./rpc/response_gate.ts";
import { closeAtOnce, serveWebSocket } from "./rpc/socket.ts";
import { SocketSlots } from "./rpc/socket_limits.ts";
import type { ToolContext, ToolRegistry } from "./tools/tool.ts";
import type { Actor } from "./auth/actor.ts";
import {
  clientAddress,
  createAuthenticator,
  credentialFromRequest,
  offeredProtocols,
  parseNetworks,
  QUERY_KEY_REFUSAL,
  WS_PROTOCOL,
} from "./auth/credentials.ts";
import { admitCalls, RateLimiter } from "./auth/rate_limit.ts";
import { TokenStore } from "./auth/tokens.ts";
import { EDITOR_ROUTE_REFUSAL, editorMayUse } from "./auth/editor_scope.ts";
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
  /** Shared with the server so background work can count too; made here when absent. */
  metrics?: AppMetrics;
}

export interface AppState {
  openSockets: number;
}

export type Env = {
  Bindings: { remoteAddr?: { hostname?: string } };
  Variables: {
    actor: Actor;
    tokenId: number | null;
    /** The caller's rate limits for tool calls; every transport puts it in its tool context. */
    admit: (tool: string) => void;
    /** This request's id (X-Request-Id): every tool call it makes is audited under it. */
    requestId: string;
  };
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
  // Browsers ask for it on every page (the editor's too); it holds nothing.
  "/favicon.ico",
]);
export const OPEN_PREFIXES = ["/drawio/", "/drawio-plugin/"];
const WEBHOOK_PATHS = new Set(["/api/netbox/webhook", "/api/netbox/webhook/"]);
const isOpen = (path: string) =>
  OPEN_PATHS.has(path) || OPEN_PREFIXES.some((p) => path.startsWith(p));

export function createApp(deps: AppDeps): { app: Hono<Env>; state: AppState } {
  const app = new Hono<Env>();
  const state: AppState = { openSockets: 0 };
  const metrics = deps.metrics ?? createAppMetrics();
  metrics.declareTools(deps.registry.list().map((t) => t.name));
  // Each transport calls tools through its own view of the registry: counted and logged once.
  const registryFor = (t: Transport) => observedRegistry(deps.registry, t, metrics, deps.log);

  // Every request gets an id (kept from X-Request-Id when the caller sends a sane one), is
  // counted by its matched route, and leaves one access-log line without query secrets.
  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    c.header("X-Request-Id", requestId);
    // No response is ever to be taken for a type other than the one it declares (a JSON error
    // read as a script by a page that includes it).
    c.header("X-Content-Type-Options", "nosniff");
    metrics.httpRequest(c.req.method, routeLabel(c), c.res.status, ms);
    if (c.res.status !== 101) {
      deps.log.info("http request", {
        requestId,
        method: c.req.method,
        url: c.req.url,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
      });
    }
  });

  const tokens = deps.tokens ??
    new TokenStore(deps.db, { cacheMs: deps.config.ARCHIFLOW_TOKEN_CACHE_SECONDS * 1000 });
  const authenticator = createAuthenticator(deps.config, tokens);
  const trusted = parseNetworks(deps.config.ARCHIFLOW_TRUSTED_PROXIES);
  const perToken = new RateLimiter(deps.config.ARCHIFLOW_RATE_LIMIT_PER_TOKEN);
  const perAddress = new RateLimiter(deps.config.ARCHIFLOW_RATE_LIMIT_PER_ADDRESS);
  const openPerAddress = new RateLimiter(deps.config.ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS);
  const isUpgrade = (c: Context<Env>) => c.req.header("upgrade")?.toLowerCase() === "websocket";
  const tooMany = (c: Context<Env>, limiter: RateLimiter, retryAfter: number, setting: string) => {
    c.header("Retry-After", String(retryAfter));
    return c.json({
      detail:
        `Too many requests: more than ${limiter.perMinute} per minute (${setting}); retry in ${retryAfter} s`,
      code: "rate_limited",
    }, 429);
  };
  const addressOf = (c: Context<Env>) =>
    clientAddress(c.env?.remoteAddr?.hostname ?? null, c.req.header("x-forwarded-for"), trusted);

  // Every request but OPEN_PATHS carries a credential. Refused WebSocket upgrades are accepted
  // and then closed with 1008 (policy violation), because browsers cannot read an HTTP status
  // from a failed upgrade but do see the close code and reason.
  app.use("*", async (c, next) => {
    if (isOpen(c.req.path)) {
      // The webhook takes no token, so only its sender's address can be limited.
      if (!WEBHOOK_PATHS.has(c.req.path)) return await next();
      const byOpen = openPerAddress.take(addressOf(c) ?? "unknown");
      if (byOpen.ok) return await next();
      return tooMany(c, openPerAddress, byOpen.retryAfter, "ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS");
    }
    // With a dedicated metrics token, scrapers use that instead of an API token.
    if (c.req.path === "/metrics" && deps.config.ARCHIFLOW_METRICS_TOKEN) return await next();
    const addr = addressOf(c);
    const byAddr = perAddress.take(addr ?? "unknown");
    if (!byAddr.ok) {
      return tooMany(c, perAddress, byAddr.retryAfter, "ARCHIFLOW_RATE_LIMIT_PER_ADDRESS");
    }
    const websocket = isUpgrade(c);
    const credential = credentialFromRequest(c.req.raw, websocket);
    let actor: Actor & { tokenId: number | null };
    try {
      if (credential?.via === "query") throw new AppError("unauthenticated", QUERY_KEY_REFUSAL);
      actor = await authenticator.authenticate(
        credential?.key ?? null,
        addr,
        c.req.header("user-agent") ?? null,
      );
    } catch (err) {
      // A database failure while checking the key is a 503, not a refusal of the key.
      const e = toAppError(err);
      if (e.kind === "internal") deps.log.error("authentication failed", { error: String(err) });
      if (e.kind === "unauthenticated" || e.kind === "forbidden") {
        // The path only: a query may hold the refused key itself.
        deps.log.warn("login refused", {
          reason: e.message,
          transport: websocket ? "websocket" : "http",
          clientAddr: addr,
          userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
          path: c.req.path.slice(0, 200),
        });
      }
      if (websocket) return refuseWebSocket(c.req.raw, e.message);
      if (e.kind === "unauthenticated") c.header("WWW-Authenticate", 'Token realm="archiflow"');
      return c.json({ detail: e.message, code: e.kind }, HTTP_STATUS[e.kind] as 401);
    }
    const tokenKey = actor.tokenId === null ? `user:${actor.user}` : `token:${actor.tokenId}`;
    const byToken = perToken.take(tokenKey);
    if (!byToken.ok) {
      return tooMany(c, perToken, byToken.retryAfter, "ARCHIFLOW_RATE_LIMIT_PER_TOKEN");
    }
    if (actor.editor && !editorMayUse(c.req.path, websocket)) {
      return c.json({ detail: EDITOR_ROUTE_REFUSAL, code: "forbidden" }, 403);
    }
    const { tokenId, ...plain } = actor;
    c.set("actor", plain);
    c.set("tokenId", tokenId);
    c.set(
      "admit",
      admitCalls([
        {
          limiter: perAddress,
          key: addr ?? "unknown",
          setting: "ARCHIFLOW_RATE_LIMIT_PER_ADDRESS",
        },
        { limiter: perToken, key: tokenKey, setting: "ARCHIFLOW_RATE_LIMIT_PER_TOKEN" },
      ]),
    );
    await next();
  });

  // Bodies are limited while they stream, after authentication (so only callers with a token
  // can make the server hold a full-size body) and before anything reads them; the webhook,
  // open to anyone, has its own smaller limit.
  const webhookBody = bodyLimit({
    maxSize: deps.config.ARCHIFLOW_MAX_WEBHOOK_BYTES,
    onError: (c) =>
      bodyTooLarge(c, deps.config.ARCHIFLOW_MAX_WEBHOOK_BYTES, "ARCHIFLOW_MAX_WEBHOOK_BYTES"),
  });
  const messageBody = bodyLimit({
    maxSize: deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES,
    onError: (c) =>
      bodyTooLarge(c, deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES, "ARCHIFLOW_MAX_MESSAGE_BYTES"),
  });
  app.use("*", (c, next) => (WEBHOOK_PATHS.has(c.req.path) ? webhookBody : messageBody)(c, next));

  app.get("/metrics", async (c) => {
    const token = deps.config.ARCHIFLOW_METRICS_TOKEN;
    if (token && !sameText(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
      return c.json({ detail: "Metrics need the metrics token", code: "unauthenticated" }, 401);
    }
    return c.body(await metrics.render(deps.db), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  app.get("/favicon.ico", (c) => c.body(null, 204, { "Cache-Control": "public, max-age=86400" }));

  app.get("/health", async (c) => {
    try {
      // A database that hangs (rather than refusing) must not hang the health check.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        deps.db.query("SELECT 1"),
        new Promise((_, reject) => timer = setTimeout(() => reject(new Error("timeout")), 3000)),
      ]).finally(() => clearTimeout(timer));
      const version = await schemaVersion(deps.db);
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

  const sockets = new SocketSlots({
    perOwner: deps.config.ARCHIFLOW_MAX_SOCKETS_PER_TOKEN,
    perAddress: deps.config.ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS,
    total: deps.config.ARCHIFLOW_MAX_SOCKETS,
  });
  // One gate for the large responses of every socket and POST /mcp request of this process.
  const responses = new ResponseGate(deps.config.ARCHIFLOW_MAX_RESPONSE_BYTES);
  const wsRegistry = registryFor("websocket");
  const ws = async (c: Context<Env>) => {
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
      registry: wsRegistry,
      events: deps.events,
      log: deps.log,
      maxMessageBytes: deps.config.ARCHIFLOW_MAX_MESSAGE_BYTES,
      idleSeconds,
      credential: {
        expiresAt,
        maxAgeMs: deps.config.ARCHIFLOW_TOKEN_CACHE_SECONDS * 1000,
        check: async (fresh) => (await recheck(fresh)).expiresAt,
      },
      context: (requestId): ToolContext => ({
        db: deps.db,
        config: deps.config,
        events: deps.events,
        log: deps.log.child({ requestId }),
        actor: { ...actor, requestId },
        admit: c.get("admit"),
      }),
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
  app.route("/", createEditorRoutes(deps.config));

  const rest = { ...deps, registry: registryFor("rest") };
  mountRest(app, rest);
  mountMcp(app, { ...deps, registry: registryFor("mcp") }, responses);

  app.route(
    "/api/netbox",
    netboxRoutes(rest),
  );

  app.notFound((c) => c.json({ detail: "Not found", code: "not_found" }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const retryAfter = err instanceof AppError ? err.details?.retryAfter : undefined;
    if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
    const { status, body } = errorBody(
      err,
      (e) => deps.log.error("unhandled error", { path: c.req.path, error: String(e) }),
    );
    return c.json(body, status as 400);
  });

  return { app, state };
}

/** The body a request over a size limit gets: the API's error shape, naming the setting. */
function bodyTooLarge(c: Context, max: number, setting: string): Response {
  const message = `Request body exceeds ${max} bytes (${setting})`;
  if (c.req.path === "/mcp") {
    return c.json({ jsonrpc: "2.0", id: null, error: { code: -32600, message } }, 413);
  }
  return c.json({ detail: message, code: "too_large" }, 413);
}

/**
 * Completes the upgrade only to close at once with 1008 and a reason that names no secret. A
 * request that is no valid upgrade (no Sec-WebSocket-Key) cannot be upgraded: it gets a 400.
 */
function refuseWebSocket(req: Request, reason: string): Response {
  if (!req.headers.get("sec-websocket-key")) {
    return Response.json({
      detail: "Not a valid WebSocket upgrade: the Sec-WebSocket-Key header is missing",
      code: "invalid",
    }, { status: 400 });
  }
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
  } catch (err) {
    return Response.json({
      detail: `Not a valid WebSocket upgrade: ${err instanceof Error ? err.message : String(err)}`,
      code: "invalid",
    }, { status: 400 });
  }
}

/** Compares without stopping at the first difference, so timing does not reveal the token. */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
