// A WebSocket's credential while the socket stays open: checked again before calls once the last
// check is older than the token cache, on a timer for idle sockets, and closed with 1008 when it
// expires or is revoked, so revocation and expiry reach sockets too.
import { toAppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { CLOSE_POLICY } from "./socket_limits.ts";

/** The credential a socket was opened with, as seen again while the socket stays open. */
export interface SocketCredential {
  /** When it stops working, in ms since the epoch; null when it does not expire. */
  expiresAt: number | null;
  /** How old the last check may be before the next message waits for a new one, in ms. */
  maxAgeMs: number;
  /**
   * Checks the credential again and resolves with its expiry; rejects with the reason it no
   * longer works. `fresh` asks past any cache (before a call), otherwise a cached answer will do.
   */
  check(fresh: boolean): Promise<number | null>;
}

/**
 * Keeps a socket's credential honest: closes the socket when the credential expires, checks it
 * again before a message is handled once the last check is older than the cache time (fresh from
 * the database, so revocation stops calls within that time), and on a timer for idle sockets,
 * which may still be receiving notifications.
 */
export function guardCredential(
  socket: WebSocket,
  deps: { credential?: SocketCredential; log: Logger },
) {
  const cred = deps.credential;
  let checkedAt = Date.now();
  let expiresAt = cred?.expiresAt ?? null;
  let pending: { fresh: boolean; done: Promise<boolean> } | null = null;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let recheckTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    stop();
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      socket.close(CLOSE_POLICY, fitReason(reason));
    }
  };
  const armExpiry = () => {
    clearTimeout(expiryTimer);
    if (expiresAt === null) return;
    // setTimeout cannot wait longer than 2^31-1 ms; far expiries are armed again on the way.
    const wait = Math.min(expiresAt - Date.now(), 2 ** 31 - 1);
    if (wait <= 0) return close("Token expired");
    expiryTimer = setTimeout(() => {
      if (expiresAt !== null && expiresAt <= Date.now()) close("Token expired");
      else armExpiry();
    }, wait);
  };
  const check = (fresh: boolean): Promise<boolean> => {
    if (!cred || closed) return Promise.resolve(!closed);
    if (pending && (pending.fresh || !fresh)) return pending.done;
    // A cached answer under way does not do for a call: ask again once it is in.
    if (pending) return pending.done.then((ok) => ok && check(true));
    const done: Promise<boolean> = cred.check(fresh).then(
      (expiry) => {
        checkedAt = Date.now();
        if (expiry !== expiresAt) {
          expiresAt = expiry;
          armExpiry();
        }
        return !closed;
      },
      (err) => {
        const e = toAppError(err);
        // A database that cannot answer is no verdict on the credential: it is asked again after
        // the cache time (not on every message of an outage), and calls meanwhile fail on the
        // database themselves.
        if (e.kind === "internal" || e.kind === "unavailable") {
          checkedAt = Date.now();
          deps.log.warn("cannot check a WebSocket's credential again", { error: e.message });
          return !closed;
        }
        close(e.message);
        return false;
      },
    ).finally(() => {
      if (pending?.done === done) pending = null;
    });
    pending = { fresh, done };
    return done;
  };
  function stop() {
    clearTimeout(expiryTimer);
    clearInterval(recheckTimer);
  }
  return {
    start() {
      if (!cred) return;
      armExpiry();
      const every = Math.max(cred.maxAgeMs, 1000);
      recheckTimer = setInterval(() => {
        if (Date.now() - checkedAt >= cred.maxAgeMs) check(false);
      }, every);
    },
    stop() {
      closed = true;
      stop();
    },
    /** Resolves false when the socket is closing because its credential no longer works. */
    valid(): Promise<boolean> {
      if (closed) return Promise.resolve(false);
      if (expiresAt !== null && expiresAt <= Date.now()) {
        close("Token expired");
        return Promise.resolve(false);
      }
      if (!cred || Date.now() - checkedAt < cred.maxAgeMs) return Promise.resolve(true);
      return check(true);
    },
  };
}

/** A close reason may hold at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export function fitReason(text: string): string {
  const encoder = new TextEncoder();
  let fit = text;
  while (encoder.encode(fit).length > 123) fit = fit.slice(0, -1);
  return fit;
}
