// Bounds on open WebSockets: per owner (an API token, or the user of an editor token), per client
// address and in all, and the byte length of a message as it came over the wire. A socket over a
// cap is still upgraded and then closed with a code and a reason naming the setting, because a
// browser cannot read the HTTP status of a refused upgrade but does see the close frame.

/** Caps on open sockets; 0 means no cap. */
export interface SocketCaps {
  perOwner: number;
  perAddress: number;
  total: number;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; code: 1008 | 1013; reason: string };

/** Close code for a policy refusal (RFC 6455 §7.4.1): this client has too many sockets. */
export const CLOSE_POLICY = 1008;
/** Close code "try again later" (IANA registry): the server as a whole is full. */
export const CLOSE_TRY_AGAIN = 1013;

/** Counts open sockets by owner and address; a slot is held from upgrade until close. */
export class SocketSlots {
  #owners = new Map<string, number>();
  #addresses = new Map<string, number>();
  #total = 0;

  constructor(readonly caps: SocketCaps) {}

  get total(): number {
    return this.#total;
  }

  acquire(owner: string, address: string | null): Admission {
    const addr = address ?? "unknown";
    const { perOwner, perAddress, total } = this.caps;
    if (total > 0 && this.#total >= total) {
      return {
        ok: false,
        code: CLOSE_TRY_AGAIN,
        reason: `Server has too many open WebSockets, retry later (ARCHIFLOW_MAX_SOCKETS=${total})`,
      };
    }
    if (perAddress > 0 && (this.#addresses.get(addr) ?? 0) >= perAddress) {
      return {
        ok: false,
        code: CLOSE_POLICY,
        reason: `Too many open WebSockets from this address ` +
          `(ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS=${perAddress})`,
      };
    }
    if (perOwner > 0 && (this.#owners.get(owner) ?? 0) >= perOwner) {
      return {
        ok: false,
        code: CLOSE_POLICY,
        reason:
          `Too many open WebSockets for this token (ARCHIFLOW_MAX_SOCKETS_PER_TOKEN=${perOwner})`,
      };
    }
    bump(this.#owners, owner, 1);
    bump(this.#addresses, addr, 1);
    this.#total++;
    let held = true;
    return {
      ok: true,
      release: () => {
        if (!held) return;
        held = false;
        bump(this.#owners, owner, -1);
        bump(this.#addresses, addr, -1);
        this.#total--;
      },
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

/**
 * Whether `text` encoded as UTF-8 is longer than `limit` bytes. A UTF-16 unit takes 1 to 3 bytes
 * (a surrogate pair, two units, takes 4), so most texts are decided by their length alone and
 * only those near the limit are counted, stopping as soon as the limit is passed.
 */
export function utf8LongerThan(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
