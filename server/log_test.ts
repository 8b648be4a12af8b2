import assert from "node:assert/strict";
import { createLogger, redactText } from "./log.ts";

Deno.test("redactText() removes secret query parameters, credentials and URL passwords", () => {
  assert.equal(
    redactText("/api/x?token=abc&key=k1&api_key=z&password=p&limit=5"),
    "/api/x?token=[redacted]&key=[redacted]&api_key=[redacted]&password=[redacted]&limit=5",
  );
  assert.equal(redactText("Authorization: Bearer abc.def-1"), "Authorization: Bearer [redacted]");
  assert.equal(redactText("Token 0123abcd"), "Token [redacted]");
  assert.equal(
    redactText("postgres://app:s3cret@db:5432/archiflow?sslmode=require"),
    "postgres://app:[redacted]@db:5432/archiflow?sslmode=require",
  );
  assert.equal(redactText("nothing secret here"), "nothing secret here");
});

Deno.test("redactText() matches parameter names as a URL parser decodes them", () => {
  for (
    const name of [
      "%74oken",
      "TOKEN",
      "access_token",
      "%6Bey",
      "%6b%65%79",
      "api%5Fkey",
      "%2574oken",
      "Token",
      "x-auth",
      "sig",
      "%70assword",
    ]
  ) {
    const text = redactText(`/ws?diagram=1&${name}=af_SECRET&limit=5`);
    assert.equal(text, `/ws?diagram=1&${name}=[redacted]&limit=5`, name);
  }
  assert.equal(redactText("/api/x?design=a&limit=5"), "/api/x?design=a&limit=5");
});

Deno.test("log lines mask secret fields, also nested, and keep the rest", () => {
  const lines: string[] = [];
  const log = createLogger("info", { requestId: "r1" }, (l) => lines.push(l));
  log.info("call", {
    password: "p1",
    nested: { apiKey: "k2", url: "http://x/?token=t3", count: 2 },
    authorized: true,
  });
  const line = JSON.parse(lines[0]);
  assert.equal(line.requestId, "r1");
  assert.equal(line.password, "[redacted]");
  assert.equal(line.nested.apiKey, "[redacted]");
  assert.equal(line.nested.url, "http://x/?token=[redacted]");
  assert.equal(line.nested.count, 2);
  for (const s of ["p1", "k2", "t3"]) assert.ok(!lines[0].includes(s));
});

Deno.test("buffered stdout lines are all written, in order, also when the process exits or crashes", async () => {
  const logModule = new URL("./log.ts", import.meta.url).href;
  const run = async (ending: string) => {
    const script = `import { createLogger } from ${JSON.stringify(logModule)};
      const log = createLogger("info");
      log.info("one"); log.info("two"); log.warn("careful"); log.info("three");
      await new Promise((r) => setTimeout(r, 5));
      log.info("four");
      ${ending}`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const msgs = (bytes: Uint8Array) =>
      new TextDecoder().decode(bytes).split("\n").filter((l) => l.startsWith("{")).map((l) =>
        JSON.parse(l).msg
      );
    return { stdout: msgs(out.stdout), stderr: msgs(out.stderr), code: out.code };
  };
  for (const ending of ["", "Deno.exit(3);", "throw new Error('boom');"]) {
    const r = await run(ending);
    assert.deepEqual(r.stdout, ["one", "two", "three", "four"], ending);
    assert.deepEqual(r.stderr, ["careful"], ending);
  }
});

Deno.test("redactText() leaves text without secrets untouched and catches any whitespace", () => {
  assert.equal(redactText("Token\tabc123"), "Token [redacted]");
  const plain = "tool call allocate-ip 10.0.0.1/24 ok";
  assert.equal(redactText(plain), plain);
});
