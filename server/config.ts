// One zod schema over the environment. loadConfig(env) is pure so tests can build configs freely;
// only main.ts and the tasks pass the real environment in. Every setting is declared once, with
// what it means, its default and what is allowed; SETTINGS lists them for documentation, and a
// wrong value is reported as one line naming the setting and what it may be.
// Longer than 400 lines on purpose: this is the single schema of all settings, which the README's
// settings table mirrors and tests/readme_config_test.ts holds the two to; splitting it would give
// a setting two places to be declared and read from. The database settings' precedence sits
// beside the settings it reads.
import { z } from "zod";
import { parseCidr } from "./ipam/addr_parse.ts";

/** What a setting is for, as SETTINGS lists it and error lines quote it. */
interface SettingMeta {
  description: string;
  /** What a valid value is, to finish "<NAME> must be ...". */
  allowed: string;
  /** The default as written in the environment; null when unset by default. */
  default: string | null;
  /** Never shown back in an error line (passwords, keys, URLs that may carry them). */
  secret?: boolean;
}

const settingMeta = z.registry<SettingMeta>();

function withMeta<T extends z.ZodType>(
  schema: T,
  description: string,
  allowed: string,
  def: string | null,
  secret = false,
): T {
  settingMeta.add(schema, { description, allowed, default: def, secret });
  return schema;
}

function int(def: number, description: string, min = 0, max?: number) {
  let schema = z.coerce.number().int().min(min);
  if (max !== undefined) schema = schema.max(max);
  const allowed = max === undefined
    ? `an integer of at least ${min}`
    : `an integer from ${min} to ${max}`;
  return withMeta(schema.default(def), description, allowed, String(def));
}

function optionalId(description: string) {
  return withMeta(
    z.coerce.number().int().positive().optional(),
    description,
    "a positive integer (a NetBox id)",
    null,
  );
}

const TRUTHY = ["true", "1", "yes", "on"];
const FALSY = ["false", "0", "no", "off"];

function bool(def: boolean, description: string) {
  return withMeta(
    z.string().optional().transform((v, ctx) => {
      if (v === undefined) return def;
      const word = v.trim().toLowerCase();
      if (TRUTHY.includes(word)) return true;
      if (!FALSY.includes(word)) ctx.addIssue({ code: "custom", message: "not a boolean" });
      return false;
    }),
    description,
    "one of true, false, yes, no, on, off, 1, 0",
    String(def),
  );
}

function text(def: string, description: string) {
  return withMeta(z.string().default(def), description, "text", def);
}

function optionalText(description: string, secret = false) {
  return withMeta(z.string().optional(), description, "text", null, secret);
}

