// One zod schema over the environment. loadConfig(env) is pure so tests can build configs freely;
// only main.ts passes the real environment in.
import { z } from "zod";

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const bool = (def: boolean) =>
  z.enum(["true", "false", "1", "0", "yes", "no"]).optional()
    .transform((v) => (v === undefined ? def : ["true", "1", "yes"].includes(v)));

export const configSchema = z.object({
  PORT: int(3333, 0, 65535),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().url().optional(),
  ARCHIFLOW_DATA_DIR: z.string().default("./data"),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  /** Largest WebSocket message or HTTP body accepted, in bytes. */
  ARCHIFLOW_MAX_MESSAGE_BYTES: int(25 * 1024 * 1024, 1024),
  /** Largest diagram XML accepted by save-diagram, in bytes. */
  ARCHIFLOW_MAX_DIAGRAM_BYTES: int(20 * 1024 * 1024, 1024),
  ARCHIFLOW_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  ARCHIFLOW_RUN_MIGRATIONS: bool(true),
  /** NetBox to mirror (base URL, e.g. https://netbox.example.com) and its API token. */
  NETBOX_URL: z.string().url().optional(),
  NETBOX_TOKEN: z.string().optional(),
  NETBOX_TIMEOUT_MS: int(30_000, 100),
  NETBOX_RETRIES: int(4, 0, 20),
  NETBOX_PAGE_SIZE: int(1000, 1, 1000),
  /** Shared secret of NetBox's webhook (X-Hook-Signature); webhooks are refused without it. */
  NETBOX_WEBHOOK_SECRET: z.string().optional(),
  /** Push allocations and releases back to NetBox through the outbox. */
  NETBOX_PUSH: bool(false),
  NETBOX_OUTBOX_INTERVAL_MS: int(5000, 50),
  /** Prefixes that become IP pools: role slugs ("*" for every prefix), tag slugs, is_pool. */
  NETBOX_POOL_ROLES: z.string().default(""),
  NETBOX_POOL_TAGS: z.string().default(""),
  NETBOX_POOL_IS_POOL: bool(true),
  /** NetBox ids deploy-diagram uses for devices it creates, unless the call names others. */
  NETBOX_DEPLOY_SITE_ID: z.coerce.number().int().positive().optional(),
  NETBOX_DEPLOY_ROLE_ID: z.coerce.number().int().positive().optional(),
  NETBOX_DEPLOY_DEVICE_TYPE_ID: z.coerce.number().int().positive().optional(),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") cleaned[k] = v;
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}
