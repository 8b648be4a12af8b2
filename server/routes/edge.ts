// What every HTTP request passes through before and after its route: its id and access-log line,
// the body size limits, and the one root error handler that turns anything thrown (AppError or
// not) into the API's error answer.
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Config } from "../config.ts";
import { AppError, bodyTooLarge, httpError, INVALID_REQUEST } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../ops/app_metrics.ts";
import { routeLabel } from "../ops/route_label.ts";
import { requestIdOf } from "./context.ts";
import type { Env } from "./env.ts";

export const WEBHOOK_PATHS = new Set(["/api/netbox/webhook", "/api/netbox/webhook/"]);

/**
 * Every request gets an id (kept from X-Request-Id when the caller sends a sane one), is counted
 * by its matched route, and leaves one access-log line without query secrets.
 */
export function requestEdge(log: Logger, metrics: AppMetrics): MiddlewareHandler<Env> {
  return async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"));
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
      log.info("http request", {
        requestId,
        method: c.req.method,
        url: c.req.url,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
      });
    }
  };
}

/**
 * Bodies are limited while they stream (Hono's bodyLimit), before anything reads them; the
 * webhook, open to anyone, has its own smaller limit. The app mounts this after authentication,
 * so only callers with a token can make the server hold a full-size body.
 */
export function limitBodies(config: Config): MiddlewareHandler<Env> {
  const limit = (maxSize: number, setting: string) =>
    bodyLimit({ maxSize, onError: (c) => tooLargeAnswer(c, bodyTooLarge(maxSize, setting)) });
  const webhookBody = limit(config.ARCHIFLOW_MAX_WEBHOOK_BYTES, "ARCHIFLOW_MAX_WEBHOOK_BYTES");
  const messageBody = limit(config.ARCHIFLOW_MAX_MESSAGE_BYTES, "ARCHIFLOW_MAX_MESSAGE_BYTES");
  return (c, next) => (WEBHOOK_PATHS.has(c.req.path) ? webhookBody : messageBody)(c, next);
}

/** POST /mcp speaks JSON-RPC, so its refusal is a JSON-RPC error; other paths get the API's. */
function tooLargeAnswer(c: Context, err: AppError): Response {
  if (c.req.path === "/mcp") {
    return c.json(
      { jsonrpc: "2.0", id: null, error: { code: INVALID_REQUEST, message: err.message } },
      413,
    );
  }
  return answerError(c, err);
}

/** The answer to anything thrown: {detail, code, errors?, details?} with its status and headers. */
export function answerError(c: Context, err: unknown, log?: Logger): Response {
  const { status, body, headers, unexpected } = httpError(err);
  if (unexpected) log?.error("unhandled error", { path: c.req.path, error: String(err) });
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json(body, status as 400);
}

/** The app's one error handler: route modules throw, this answers. */
export function handleError(log: Logger): ErrorHandler<Env> {
  return (err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    return answerError(c, err, log);
  };
}

export const notFound: NotFoundHandler<Env> = (c) =>
  answerError(c, new AppError("not_found", "Not found"));
