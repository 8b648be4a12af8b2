// REST routes of the NetBox integration: POST /api/netbox/sync runs the sync-netbox tool, and
// POST /api/netbox/webhook receives NetBox webhooks, authenticated by their signature alone.
import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import { AppError } from "../errors.ts";
import type { EventHub } from "../events.ts";
import type { Logger } from "../log.ts";
import { poolSelectionFrom } from "../netbox/settings.ts";
import { handleWebhook, signatureValid } from "../netbox/webhook.ts";
import { callTool, type ToolRegistry } from "../tools/tool.ts";
import { type Actor } from "../auth/actor.ts";

export interface NetboxRouteDeps {
  config: Config;
  db: Db;
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
}

/** The caller's identity and rate limits, set by the app's authentication middleware. */
type Env = { Variables: { actor: Actor; admit: (tool: string) => void; requestId: string } };

export function netboxRoutes(deps: NetboxRouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post("/sync", async (c) => {
    // An empty or malformed body means "the defaults"; a body over the limit is still a 413.
    const body = await c.req.json().catch((err) => {
      if (err instanceof SyntaxError) return {};
      throw err;
    });
    const run = await callTool(deps.registry, "sync-netbox", body ?? {}, {
      db: deps.db,
      config: deps.config,
      events: deps.events,
      log: deps.log,
      actor: { ...c.get("actor"), requestId: c.get("requestId") },
      admit: c.get("admit"),
    });
    return c.json(run, run.status === "succeeded" ? 200 : 502);
  });

  app.post("/webhook", async (c) => {
    const secret = deps.config.NETBOX_WEBHOOK_SECRET;
    if (!secret) {
      throw new AppError("unavailable", "NETBOX_WEBHOOK_SECRET is not configured");
    }
    // The app's body limit has already refused a body over ARCHIFLOW_MAX_WEBHOOK_BYTES.
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!(await signatureValid(secret, body, c.req.header("x-hook-signature") ?? null))) {
      return c.json(
        { detail: "Invalid or missing X-Hook-Signature", code: "unauthenticated" },
        401,
      );
    }
    const result = await handleWebhook(deps.db, poolSelectionFrom(deps.config), body);
    deps.log.info("netbox webhook", { ...result });
    return c.json(result);
  });

  return app;
}
