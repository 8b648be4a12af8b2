// API tokens: creating keys (only their SHA-256 hash is stored), checking a presented key
// (revoked, expired, client network) and the first-start admin token. Every transport (REST,
// WebSocket, MCP over HTTP) authenticates through authenticate() in credentials.ts, which
// lands here for API keys.
import type { Db, Queryable } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { contains } from "../ipam/addr_math.ts";
import { parseCidr, parseIp } from "../ipam/addr_parse.ts";
import { type IpAddr } from "../ipam/addr_types.ts";
import type { Scope } from "./actor.ts";
import { base64urlEncode } from "./editor_token.ts";

export const SCOPES = ["read", "write", "admin"] as const;
/** Every API key starts with this, so a leaked key is easy to recognise and scan for. */
export const KEY_PREFIX = "af_";
/** Characters of the key kept in clear for display: "af_" plus 8 random characters. */
const DISPLAY_LENGTH = KEY_PREFIX.length + 8;
const KEY_PATTERN = /^af_[A-Za-z0-9_-]{43}$/;

export interface TokenRow {
  id: number;
  key_prefix: string;
  user_name: string;
  scope: Scope;
  description?: string;
  allowed_networks: string[];
  expires_at: Date | null;
  last_used_at: Date | null;
  created_at?: Date;
  revoked_at: Date | null;
}

export interface NewToken {
  user: string;
  scope: Scope;
  description?: string;
  expiresAt?: Date | null;
  allowedNetworks?: string[];
}

