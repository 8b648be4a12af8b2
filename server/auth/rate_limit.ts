// Request rate limits per token and per client address: token buckets in process memory.
// Each process limits on its own; behind a load balancer the effective limit is per process.
export interface RateDecision {
  ok: boolean;
  /** Seconds until one more request would be allowed (when refused). */
  retryAfter: number;
}

export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();

  /** perMinute <= 0 disables the limit. */
  constructor(readonly perMinute: number, readonly now: () => number = Date.now) {}

  take(key: string): RateDecision {
    if (this.perMinute <= 0) return { ok: true, retryAfter: 0 };
    const now = this.now();
    const rate = this.perMinute / 60_000;
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size > 50_000) this.#sweep(now, rate);
      b = { tokens: this.perMinute, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfter: 0 };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) };
  }

  // Full buckets carry no information; dropping them bounds memory under address scans.
  #sweep(now: number, rate: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * rate >= this.perMinute) this.#buckets.delete(k);
    }
  }
}
