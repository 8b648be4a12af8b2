// Signed editor tokens: the NetBox plugin signs one for the logged-in NetBox user, the server
// verifies it, so editor sessions and audit entries carry the NetBox username (ARCHITECTURE §4.5).
// What a verified token may do is editor_scope.ts; revoking a user's tokens is editor_sessions.ts.
// The Python twin is netbox-plugin/netbox_archiflow/embed.py; both are held to
// tests/vectors/editor_token.json, so any change here must be made there too.
//
// Format (version 1):
//   token     = payload "." signature
//   payload   = base64url(UTF-8 bytes of the canonical JSON of the claims)
//   signature = base64url(HMAC-SHA256(key = UTF-8 bytes of the secret, message = payload as ASCII))
// base64url is RFC 4648 §5 without padding. Canonical JSON: keys in the order
// v, sub, iat, exp, ses, diagram, site, device; absent optional claims are omitted (never null);
// no whitespace; non-ASCII characters written as raw UTF-8, not \u escapes.
// Verification rejects any payload that is not byte-for-byte canonical, so the two
// implementations can never disagree about what a signed payload means.
//
// `ses` is when the editor page was opened: the iat of that page's first token, carried over
// unchanged by every refresh. Revocation (editor_sessions.ts) compares it, not iat, with the
// cut-off, so refreshing cannot revive a revoked session, and MAX_SESSION_SECONDS bounds how long
// refreshes can keep one page's session going. Tokens from signers that predate it have no
// `ses` and count as a session opened at their iat.

/** How long a token lives unless the signer says otherwise, in seconds. */
export const DEFAULT_TTL_SECONDS = 300;
/**
 * The longest lifetime a verifier accepts (exp - iat), in seconds. A token is a bearer key in
 * the editor's frame: it only has to outlive opening the editor and reconnecting, and whoever
 * copies it (history, a screenshot, a shoulder) should hold it for minutes, not an hour.
 */
export const MAX_TTL_SECONDS = 900;
/**
 * The longest an editor session lasts from opening the page, in seconds: the NetBox plugin stops
 * refreshing its tokens then (embed.py has the same constant) and verification refuses them, so
 * a copied token cannot be renewed for ever. A working day and then some; reloading the page
 * starts a new session.
 */
export const MAX_SESSION_SECONDS = 12 * 60 * 60;
/** Tolerated clock difference between NetBox and the server, in seconds. */
export const CLOCK_SKEW_SECONDS = 30;
/** Longer inputs are rejected before any decoding work. */
export const MAX_TOKEN_LENGTH = 4096;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const LIMITS = { sub: 150, diagram: 200, site: 100 } as const;

/** What a verified token says. */
export interface EditorTokenClaims {
  v: 1;
  /** NetBox username. */
  sub: string;
  /** Issued at, Unix seconds. */
  iat: number;
  /** Expires at, Unix seconds. */
  exp: number;
  /** When the editor session began (its page was opened), Unix seconds; absent means iat. */
  ses?: number;
  /** Diagram the editor was opened for. */
  diagram?: string;
  /** NetBox site slug the editor was opened for. */
  site?: string;
  /** NetBox device id the editor was opened for. */
  device?: number;
}

/**
 * What the signer chooses; iat and exp follow from the clock and the lifetime. Diagram ids are
 * text ("diagram-1"); a number given is signed as its text, so the claim is always a string.
 */
export type EditorTokenScope = Pick<EditorTokenClaims, "sub" | "site" | "device"> & {
  diagram?: string | number;
};

export type EditorTokenFailure =
  | "malformed"
  | "bad_signature"
  | "unsupported_version"
  | "missing_subject"
  | "lifetime_too_long"
  | "not_yet_valid"
  | "expired"
  | "session_too_old";

export type EditorTokenResult =
  | { ok: true; claims: EditorTokenClaims }
  | { ok: false; reason: EditorTokenFailure };