function secretText(description: string, minLength: number) {
  return withMeta(
    z.string().min(minLength).optional(),
    description,
    `a secret of at least ${minLength} characters`,
    null,
    true,
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  def: T[number],
  description: string,
) {
  return withMeta(z.enum(values).default(def), description, `one of ${values.join(", ")}`, def);
}

function httpUrl(description: string) {
  return withMeta(
    z.string().refine((v) => /^https?:$/.test(safeUrl(v)?.protocol ?? "")).optional(),
    description,
    "an http:// or https:// URL",
    null,
  );
}

function tcpPort(description: string) {
  // Kept as text: whether it is given at all decides which group of settings is used.
  return withMeta(
    z.string().refine((v) => /^\d{1,5}$/.test(v.trim()) && +v >= 1 && +v <= 65535).optional(),
    description,
    "a TCP port from 1 to 65535",
    "5432",
  );
}

// A host name (RFC 1123 labels) or an IPv4 address; IPv6 addresses are checked by isIpv6().
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
// The form of an API key (server/auth/tokens.ts): checked here so a mistyped one stops the start
// before the database is touched.
const API_KEY = /^af_[A-Za-z0-9_-]{43}$/;

export const configSchema = z.object({
  PORT: int(3333, "HTTP and WebSocket port (`0` picks a free one)", 0, 65535),
  HOST: withMeta(
    z.string().trim().refine((v) => HOST_NAME.test(v) || isIpv6(v))
      .default("0.0.0.0"),
    "address to listen on: `0.0.0.0` every IPv4 interface, `::` every interface, " +
      "`127.0.0.1` this machine only",
    "an IP address or host name of this machine, without port or http://",
    "0.0.0.0",
  ),
  ARCHIFLOW_PUBLIC_URL: httpUrl(
    "the URL people and tools use to reach the server (a reverse proxy, a DNS name), printed " +
      "with the first admin key; unset: `http://<this machine's name>:<PORT>`",
  ),
  DATABASE_URL: withMeta(
    z.string().refine((v) => /^postgres(ql)?:$/.test(safeUrl(v)?.protocol ?? "")).optional(),
    "PostgreSQL connection URL (`?sslmode=require` etc. as usual); first of the database " +
      "settings",
    "a postgres:// or postgresql:// URL",
    null,
    true,
  ),
  DB_HOST: optionalText("PostgreSQL host, used when `DATABASE_URL` is unset"),
  DB_PORT: tcpPort("PostgreSQL port, with `DB_HOST`"),
  DB_NAME: optionalText("PostgreSQL database, required with `DB_HOST`"),
  DB_USER: optionalText("PostgreSQL user, required with `DB_HOST`"),
  DB_PASSWORD: optionalText("PostgreSQL password, with `DB_HOST`", true),
  PGHOST: optionalText(
    "libpq's PostgreSQL host, used when neither `DATABASE_URL` nor `DB_*` is set",
  ),
  PGPORT: tcpPort("libpq's PostgreSQL port, with `PGHOST`"),
  PGDATABASE: optionalText("libpq's PostgreSQL database, required with `PGHOST`"),
  PGUSER: optionalText("libpq's PostgreSQL user, required with `PGHOST`"),
  PGPASSWORD: optionalText("libpq's PostgreSQL password, with `PGHOST`", true),
  ARCHIFLOW_DATA_DIR: text(
    "./data",
    "folder of the embedded database (PGlite), used when no PostgreSQL setting is given",
  ),
  DATABASE_POOL_SIZE: int(20, "most PostgreSQL connections per server process", 1, 200),
  DATABASE_IDLE_TIMEOUT_MS: int(
    30_000,
    "an idle PostgreSQL connection is closed after this many milliseconds",
    0,
    86_400_000,
  ),
  DATABASE_CONNECT_TIMEOUT_MS: int(
    2000,
    "how long connecting to PostgreSQL may take, in milliseconds",
    100,
    600_000,
  ),
  ARCHIFLOW_RUN_MIGRATIONS: bool(true, "create and migrate the schema on start"),
  ARCHIFLOW_LOG_LEVEL: oneOf(
    ["debug", "info", "warn", "error", "silent"],
    "info",
    "the least important log lines written (JSON lines)",
  ),
  ARCHIFLOW_ADMIN_TOKEN: withMeta(
    z.string().trim().regex(API_KEY).optional(),
    "an admin API key stored on start (secret stores, containers)",
    "an API key made by deno task token generate (af_ and 43 letters, digits, - or _)",
    null,
    true,
  ),
  ARCHIFLOW_EDITOR_SECRET: secretText(
    "shared secret of signed editor tokens from the NetBox plugin; unset refuses them",
    16,
  ),
  ARCHIFLOW_METRICS_TOKEN: secretText(
    "when set, `GET /metrics` requires `Authorization: Bearer <this>`",
    16,
  ),
  ARCHIFLOW_READONLY_PASSWORD: optionalText(
    "password of the role `deno task db:readonly-role` creates; unset: the role cannot log in",
    true,
  ),
  ARCHIFLOW_TRUSTED_PROXIES: withMeta(
    z.string().default("").refine((v) => csv(v).every(isNetwork)),
    "comma-separated addresses or CIDRs of reverse proxies whose `X-Forwarded-For` is believed",
    "comma-separated addresses or CIDRs, e.g. 10.0.0.0/8,192.0.2.7",
    "",
  ),
  ARCHIFLOW_DIAGRAM_ACL: oneOf(
    ["off", "owner"],
    "off",
    "`owner`: users see only the diagrams they created and those shared with them",
  ),
  ARCHIFLOW_FRAME_ANCESTORS: text(
    "'self'",
    "sources allowed to frame `/editor` and `/drawio/` (CSP `frame-ancestors`, space-separated)",
  ),
  DRAWIO_URL: httpUrl(
    "a self-hosted draw.io to use instead of the bundled `/drawio/` (it must load the plugin)",
  ),
  ARCHIFLOW_MAX_MESSAGE_BYTES: int(
    25 * 1024 * 1024,
    "largest WebSocket message or HTTP body accepted, in bytes",
    1024,
  ),
  ARCHIFLOW_MAX_DIAGRAM_BYTES: int(
    20 * 1024 * 1024,
    "largest diagram XML accepted, in bytes",
    1024,
  ),
  ARCHIFLOW_MAX_WEBHOOK_BYTES: int(
    1024 * 1024,
    "largest NetBox webhook body accepted (no token needed there), in bytes",
    1024,
  ),
  ARCHIFLOW_MAX_BATCH_CALLS: int(
    50,
    "most calls in one JSON-RPC batch (WebSocket and `POST /mcp`)",
    1,
    10_000,
  ),
  ARCHIFLOW_MAX_RESPONSE_BYTES: int(
    64 * 1024 * 1024,
    "largest JSON-RPC response (one message or one batch), in bytes",
    1024,
  ),
  ARCHIFLOW_MAX_JSON_DEPTH: int(
    64,
    "deepest nesting of arrays and objects in call arguments and request bodies",
    8,
    10_000,
  ),
  ARCHIFLOW_MAX_DIAGRAM_CELLS: int(
    250_000,
    "most cells parsed from one diagram, over all pages",
    100,
  ),
  ARCHIFLOW_MAX_XML_DEPTH: int(256, "deepest element nesting in diagram XML", 16, 100_000),
  ARCHIFLOW_GENERATE_MAX_DEVICES: int(
    1000,
    "most devices generate-diagram draws in one diagram; a larger scope is refused",
    1,
    100_000,
  ),
  ARCHIFLOW_MAX_SOCKETS_PER_TOKEN: int(
    32,
    "open WebSockets per token (per user for editor tokens); `0`: no cap",
  ),
  ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS: int(64, "open WebSockets per client address; `0`: no cap"),
  ARCHIFLOW_MAX_SOCKETS: int(2000, "open WebSockets in all; `0`: no cap"),
  ARCHIFLOW_WS_IDLE_SECONDS: int(
    30,
    "a WebSocket silent this long (or stuck in an unfinished frame) is pinged, and closed when " +
      "no pong comes within as long again",
    5,
    3600,
  ),
  ARCHIFLOW_RATE_LIMIT_PER_TOKEN: int(
    6000,
    "requests and tool calls per minute per token (each call of a batch counts); `0`: off",
  ),
  ARCHIFLOW_RATE_LIMIT_PER_ADDRESS: int(
    12_000,
    "requests and tool calls per minute per client address; `0`: off",
  ),
  ARCHIFLOW_RATE_LIMIT_OPEN_PER_ADDRESS: int(
    600,
    "requests per minute per client address to routes open without a token (the webhook); " +
      "`0`: off",
  ),
  ARCHIFLOW_TOKEN_CACHE_SECONDS: int(
    5,
    "how long a checked key is trusted before the database is asked again: how soon a revoked " +
      "or expired key stops working, also on open sockets",
    0,
    3600,
  ),
  ARCHIFLOW_PROBE_ENABLED: bool(false, "TCP-probe every active device's `management_ip`"),
  ARCHIFLOW_PROBE_PORTS: withMeta(
    z.string().default("22,443").transform((v, ctx) => {
      const ports = csv(v).map(Number);
      if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
        ctx.addIssue({ code: "custom", message: "not a list of ports" });
      }
      return ports;
    }),
    "ports tried; a device is reachable when any accepts",
    "a comma-separated list of TCP ports from 1 to 65535",
    "22,443",
  ),
  ARCHIFLOW_PROBE_INTERVAL_SECONDS: withMeta(
    z.coerce.number().min(0.05).max(86_400).default(60),
    "seconds between probe rounds",
    "a number from 0.05 to 86400",
    "60",
  ),
  ARCHIFLOW_PROBE_TIMEOUT_MS: int(2000, "connect timeout per port, in milliseconds", 50, 60_000),
  ARCHIFLOW_PROBE_THRESHOLD: int(
    3,
    "consecutive failed rounds that raise `device_down` (and good rounds that resolve it)",
    1,
    100,
  ),
  NETBOX_URL: httpUrl("NetBox to mirror, e.g. `https://netbox.example.com`"),
  NETBOX_TOKEN: optionalText(
    "NetBox API token (v2 tokens go as Bearer, older keys as Token)",
    true,
  ),
  NETBOX_TIMEOUT_MS: int(30_000, "timeout of one NetBox request, in milliseconds", 100),
  NETBOX_RETRIES: int(4, "retries of a NetBox request, backing off on 429 and 5xx", 0, 20),
  NETBOX_PAGE_SIZE: int(1000, "objects per NetBox page", 1, 1000),
  NETBOX_WEBHOOK_SECRET: optionalText(
    "secret of NetBox's webhook (`X-Hook-Signature`); webhooks are refused without it",
    true,
  ),
  NETBOX_PUSH: bool(false, "write allocations and releases back to NetBox (through the outbox)"),
  NETBOX_OUTBOX_INTERVAL_MS: int(
    5000,
    "how often the outbox is checked for writes to send to NetBox, in milliseconds",
    50,
  ),
  NETBOX_POOL_ROLES: text(
    "",
    "comma-separated prefix role slugs whose prefixes become IP pools (`*`: every prefix)",
  ),
  NETBOX_POOL_TAGS: text("", "comma-separated prefix tag slugs whose prefixes become IP pools"),
  NETBOX_POOL_IS_POOL: bool(true, "prefixes marked `is_pool` become IP pools"),
  NETBOX_DEPLOY_SITE_ID: optionalId("NetBox site of devices `deploy-diagram` creates"),
  NETBOX_DEPLOY_ROLE_ID: optionalId("NetBox device role of devices `deploy-diagram` creates"),
  NETBOX_DEPLOY_DEVICE_TYPE_ID: optionalId(
    "NetBox device type of devices `deploy-diagram` creates",
  ),
});

