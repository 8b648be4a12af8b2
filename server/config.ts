// One zod schema over the environment. loadConfig(env) is pure so tests can build configs freely;
// only main.ts and the tasks pass the real environment in.
import { z } from "zod";

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const bool = (def: boolean) =>
  z.enum(["true", "false", "1", "0", "yes", "no"]).optional()
    .transform((v) => (v === undefined ? def : ["true", "1", "yes"].includes(v)));

export const configSchema = z.object({
  PORT: int(3333, 0, 65535),
  HOST: z.string().default("0.0.0.0"),
  /**
   * PostgreSQL, in order of precedence: DATABASE_URL; else the design document's DB_HOST,
   * DB_PORT, DB_NAME, DB_USER, DB_PASSWORD; else libpq's PGHOST, PGPORT, PGDATABASE, PGUSER,
   * PGPASSWORD. None of them set: the embedded database in ARCHIFLOW_DATA_DIR. See
   * databaseTarget().
   */
  DATABASE_URL: z.string().url().optional(),
  DB_HOST: z.string().optional(),
  DB_PORT: z.string().optional(),
  DB_NAME: z.string().optional(),
  DB_USER: z.string().optional(),
  DB_PASSWORD: z.string().optional(),
  PGHOST: z.string().optional(),
  PGPORT: z.string().optional(),
  PGDATABASE: z.string().optional(),
  PGUSER: z.string().optional(),
  PGPASSWORD: z.string().optional(),
  ARCHIFLOW_DATA_DIR: z.string().default("./data"),
  /** Most connections to PostgreSQL (the document's pool: max 20). */
  DATABASE_POOL_SIZE: int(20, 1, 200),
  /** An idle PostgreSQL connection is closed after this long, in ms (document: 30000). */
  DATABASE_IDLE_TIMEOUT_MS: int(30_000, 0, 86_400_000),
  /** How long to wait for a new PostgreSQL connection, in ms (document: 2000). */
  DATABASE_CONNECT_TIMEOUT_MS: int(2000, 100, 600_000),
  /** Largest WebSocket message or HTTP body accepted, in bytes. */
  ARCHIFLOW_MAX_MESSAGE_BYTES: int(25 * 1024 * 1024, 1024),
  /** Largest diagram XML accepted by save-diagram, in bytes. */
  ARCHIFLOW_MAX_DIAGRAM_BYTES: int(20 * 1024 * 1024, 1024),
  /** Largest HTTP request body accepted on NetBox's webhook route (no token needed there). */
  ARCHIFLOW_MAX_WEBHOOK_BYTES: int(1024 * 1024, 1024),
  /** Most calls in one JSON-RPC batch (WebSocket and POST /mcp). */
  ARCHIFLOW_MAX_BATCH_CALLS: int(50, 1, 10_000),
  /** Largest JSON-RPC response (one message or one batch), in bytes; larger becomes an error. */
  ARCHIFLOW_MAX_RESPONSE_BYTES: int(64 * 1024 * 1024, 1024),
  /** Deepest nesting of arrays and objects accepted in call arguments and request bodies. */
  ARCHIFLOW_MAX_JSON_DEPTH: int(64, 8, 10_000),
  /** Most cells (mxCell/UserObject/object) parsed from one diagram, over all pages. */
  ARCHIFLOW_MAX_DIAGRAM_CELLS: int(250_000, 100),
  /** Deepest XML element nesting accepted in a diagram. */
  ARCHIFLOW_MAX_XML_DEPTH: int(256, 16, 100_000),
  /** Open WebSockets allowed per token (or editor user) and per client address; 0 = no cap. */
  ARCHIFLOW_MAX_SOCKETS_PER_TOKEN: int(32),
  ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS: int(64),
  /** Open WebSockets allowed in all; 0 = no cap. */
  ARCHIFLOW_MAX_SOCKETS: int(2000),
  /**
   * Seconds a WebSocket may stay silent (or hold an unfinished frame) before it is pinged; it is
   * closed when the pong does not come within as long again.
   */
  ARCHIFLOW_WS_IDLE_SECONDS: int(30, 5, 3600),
  /** Requests per minute per client address on routes open without a token (the webhook); 0 = off. */
  ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS: int(600),
  ARCHIFLOW_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  ARCHIFLOW_RUN_MIGRATIONS: bool(true),
  /** Comma-separated CIDRs whose X-Forwarded-For is believed (reverse proxies). */
  ARCHIFLOW_TRUSTED_PROXIES: z.string().default(""),
  /** Shared secret of signed editor tokens (NetBox plugin); unset refuses them. */
  ARCHIFLOW_EDITOR_SECRET: z.string().min(16).optional(),
  /** How long a checked API token is trusted before asking the database again, in seconds. */
  ARCHIFLOW_TOKEN_CACHE_SECONDS: int(5, 0, 3600),
  /**
   * Requests and tool calls per minute per token and per client address (every tool call counts,
   * on every transport, also each call of a batch); 0 disables the limit.
   */
  ARCHIFLOW_RATE_LIMIT_PER_TOKEN: int(6000),
  ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: int(12000),
  /** An admin API key provisioned by the operator (af_...); created on start if missing. */
  ARCHIFLOW_ADMIN_TOKEN: z.string().optional(),
  /** Base URL printed with the first admin token (default: the listening address). */
  ARCHIFLOW_PUBLIC_URL: z.string().url().optional(),
  /** When set, GET /metrics requires `Authorization: Bearer <this>` (scrapers send it). */
  ARCHIFLOW_METRICS_TOKEN: z.string().min(16).optional(),
  /** Device reachability prober (TCP connects to management addresses); off by default. */
  ARCHIFLOW_PROBE_ENABLED: bool(false),
  ARCHIFLOW_PROBE_PORTS: z.string().default("22,443").transform((v, ctx) => {
    const ports = v.split(",").map((p) => p.trim()).filter(Boolean).map(Number);
    if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      ctx.addIssue({ code: "custom", message: "expected a comma-separated list of TCP ports" });
    }
    return ports;
  }),
  ARCHIFLOW_PROBE_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(86_400).default(60),
  ARCHIFLOW_PROBE_TIMEOUT_MS: int(2000, 50, 60_000),
  /** Consecutive failed (or good) rounds before device_down is raised (or resolved). */
  ARCHIFLOW_PROBE_THRESHOLD: int(3, 1, 100),
  /** Per-user diagram access: "owner" shows users only diagrams they created or that are shared with them. */
  ARCHIFLOW_DIAGRAM_ACL: z.enum(["off", "owner"]).default("off"),
  /** CSP frame-ancestors sources allowed to embed /editor and /drawio/ (space-separated). */
  ARCHIFLOW_FRAME_ANCESTORS: z.string().default("'self'"),
  /** A self-hosted draw.io to use instead of the bundled one at /drawio/ (it must load the plugin). */
  DRAWIO_URL: z.string().url().optional(),
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

/**
 * Loads and checks the configuration; throws ConfigError (one line) when a setting is wrong,
 * including database settings that are present but incomplete.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Other settings given empty count as unset (they have defaults or are optional). A database
  // setting given empty is present: `DB_HOST: ${DB_HOST}` in a compose file with the variable
  // unset must not quietly start on the embedded database instead.
  const empty = databaseSettings().filter((k) => env[k] !== undefined && env[k]!.trim() === "");
  if (empty.length) {
    const one = empty.length === 1;
    throw new ConfigError(
      `Empty database settings: ${empty.join(", ")} ${one ? "is" : "are"} set but empty; ` +
        `give ${one ? "it a value" : "them values"}, or unset ${one ? "it" : "them"} to use the ` +
        `embedded database; refusing to start`,
    );
  }
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") cleaned[k] = v;
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    // Messages name settings, never their values (a password or URL could be among them).
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
  }
  databaseTarget(parsed.data);
  return parsed.data;
}

/** A configuration the server refuses to start with; the message is one line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Where a PostgreSQL connection goes, spelled out (from DB_* or PG* settings). */
export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string }
  | {
    kind: "postgres";
    /** The URL (DATABASE_URL) or the parts (DB_*, PG*). */
    connection: string | PgConnection;
    /** The settings the connection was made from, to name them in messages. */
    settings: string[];
    /** host:port/database, without user or password, for messages and logs. */
    where: string;
    /** Settings of a lower precedence that are set too, and not used. */
    ignored: string[];
  };

