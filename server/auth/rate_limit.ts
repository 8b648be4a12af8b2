// Request rate limits per token and per client address: token buckets in process memory that
// refill continuously at their per-minute rate, holding at most one minute's budget. Each
// process limits on its own; behind a load balancer the effective limit is per process.
// HTTP requests and tool calls draw on the same buckets: admitCalls() is the hook every
// transport's tool context carries, so a call counts whether it came over REST, MCP or a
// WebSocket opened long before the limit was reached.
import { rateLimited } from "../errors.ts";

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

/** One bucket a call draws on, and the setting that sizes it (named when it refuses). */
export interface CallBudget {
  limiter: RateLimiter;
  key: string;
  setting: string;
}

/**
 * What a tool context's `admit` hook does: takes one from each budget, or throws AppError
 * (errors.ts rateLimited) with `retryAfter` (seconds) in its details.
 */
export function admitCalls(budgets: CallBudget[]): (tool: string) => void {
  return (tool) => {
    for (const { limiter, key, setting } of budgets) {
      const d = limiter.take(key);
      if (!d.ok) {
        throw rateLimited(
          `Cannot call ${tool}: more than ${limiter.perMinute} calls per minute ` +
            `(${setting}); retry in ${d.retryAfter} s`,
          d.retryAfter,
          setting,
        );
      }
    }
  };
}