export type Config = z.infer<typeof configSchema>;

/** One setting the server reads: its name, default (null: unset), meaning and valid values. */
export interface Setting {
  name: string;
  default: string | null;
  description: string;
  allowed: string;
  secret: boolean;
}

/** Every setting, in the schema's order. */
export const SETTINGS: readonly Setting[] = Object.entries(configSchema.shape).map(
  ([name, schema]) => {
    const meta = settingMeta.get(schema);
    if (!meta) throw new Error(`setting ${name} is not described`);
    return { name, ...meta, secret: meta.secret ?? false };
  },
);

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

/** Exit status of a process refused for its configuration. */
export const CONFIG_EXIT_CODE = 2;

/**
 * A configuration the server refuses to start with. `problems` holds one line per wrong setting
 * (without a prefix); the message is those lines, each prefixed with "Configuration error: ".
 */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map((p) => `Configuration error: ${p}`).join("\n"));
    this.name = "ConfigError";
    this.problems = list;
  }
}

/**
 * Loads and checks the configuration; throws ConfigError listing every wrong setting, including
 * database settings that are present but incomplete. Values of secret settings are never quoted.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Other settings given empty count as unset (they have defaults or are optional). A database
  // setting given empty is present: `DB_HOST: ${DB_HOST}` in a compose file with the variable
  // unset must not quietly start on the embedded database instead.
  const wrong = new Set(
    databaseSettings().filter((k) => env[k] !== undefined && env[k]!.trim() === ""),
  );
  const problems = [...wrong].map((k) => `${k} is set but empty; give it a value, or unset it`);
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") cleaned[k] = v;
  const parsed = configSchema.safeParse(cleaned);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0]);
    if (wrong.has(name)) continue;
    wrong.add(name);
    problems.push(invalidLine(name, cleaned[name]));
  }
  // Whether a group is complete is only worth saying when each of its settings is well-formed.
  if (!databaseSettings().some((k) => wrong.has(k))) problems.push(...groupProblems(cleaned));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

function invalidLine(name: string, value: string | undefined): string {
  const setting = BY_NAME.get(name);
  if (!setting) return `${name} is not valid`;
  const line = `${name} must be ${setting.allowed}`;
  if (setting.secret || value === undefined) return line;
  // Credentials in a URL are left out even of settings that are not secret.
  const shown = value.replace(/(\/\/)[^/@\s]*@/, "$1…@");
  return `${line} (got ${JSON.stringify(shown.length > 80 ? shown.slice(0, 80) + "…" : shown)})`;
}

/**
 * Environment variables that look like a mistyped setting (wrong case, or a letter or two off a
 * setting of the same family), with the setting meant; they are otherwise ignored.
 */
