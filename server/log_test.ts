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
