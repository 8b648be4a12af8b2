// Reads the editor frame's URL parameters (which diagram to open, the server), asks the host
// page for the key, and says how the WebSocket carries it. The key is never in a URL: the host
// page (/editor) reads it from its own fragment and hands it over by postMessage, and the
// WebSocket sends it as a subprotocol, so no server, proxy log or history entry records it.
// An editor token lives minutes: keepKeyFresh() asks the host for a new one before it runs out.

export interface EditorParams {
  /** The diagram to open: a text id as the server has it ("diagram-1"), or null for none. */
  diagramId: string | null;
  /** Origin of the ArchiFlow server (the frame's own origin unless af_server says otherwise). */
  server: string;
  /** The WebSocket address; it holds no credential. */
  wsUrl: string;
  /** The site the editor was opened for (NetBox's Diagram tab of a Site), or null. */
  site: string | null;
  /** That site's name as NetBox shows it, for a diagram generated for it. */
  siteName: string | null;
  /** Generate the site's diagram at once (af_generate=1) instead of offering to. */
  generate: boolean;
}

export const WS_PROTOCOL = "archiflow";
export const WS_TOKEN_PROTOCOL_PREFIX = "archiflow.token.";
// A subprotocol is an HTTP token (RFC 9110 tchar); the browser refuses to open a socket with
// anything else, so such a key is not offered at all and the server says it is missing.
const TCHARS = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** How long the plugin waits for the host page to answer before it connects without a key. */
export const HOST_TOKEN_TIMEOUT_MS = 10_000;

/**
 * Whether `text` can be a diagram id: 1 to 100 characters of printable text without surrounding
 * blanks, as the server's diagrams.id is (numbers are ids like any other text).
 */
export function isDiagramId(text: string): boolean {
  return text.length >= 1 && text.length <= 100 && text === text.trim() && !/\p{Cc}/u.test(text);
}

export function editorParams(href: string): EditorParams {
  const url = new URL(href);
  const p = url.searchParams;
  const rawId = p.get("af_diagram") ?? p.get("diagram");
  const id = rawId !== null && isDiagramId(rawId) ? rawId : null;
  let server = url.origin;
  const given = p.get("af_server");
  if (given) {
    try {
      const s = new URL(given);
      if (s.protocol === "http:" || s.protocol === "https:") server = s.origin;
    } catch { /* keep the frame's origin */ }
  }
  const ws = new URL("/ws", server);
  ws.protocol = ws.protocol === "https:" ? "wss:" : "ws:";
  const text = (key: string) => {
    const v = p.get(key)?.trim() ?? "";
    return v !== "" && v.length <= 200 && !/\p{Cc}/u.test(v) ? v : null;
  };
  const site = text("af_site");
  return {
    diagramId: id,
    server,
    wsUrl: ws.toString(),
    site,
    siteName: site === null ? null : text("af_site_name"),
    // Only for a site and without a diagram to open: a diagram id always wins.
    generate: site !== null && id === null && p.get("af_generate") === "1",
  };
}

/** The subprotocols the WebSocket offers: the key rides in the second; the server answers the first. */
export function wsProtocols(token: string | null): string[] {
  return token && TCHARS.test(token)
    ? [WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token]
    : [WS_PROTOCOL];
}

/** What tokenFromHost needs of a window: its parent and its message events. */
export interface MessageWindow {
  parent: { postMessage(message: unknown, targetOrigin: string): void } | null;
  addEventListener(type: "message", fn: (ev: MessageEventLike) => void): void;
  removeEventListener(type: "message", fn: (ev: MessageEventLike) => void): void;
}

export interface MessageEventLike {
  source: unknown;
  origin: string;
  data: unknown;
}

/**
 * Asks the host page (the frame's parent at `hostOrigin`) for the key and resolves with it, or
 * with null when the frame is not framed, the host has none, or it does not answer in time.
 * With `fresh`, asks for a new key instead (the host gets one from the page that framed it,
 * e.g. NetBox); null then means none came and the current key is all there is.
 * Messages are plain objects, not JSON text: draw.io's own embed protocol parses every JSON
 * message from the parent and echoes unknown ones back to it, key included.
 */
