// REST routes of the NetBox integration: POST /api/netbox/sync runs the sync-netbox tool, and
// POST /api/netbox/webhook receives NetBox webhooks, authenticated by their signature alone.
import { Hono } from "hono";
import { AppError } from "../errors.ts";
import { poolSelectionFrom } from "../netbox/settings.ts";
import { handleWebhook, signatureValid } from "../netbox/webhook.ts";
import { callTool } from "../tools/tool.ts";
import { toolContext } from "./context.ts";
import type { Env, RouteDeps } from "./env.ts";

export function netboxRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post("/sync", async (c) => {
    // An empty or malformed body means "the defaults"; a body over the limit is still a 413.
    const body = await c.req.json().catch((err) => {
      if (err instanceof SyntaxError) return {};
      throw err;
    });
    const run = await callTool(deps.registry, "sync-netbox", body ?? {}, toolContext(c, deps));
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
      throw new AppError("unauthenticated", "Invalid or missing X-Hook-Signature");
    }
    const result = await handleWebhook(deps.db, poolSelectionFrom(deps.config), body);
    deps.log.info("netbox webhook", { ...result });
    return c.json(result);
  });

  return app;
}