/** A fresh key: "af_" and 43 base64url characters (256 random bits). */
export function generateKey(): string {
  return KEY_PREFIX + base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

/** Whether text has the shape of an API key (cheap check before any hashing or lookup). */
export function looksLikeKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates a token and returns its row and the key, which exists nowhere else afterwards. */
export async function createToken(
  db: Queryable,
  spec: NewToken,
): Promise<{ key: string; token: TokenRow }> {
  if (!SCOPES.includes(spec.scope)) {
    throw new AppError("invalid", `Cannot create token: scope must be one of ${SCOPES.join(", ")}`);
  }
  const user = spec.user.trim();
  if (user === "" || user.length > 150) {
    throw new AppError("invalid", "Cannot create token: user must be 1 to 150 characters");
  }
  // Editor tokens act as "netbox:<username>"; an API token must never pass for a NetBox user.
  if (user.toLowerCase().startsWith("netbox:")) {
    throw new AppError(
      "invalid",
      'Cannot create token: user names starting with "netbox:" are NetBox users of editor tokens',
    );
  }
  const networks = (spec.allowedNetworks ?? []).map((n) => {
    try {
      parseCidr(n.trim(), { strict: true });
      return n.trim();
    } catch (err) {
      throw new AppError("invalid", `Cannot create token: ${(err as Error).message}`);
    }
  });
  const key = generateKey();
  const [token] = await db.query<TokenRow>(sql("InsertToken"), [
    await hashKey(key),
    key.slice(0, DISPLAY_LENGTH),
    user,
    spec.scope,
    spec.description ?? "",
    networks,
    spec.expiresAt ?? null,
  ]);
  return { key, token };
}

/**
 * Makes sure a key chosen by the operator (ARCHIFLOW_ADMIN_TOKEN, e.g. from a secret store)
 * works as an admin token; creates it on the first start, leaves it alone afterwards (a revoked
 * one stays revoked).
 */
export async function ensureProvisionedToken(db: Queryable, key: string): Promise<number> {
  if (!looksLikeKey(key)) {
    throw new AppError(
      "invalid",
      "ARCHIFLOW_ADMIN_TOKEN must be af_ and 43 base64url characters (deno task token generate)",
    );
  }
  const [row] = await db.query<{ id: number }>(sql("EnsureToken"), [
    await hashKey(key),
    key.slice(0, DISPLAY_LENGTH),
    "admin",
    "admin",
    "provisioned by ARCHIFLOW_ADMIN_TOKEN",
  ]);
  return row.id;
}

export async function listTokens(db: Queryable): Promise<TokenRow[]> {
  return await db.query<TokenRow>(sql("ListTokens"));
}

export async function revokeToken(db: Queryable, id: number): Promise<TokenRow | null> {
  const [row] = await db.query<TokenRow>(sql("RevokeToken"), [id]);
  return row ?? null;
}

/** Parses "30d", "12h", "45m" or an ISO date into an expiry time. */
export function parseExpiry(text: string, now = new Date()): Date {
  const m = /^(\d{1,6})([dhm])$/.exec(text.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
    return new Date(now.getTime() + Number(m[1]) * unit);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new AppError("invalid", `Cannot read expiry "${text}": use 30d, 12h, 45m or a date`);
  }
  return date;
}

/** Normalises an address as seen by the server (IPv4-mapped IPv6 becomes IPv4). */
export function parseClientAddr(text: string | null): IpAddr | null {
  if (!text) return null;
  const bare = text.replace(/^\[|\]$/g, "").replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  try {
    return parseIp(bare);
  } catch {
    return null;
  }
}

export function addrInNetworks(addr: string | null, networks: string[]): boolean {
  const ip = parseClientAddr(addr);
  if (!ip) return false;
  return networks.some((n) => {
    try {
      return contains(parseCidr(n, { strict: false }), ip);
    } catch {
      return false;
    }
  });
}

export interface TokenCheckOptions {
  /** How long a looked-up token is trusted without asking the database again, in ms. */
  cacheMs: number;
  now?: () => number;
}

interface CacheEntry {
  row: TokenRow | null;
  until: number;
}

/**
 * Checks API keys against the database. Lookups are cached briefly per process so a busy
 * client costs no extra query per request; revocation in this process clears the cache at
 * once, other processes see it within cacheMs.
 */
export class TokenStore {
  #cache = new Map<string, CacheEntry>();
  #touched = new Map<number, number>();

  constructor(readonly db: Db, readonly options: TokenCheckOptions) {}

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  forget(): void {
    this.#cache.clear();
  }

  /**
   * The token for key, or an AppError("unauthenticated"/"forbidden") saying why not. `fresh`
   * reads the database whatever the cache holds (an open WebSocket checking its key again).
   */
  async check(
    key: string,
    clientAddr: string | null,
    options: { fresh?: boolean } = {},
  ): Promise<TokenRow> {
    const refused = new AppError("unauthenticated", "Invalid, revoked or expired API token");
    if (!looksLikeKey(key)) throw refused;
    const hash = await hashKey(key);
    const now = this.#now();
    let entry = this.#cache.get(hash);
    if (!entry || entry.until <= now || options.fresh) {
      const [row] = await this.db.query<TokenRow>(sql("FindTokenByHash"), [hash]);
      entry = { row: row ?? null, until: now + this.options.cacheMs };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, entry);
    }
    const row = entry.row;
    if (!row || row.revoked_at) throw refused;
    if (row.expires_at && new Date(row.expires_at).getTime() <= now) throw refused;
    if (row.allowed_networks.length && !addrInNetworks(clientAddr, row.allowed_networks)) {
      throw new AppError("forbidden", "This API token may not be used from this client address");
    }
    const last = this.#touched.get(row.id) ?? 0;
    if (now - last > 60_000) {
      this.#touched.set(row.id, now);
      // Fire and forget: recording last use must never fail or slow down the request.
      this.db.query(sql("TouchToken"), [row.id]).catch(() => {});
    }
    return row;
  }
}

/**
 * On the very first start (no tokens, never bootstrapped) creates an admin token and returns
 * its key; returns null ever after, even when every token has since been revoked or deleted.
 */
export async function bootstrapAdminToken(db: Db): Promise<string | null> {
  return await db.transaction(async (tx) => {
    const [{ count }] = await tx.query<{ count: number }>(sql("CountTokens"));
    const claimed = await tx.query(sql("ClaimServerState"), [
      "bootstrap_token",
      JSON.stringify({ created: count === 0, at: new Date().toISOString() }),
    ]);
    if (!claimed.length || count > 0) return null;
    const { key } = await createToken(tx, {
      user: "admin",
      scope: "admin",
      description: "created on first start",
    });
    return key;
  });
}
