// Who may make a request: every request but the open paths carries a credential, checked by the
// authenticator, and draws on the rate limits of its address and its token. What this decides
// (the actor, its token id, the tool-call limits) is set on the request for the routes. Refused
// WebSocket upgrades are accepted and then closed with 1008 (policy violation), because browsers
// cannot read an HTTP status from a failed upgrade but do see the close code and reason.
import type { Context, MiddlewareHandler } from "hono";
import type { Actor } from "../auth/actor.ts";
import {
  type Authenticator,
  clientAddress,
  credentialFromRequest,
  offeredProtocols,
  parseNetworks,
  QUERY_KEY_REFUSAL,
  WS_PROTOCOL,
} from "../auth/credentials.ts";
import { EDITOR_ROUTE_REFUSAL, editorMayUse } from "../auth/editor_scope.ts";
import { admitCalls, RateLimiter } from "../auth/rate_limit.ts";
import type { Config } from "../config.ts";
import { AppError, errorResponse, rateLimited, toAppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { WEBHOOK_PATHS } from "./edge.ts";
import type { Env } from "./env.ts";

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
const isOpen = (path: string) =>
  OPEN_PATHS.has(path) || OPEN_PREFIXES.some((p) => path.startsWith(p));

export const isUpgrade = (c: Context) => c.req.header("upgrade")?.toLowerCase() === "websocket";

/** Authenticates and rate-limits every request; sets actor, tokenId and admit for the routes. */
export function accessControl(
  config: Config,
  authenticator: Authenticator,
  log: Logger,
): MiddlewareHandler<Env> {
  const trusted = parseNetworks(config.ARCHIFLOW_TRUSTED_PROXIES);
  const perToken = new RateLimiter(config.ARCHIFLOW_RATE_LIMIT_PER_TOKEN);
  const perAddress = new RateLimiter(config.ARCHIFLOW_RATE_LIMIT_PER_ADDRESS);
  const openPerAddress = new RateLimiter(config.ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS);
  const take = (limiter: RateLimiter, key: string, setting: string) => {
    const d = limiter.take(key);
    if (d.ok) return;
    throw rateLimited(
      `Too many requests: more than ${limiter.perMinute} per minute (${setting}); retry in ${d.retryAfter} s`,
      d.retryAfter,
      setting,
    );
  };
  const addressOf = (c: Context<Env>) =>
    clientAddress(c.env?.remoteAddr?.hostname ?? null, c.req.header("x-forwarded-for"), trusted);

  return async (c, next) => {
    if (isOpen(c.req.path)) {
      // The webhook takes no token, so only its sender's address can be limited.
      if (WEBHOOK_PATHS.has(c.req.path)) {
        take(openPerAddress, addressOf(c) ?? "unknown", "ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS");
      }
      return await next();
    }
    // With a dedicated metrics token, scrapers use that instead of an API token.
    if (c.req.path === "/metrics" && config.ARCHIFLOW_METRICS_TOKEN) return await next();
    const addr = addressOf(c);
    take(perAddress, addr ?? "unknown", "ARCHIFLOW_RATE_LIMIT_PER_ADDRESS");
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
      if (e.kind === "internal") log.error("authentication failed", { error: String(err) });
      if (e.kind === "unauthenticated" || e.kind === "forbidden") {
        // The path only: a query may hold the refused key itself.
        log.warn("login refused", {
          reason: e.message,
          transport: websocket ? "websocket" : "http",
          clientAddr: addr,
          userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
          path: c.req.path.slice(0, 200),
        });
      }
      if (websocket) return refuseWebSocket(c.req.raw, e.message);
      if (e.kind === "unauthenticated") c.header("WWW-Authenticate", 'Token realm="archiflow"');
      throw e;
    }
    const tokenKey = actor.tokenId === null ? `user:${actor.user}` : `token:${actor.tokenId}`;
    take(perToken, tokenKey, "ARCHIFLOW_RATE_LIMIT_PER_TOKEN");
    if (actor.editor && !editorMayUse(c.req.path, websocket)) {
      throw new AppError("forbidden", EDITOR_ROUTE_REFUSAL);
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
  };
}

/** The WebSocket subprotocol to answer with: ArchiFlow's when the client offers it. */
export const chosenProtocol = (header: string | null | undefined): string | undefined =>
  offeredProtocols(header ?? null).includes(WS_PROTOCOL) ? WS_PROTOCOL : undefined;

/**
 * Completes the upgrade only to close at once with 1008 and a reason that names no secret. A
 * request that is no valid upgrade (no Sec-WebSocket-Key) cannot be upgraded: it gets a 400.
 */
function refuseWebSocket(req: Request, reason: string): Response {
  if (!req.headers.get("sec-websocket-key")) {
    return errorResponse(
      new AppError(
        "invalid",
        "Not a valid WebSocket upgrade: the Sec-WebSocket-Key header is missing",
      ),
    );
  }
  try {
    const protocol = chosenProtocol(req.headers.get("sec-websocket-protocol"));
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol });
    socket.onopen = () => socket.close(1008, reason.slice(0, 120));
    socket.onerror = () => {};
    return response;
  } catch (err) {
    return errorResponse(
      new AppError(
        "invalid",
        `Not a valid WebSocket upgrade: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }
}
