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
  /** CSP frame-ancestors sources allowed to embed /editor and /drawio/ (space-separated). */
  ARCHIFLOW_FRAME_ANCESTORS: z.string().default("'self'"),
  /** A self-hosted draw.io to use instead of the bundled one at /drawio/ (it must load the plugin). */
  DRAWIO_URL: z.string().url().optional(),
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