export function tokenFromHost(
  win: MessageWindow,
  hostOrigin: string,
  timeoutMs = HOST_TOKEN_TIMEOUT_MS,
  fresh = false,
): Promise<string | null> {
  const parent = win.parent;
  if (!parent || parent === (win as unknown)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (token: string | null) => {
      clearTimeout(timer);
      win.removeEventListener("message", onMessage);
      resolve(token);
    };
    const onMessage = (ev: MessageEventLike) => {
      // Only the host page may hand over a key: any other window could post one of its own.
      if (ev.source !== parent || ev.origin !== hostOrigin) return;
      const data = ev.data as { archiflow?: unknown; token?: unknown } | null;
      if (typeof data !== "object" || data === null || data.archiflow !== "token") return;
      done(typeof data.token === "string" && data.token !== "" ? data.token : null);
    };
    win.addEventListener("message", onMessage);
    const timer = setTimeout(() => done(null), timeoutMs);
    parent.postMessage({ archiflow: fresh ? "token-refresh" : "token-request" }, hostOrigin);
  });
}

/** When an editor token was issued and expires, in Unix seconds; null for an API key. */
export interface KeyLifetime {
  iat: number;
  exp: number;
}

/**
 * Reads iat and exp from an editor token's payload (base64url JSON before the "."). Nothing is
 * verified: the server does that; the editor only needs to know when to ask for a new one.
 * Null for anything else, such as an API key (af_...), which does not expire this way.
 */
export function keyLifetime(token: string | null): KeyLifetime | null {
  if (!token || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const b64 = token.slice(0, token.indexOf(".")).replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    const { iat, exp } = claims ?? {};
    if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || exp <= iat) return null;
    return { iat, exp };
  } catch {
    return null;
  }
}

/** How long before expiry a fresh key is asked for: a minute, or a third of a short life. */
export function refreshMarginSeconds(life: KeyLifetime): number {
  return Math.min(60, (life.exp - life.iat) / 3);
}

/**
 * Milliseconds from `nowMs` (when the key arrived) until a fresh one should be asked for, or
 * null when the key does not expire. The earlier of two estimates: the key's lifetime less the
 * margin, counted from its arrival (right whatever this browser's clock says), and its exp less
 * the margin by this browser's clock (right for a key that waited before it arrived). Never less
 * than a quarter of the first, so a clock running far ahead cannot make the editor ask again and
 * again.
 */
export function refreshDelayMs(token: string | null, nowMs: number): number | null {
  const life = keyLifetime(token);
  if (!life) return null;
  const margin = refreshMarginSeconds(life);
  const fromArrival = (life.exp - life.iat - margin) * 1000;
  const byClock = (life.exp - margin) * 1000 - nowMs;
  return Math.round(Math.min(fromArrival, Math.max(byClock, fromArrival / 4)));
}

/**
 * After a request for a fresh key went unanswered: a few more tries while the key still works
 * (NetBox may be briefly away), then one a minute, so an editor whose user logs in to NetBox
 * again recovers by itself.
 */
export function retryDelayMs(token: string | null, nowMs: number): number {
  const life = keyLifetime(token);
  const left = life ? life.exp * 1000 - nowMs : 0;
  return left > 0 ? Math.round(Math.min(30_000, Math.max(2_000, left / 3))) : 60_000;
}

export interface KeyRefreshOptions {
  /** Asks for a fresh key; null when none came. */
  ask: () => Promise<string | null>;
  /** Takes each fresh key into use. */
  onKey: (token: string) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/**
 * Keeps an editor token fresh for as long as the host can give new ones: asks a while before
 * each key expires (refreshDelayMs) and hands every new key to `onKey`. An API key, or no key,
 * is left alone. Returns a function that stops it.
 */
export function keepKeyFresh(token: string | null, options: KeyRefreshOptions): () => void {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ??
    ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let current = token;
  let timer: unknown = null;
  let stopped = false;
  const run = async () => {
    timer = null;
    const fresh = await options.ask().catch(() => null);
    if (stopped) return;
    if (fresh && fresh !== current && keyLifetime(fresh)) {
      current = fresh;
      options.onKey(fresh);
      const delay = refreshDelayMs(current, now());
      if (delay !== null) timer = setTimer(run, delay);
    } else {
      timer = setTimer(run, retryDelayMs(current, now()));
    }
  };
  const first = refreshDelayMs(current, now());
  if (first !== null) timer = setTimer(run, first);
  return () => {
    stopped = true;
    if (timer !== null) clearTimer(timer);
  };
}
