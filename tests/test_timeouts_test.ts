// The per-test time limit `deno task test` preloads (tests/support/timeouts.ts): a child run of
// tests/fixtures/hanging_tests.ts with tiny limits must fail the hanging test by name, give the
// test marked slow its larger limit, and go on to the test after them.
import assert from "node:assert/strict";

Deno.test("a test that hangs fails with its name once its limit passes; the run goes on", async () => {
  const root = new URL("../", import.meta.url);
  // Should the limit not work, the child would hang: end it rather than this run.
  const stop = new AbortController();
  const guard = setTimeout(() => stop.abort(), 60_000);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--no-check",
      "--preload",
      "tests/support/timeouts.ts",
      "tests/fixtures/hanging_tests.ts",
    ],
    cwd: root,
    env: {
      NO_COLOR: "1",
      ARCHIFLOW_TEST_TIMEOUT_MS: "300",
      ARCHIFLOW_SLOW_TEST_TIMEOUT_MS: "30000",
    },
    stdout: "piped",
    stderr: "piped",
    signal: stop.signal,
  }).output().finally(() => clearTimeout(guard));
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, text);
  assert.match(
    text,
    /test "waits for a connection nobody makes" \(\S+hanging_tests\.ts:\d+:\d+\) did not finish within 300 ms \(timed out\)/,
  );
  assert.match(text, /a slow test gets the larger limit \.\.\. ok/);
  assert.match(text, /the run goes on after a test timed out \.\.\. ok/);
  assert.match(text, /2 passed \| 1 failed/);
});