export function misspelledSettings(
  env: Record<string, string | undefined>,
): { name: string; meant: string }[] {
  const out: { name: string; meant: string }[] = [];
  for (const name of Object.keys(env)) {
    if (BY_NAME.has(name)) continue;
    const upper = name.toUpperCase();
    if (BY_NAME.has(upper)) {
      out.push({ name, meant: upper });
      continue;
    }
    if (!/^(ARCHIFLOW_|NETBOX_|DATABASE_|DB_)/.test(upper)) continue;
    let best: { meant: string; distance: number } | null = null;
    for (const known of BY_NAME.keys()) {
      const distance = editDistance(upper, known, 2);
      if (distance <= 2 && (!best || distance < best.distance)) best = { meant: known, distance };
    }
    if (best) out.push({ name, meant: best.meant });
  }
  return out;
}

/** Levenshtein distance, or more than `most` as soon as it must exceed it. */
function editDistance(a: string, b: string, most: number): number {
  if (Math.abs(a.length - b.length) > most) return most + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    if (Math.min(...row) > most) return most + 1;
    previous = row;
  }
  return previous[b.length];
}

function csv(v: string): string[] {
  return v.split(",").map((p) => p.trim()).filter(Boolean);
}

function isNetwork(v: string): boolean {
  try {
    parseCidr(v, { strict: false });
    return true;
  } catch {
    return false;
  }
}