interface SettingGroup {
  /** Setting names: host, port, database, user, password. */
  names: [string, string, string, string, string];
}

// The document's names, then libpq's; the first group with any setting present is used, and
// it must be complete: a half-given group is a mistake, never a reason to use another backend.
const GROUPS: SettingGroup[] = [
  { names: ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"] },
  { names: ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"] },
];

/**
 * Which database the configuration names: PostgreSQL from DATABASE_URL, else from the DB_*
 * settings, else from the PG* settings; the embedded PGlite only when none of them is set.
 * Within DB_* (and PG*), host, database and user are required, the port defaults to 5432 and
 * the password may be left out (trust or peer authentication). Throws ConfigError naming the
 * missing or wrong settings.
 */
export function databaseTarget(config: Config): DatabaseTarget {
  if (config.DATABASE_URL) {
    let url: URL;
    try {
      url = new URL(config.DATABASE_URL);
    } catch {
      throw new ConfigError("DATABASE_URL is not a URL");
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
      throw new ConfigError(
        "DATABASE_URL must be a postgres:// or postgresql:// URL; refusing to start",
      );
    }
    return {
      kind: "postgres",
      connection: config.DATABASE_URL,
      settings: ["DATABASE_URL"],
      where: `${url.hostname || "localhost"}:${url.port || 5432}${url.pathname || "/"}`,
      ignored: ignoredBelow(config, -1),
    };
  }
  const values = config as unknown as Record<string, string | undefined>;
  for (const [rank, { names }] of GROUPS.entries()) {
    const present = names.filter((n) => values[n] !== undefined);
    if (!present.length) continue;
    const [hostName, portName, dbName, userName, passwordName] = names;
    const missing = [hostName, dbName, userName].filter((n) => values[n] === undefined);
    if (missing.length) {
      throw new ConfigError(
        `Incomplete database settings: ${present.join(", ")} ${
          present.length === 1 ? "is" : "are"
        } set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing; ` +
          `set ${missing.length === 1 ? "it" : "them"} (or DATABASE_URL), or unset ` +
          `${present.join(", ")} to use the embedded database; refusing to start`,
      );
    }
    const portText = values[portName];
    const port = portText === undefined ? 5432 : Number(portText);
    if (!/^\d{1,5}$/.test(portText ?? "5432") || port < 1 || port > 65535) {
      throw new ConfigError(`${portName} must be a TCP port (1 to 65535); refusing to start`);
    }
    const connection: PgConnection = {
      host: values[hostName]!,
      port,
      database: values[dbName]!,
      user: values[userName]!,
    };
    if (values[passwordName] !== undefined) connection.password = values[passwordName];
    return {
      kind: "postgres",
      connection,
      settings: names.filter((n) => values[n] !== undefined),
      where: `${connection.host}:${port}/${connection.database}`,
      ignored: ignoredBelow(config, rank),
    };
  }
  return { kind: "pglite", dataDir: config.ARCHIFLOW_DATA_DIR };
}

/** Every setting that names a database: DATABASE_URL, then the groups' settings. */
function databaseSettings(): string[] {
  return ["DATABASE_URL", ...GROUPS.flatMap((g) => g.names)];
}

/** The settings present in the groups after GROUPS[rank] (all groups for -1). */
function ignoredBelow(config: Config, rank: number): string[] {
  const values = config as unknown as Record<string, string | undefined>;
  return GROUPS.slice(rank + 1).flatMap((g) => g.names.filter((n) => values[n] !== undefined));
}
