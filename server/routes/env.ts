// The types every HTTP module shares: what the app is built from (AppDeps) and what a request
// carries through Hono (Env). They live here, below app.ts and the route modules, so that route
// modules never import app.ts.
import type { Actor } from "../auth/actor.ts";
import type { TokenStore } from "../auth/tokens.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { EventHub } from "../events.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../ops/app_metrics.ts";
import type { ToolRegistry } from "../tools/tool.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
  /** Shared token cache; created by the app when not given. */
  tokens?: TokenStore;
  /** Shared with the server so background work can count too; made by the app when absent. */
  metrics?: AppMetrics;
}

/** What a route module takes: the app's dependencies, its registry observed for its transport. */
export type RouteDeps = Pick<AppDeps, "config" | "db" | "registry" | "events" | "log">;

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