/** An IPv6 address without brackets ("::", "fd00::2"), as the URL parser reads one. */
function isIpv6(v: string): boolean {
  return v.includes(":") && !/[[\]/%]/.test(v) && safeUrl(`http://[${v}]/`) !== null;
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
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

// The document's names, then libpq's: host, port, database, user, password. The first group with
// any setting present is used, and it must be complete: a half-given group is a mistake, never a
// reason to use another backend.
const GROUPS: [string, string, string, string, string][] = [
  ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"],
  ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"],
];

type DatabaseSettings = Partial<Record<string, string>> & { ARCHIFLOW_DATA_DIR?: string };

/** The group's problem in one line, or none; DATABASE_URL set makes the groups irrelevant. */
function groupProblems(values: DatabaseSettings): string[] {
  if (values.DATABASE_URL !== undefined) return [];
  for (const names of GROUPS) {
    const present = names.filter((n) => values[n] !== undefined);
    if (!present.length) continue;
    const [host, , database, user] = names;
    const missing = [host, database, user].filter((n) => values[n] === undefined);
    if (!missing.length) return [];
    const many = (list: string[]) => list.length > 1;
    return [
      `${present.join(", ")} ${many(present) ? "are" : "is"} set but ${missing.join(", ")} ` +
      `${many(missing) ? "are" : "is"} missing; set ${many(missing) ? "them" : "it"} (or ` +
      `DATABASE_URL), or unset ${present.join(", ")} to use the embedded database`,
    ];
  }
  return [];
}

/**
 * Which database the configuration names: PostgreSQL from DATABASE_URL, else from the DB_*
 * settings, else from the PG* settings; the embedded PGlite only when none of them is set.
 * Within DB_* (and PG*), host, database and user are required, the port defaults to 5432 and
 * the password may be left out (trust or peer authentication). loadConfig() has checked the
 * settings; a configuration built otherwise that is incomplete throws ConfigError.
 */
export function databaseTarget(config: Config): DatabaseTarget {
  const values = config as unknown as DatabaseSettings;
  const problems = groupProblems(values);
  if (problems.length) throw new ConfigError(problems);
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    return {
      kind: "postgres",
      connection: config.DATABASE_URL,
      settings: ["DATABASE_URL"],
      where: `${url.hostname || "localhost"}:${url.port || 5432}${url.pathname || "/"}`,
      ignored: ignoredBelow(values, -1),
    };
  }
  for (const [rank, names] of GROUPS.entries()) {
    if (!names.some((n) => values[n] !== undefined)) continue;
    const [hostName, portName, dbName, userName, passwordName] = names;
    const port = Number(values[portName]?.trim() ?? 5432);
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
      ignored: ignoredBelow(values, rank),
    };
  }
  return { kind: "pglite", dataDir: config.ARCHIFLOW_DATA_DIR };
}

/** Every setting that names a database: DATABASE_URL, then the groups' settings. */
function databaseSettings(): string[] {
  return ["DATABASE_URL", ...GROUPS.flat()];
}

/** The settings present in the groups after GROUPS[rank] (all groups for -1). */
function ignoredBelow(values: DatabaseSettings, rank: number): string[] {
  return GROUPS.slice(rank + 1).flatMap((g) => g.filter((n) => values[n] !== undefined));
}