const encoder = new TextEncoder();
// ignoreBOM keeps a leading BOM in the text so that JSON.parse rejects it, as Python does.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Signs a token for `scope.sub`, valid from `nowSeconds` for `ttlSeconds`, for an editor session
 * that began at `sessionStart` (a refresh passes on the presented token's; a new page starts one
 * now).
 */
export async function signEditorToken(
  secret: string,
  scope: EditorTokenScope,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  ttlSeconds: number = DEFAULT_TTL_SECONDS,
  sessionStart: number = nowSeconds,
): Promise<string> {
  requireSecret(secret, "sign");
  if (!isInteger(nowSeconds, 0, MAX_SAFE)) {
    throw new RangeError(`Cannot sign editor token: now ${nowSeconds} is not a Unix time`);
  }
  if (!isInteger(ttlSeconds, 1, MAX_TTL_SECONDS)) {
    throw new RangeError(
      `Cannot sign editor token: lifetime ${ttlSeconds} is not 1 to ${MAX_TTL_SECONDS} seconds`,
    );
  }
  if (isInteger(sessionStart, 0, MAX_SAFE) && nowSeconds - sessionStart > MAX_SESSION_SECONDS) {
    throw new RangeError(
      `Cannot sign editor token: the session began more than ${MAX_SESSION_SECONDS} seconds ` +
        "before now",
    );
  }
  const claims: EditorTokenClaims = {
    v: 1,
    sub: scope.sub,
    iat: nowSeconds,
    exp: nowSeconds + ttlSeconds,
    ses: sessionStart,
    diagram: scope.diagram === undefined ? undefined : String(scope.diagram),
    site: scope.site,
    device: scope.device,
  };
  const problem = claimsProblem(claims as unknown as Record<string, unknown>);
  if (problem !== null) throw new TypeError(`Cannot sign editor token: ${problem}`);
  const payload = base64urlEncode(encoder.encode(canonicalJson(claims)));
  const signature = await hmac(secret, payload);
  return `${payload}.${base64urlEncode(signature)}`;
}

/**
 * Checks a token's signature, shape and lifetime. The checks run in a fixed order, which the
 * shared vectors pin down: structure, signature, JSON object, version, subject, claims,
 * lifetime, not-before, expiry, session age. A session start after iat is a malformed claim, so
 * one in the future is refused as not yet valid with its iat.
 */
