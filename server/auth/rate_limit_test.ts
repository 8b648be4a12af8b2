import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { admitCalls, RateLimiter } from "./rate_limit.ts";

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

Deno.test("admitCalls() draws on every budget and names the setting that refused", () => {
  let now = 0;
  const perAddress = new RateLimiter(100, () => now);
  const perToken = new RateLimiter(2, () => now);
  const admit = admitCalls([
    { limiter: perAddress, key: "10.0.0.1", setting: "ARCHIFLOW_RATE_LIMIT_PER_ADDRESS" },
    { limiter: perToken, key: "token:1", setting: "ARCHIFLOW_RATE_LIMIT_PER_TOKEN" },
  ]);
  admit("get-ip-pools");
  admit("get-ip-pools");
  assert.throws(() => admit("get-ip-pools"), (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.details?.reason, "rate_limited");
    assert.match(err.message, /ARCHIFLOW_RATE_LIMIT_PER_TOKEN/);
    assert.equal(err.details?.retryAfter, 30);
    return true;
  });
  now += 30_000;
  admit("get-ip-pools");
});
