import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";

Deno.test("a bucket allows its per-minute budget, then refuses with a retry time", () => {
  let now = 0;
  const limiter = new RateLimiter(60, () => now);
  for (let i = 0; i < 60; i++) assert.ok(limiter.take("k").ok);
  const refused = limiter.take("k");
  assert.equal(refused.ok, false);
  assert.equal(refused.retryAfter, 1);
  assert.ok(limiter.take("other").ok, "keys are independent");
  now += 1000;
  assert.ok(limiter.take("k").ok, "one request per second refills");
  assert.equal(limiter.take("k").ok, false);
});

Deno.test("a limit of zero disables limiting", () => {
  const limiter = new RateLimiter(0);
  for (let i = 0; i < 1000; i++) assert.ok(limiter.take("k").ok);
});
