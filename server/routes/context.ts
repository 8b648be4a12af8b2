// A request as the tools see it. Every transport (REST, MCP over HTTP, the NetBox routes, each
// message of a WebSocket) calls tools with the context toolContext() makes from the request, so
// the actor, its rate limits and the request id an audit row carries come from one place.
import type { Context } from "hono";
import type { Db } from "../db/db.ts";
import type { ToolContext } from "../tools/tool.ts";
import type { Env, RouteDeps } from "./env.ts";

/** An X-Request-Id a caller may choose: short, and safe in log lines and headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request's id: the caller's X-Request-Id when it is sane, a new one otherwise. */
export function requestIdOf(given: string | undefined): string {
  return given && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

export interface ToolContextOptions {
  /** The database the tools use: a REST request's transaction, or the app's. */
  db?: Db;
  /** Another id than the request's: each message of a WebSocket is its own request. */
  requestId?: string;
}

/** The tool context of an authenticated request (the app's middleware set actor and admit). */
export function toolContext(
  c: Context<Env>,
  deps: Pick<RouteDeps, "db" | "config" | "events" | "log">,
  options: ToolContextOptions = {},
): ToolContext {
  const requestId = options.requestId ?? c.get("requestId");
  return {
    db: options.db ?? deps.db,
    config: deps.config,
    events: deps.events,
    log: deps.log.child({ requestId }),
    actor: { ...c.get("actor"), requestId },
    admit: c.get("admit"),
  };
}