export async function verifyEditorToken(
  secret: string,
  token: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<EditorTokenResult> {
  requireSecret(secret, "verify");
  const fail = (reason: EditorTokenFailure): EditorTokenResult => ({ ok: false, reason });

  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return fail("malformed");
  const parts = token.split(".");
  if (parts.length !== 2) return fail("malformed");
  const [payload, sigText] = parts;
  const payloadBytes = base64urlDecode(payload);
  const signature = base64urlDecode(sigText);
  if (payloadBytes === null || payloadBytes.length === 0) return fail("malformed");
  if (signature === null || signature.length !== 32) return fail("malformed");

  const expected = await hmac(secret, payload);
  if (!constantTimeEqual(expected, signature)) return fail("bad_signature");

  let text: string;
  let parsed: unknown;
  try {
    text = decoder.decode(payloadBytes);
    parsed = JSON.parse(text);
  } catch {
    return fail("malformed");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return fail("malformed");
  }
  const claims = parsed as Record<string, unknown>;
  if (claims.v !== 1) return fail("unsupported_version");
  if (typeof claims.sub !== "string" || claims.sub === "") return fail("missing_subject");
  if (claimsProblem(claims) !== null) return fail("malformed");
  const typed = claims as unknown as EditorTokenClaims;
  if (canonicalJson(typed) !== text) return fail("malformed");

  if (typed.exp - typed.iat > MAX_TTL_SECONDS) return fail("lifetime_too_long");
  if (nowSeconds < typed.iat - CLOCK_SKEW_SECONDS) return fail("not_yet_valid");
  if (nowSeconds >= typed.exp + CLOCK_SKEW_SECONDS) return fail("expired");
  if (nowSeconds >= sessionStart(typed) + MAX_SESSION_SECONDS + CLOCK_SKEW_SECONDS) {
    return fail("session_too_old");
  }
  return { ok: true, claims: pick(typed) };
}

/** When the token's editor session began: `ses`, or iat for tokens that do not carry it. */
export function sessionStart(claims: EditorTokenClaims): number {
  return claims.ses ?? claims.iat;
}

/** The one serialisation both languages produce; see the format note at the top. */
export function canonicalJson(claims: EditorTokenClaims): string {
  return JSON.stringify(pick(claims));
}

function pick(c: EditorTokenClaims): EditorTokenClaims {
  const out: EditorTokenClaims = { v: 1, sub: c.sub, iat: c.iat, exp: c.exp };
  if (c.ses !== undefined) out.ses = c.ses;
  if (c.diagram !== undefined) out.diagram = c.diagram;
  if (c.site !== undefined) out.site = c.site;
  if (c.device !== undefined) out.device = c.device;
  return out;
}

const KNOWN = new Set(["v", "sub", "iat", "exp", "ses", "diagram", "site", "device"]);

function claimsProblem(c: Record<string, unknown>): string | null {
  for (const key of Object.keys(c)) {
    if (!KNOWN.has(key)) return `unknown claim "${key}"`;
  }
  if (c.v !== 1) return "version must be 1";
  if (!isText(c.sub, LIMITS.sub)) return `sub must be 1 to ${LIMITS.sub} printable characters`;
  if (!isInteger(c.iat, 0, MAX_SAFE)) return "iat must be a Unix time";
  if (!isInteger(c.exp, 0, MAX_SAFE)) return "exp must be a Unix time";
  if ((c.exp as number) <= (c.iat as number)) return "exp must be after iat";
  if (c.ses !== undefined) {
    if (!isInteger(c.ses, 0, MAX_SAFE)) return "ses must be a Unix time";
    if (c.ses > (c.iat as number)) return "ses must not be after iat";
  }
  if (c.diagram !== undefined && !isText(c.diagram, LIMITS.diagram)) {
    return `diagram must be 1 to ${LIMITS.diagram} printable characters`;
  }
  if (c.site !== undefined && !isText(c.site, LIMITS.site)) {
    return `site must be 1 to ${LIMITS.site} printable characters`;
  }
  if (c.device !== undefined && !isInteger(c.device, 1, MAX_SAFE)) {
    return "device must be a positive integer";
  }
  return null;
}

// Control characters (U+0000-U+001F, U+007F-U+009F) and lone surrogates are refused: JSON
// escapes them differently across languages, and no NetBox username, slug or diagram id needs
// them.
const UNPRINTABLE = /\p{Cc}|\p{Cs}/u;

function isText(value: unknown, maxCodePoints: number): value is string {
  if (typeof value !== "string" || value === "" || UNPRINTABLE.test(value)) return false;
  // Lengths count code points, as Python's len() does, not UTF-16 units.
  return [...value].length <= maxCodePoints;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function requireSecret(secret: string, verb: string): void {
  if (typeof secret !== "string" || secret === "") {
    throw new TypeError(`Cannot ${verb} editor token: the shared secret is empty`);
  }
}

async function hmac(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

// Compares every byte whatever the first difference, so timing reveals nothing about how
// much of a forged signature was right.
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function base64urlEncode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = bytes.length - i >= 3 ? 4 : bytes.length - i + 1;
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/** Decodes unpadded base64url; null unless the text is exactly what encoding would produce. */
export function base64urlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let k = 0;
  for (const ch of text) {
    acc = (acc << 6) | ALPHABET.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[k++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be zero, or two different texts would decode to the same bytes.
  if (acc !== 0) return null;
  return bytes;
}
