import assert from "node:assert/strict";
import { Hono } from "hono";
import { plainPattern, routeLabel, UNMATCHED } from "./route_label.ts";

Deno.test("plainPattern() writes parameters as {name} without their matching rules", () => {
  assert.equal(plainPattern("/api/ip-pools/:id/"), "/api/ip-pools/{id}/");
  assert.equal(plainPattern("/api/alerts/:id{[0-9]+}/"), "/api/alerts/{id}/");
  assert.equal(
    plainPattern("/api/diagrams/:id/versions/:version_number{[0-9]{1,9}}/"),
    "/api/diagrams/{id}/versions/{version_number}/",
  );
  assert.equal(plainPattern("/api/x/:key{a\\}b}/y"), "/api/x/{key}/y");
  assert.equal(plainPattern("/opt/:id?"), "/opt/{id}");
  assert.equal(plainPattern("/drawio/*"), "/drawio/*");
  assert.equal(plainPattern("/a:b/c"), "/a:b/c");
});

Deno.test("routeLabel() names the route that answered, even with a 404 or a refusal", async () => {
  const app = new Hono();
  const seen: string[] = [];
  app.use("*", async (c, next) => {
    await next();
    seen.push(routeLabel(c));
  });
  app.use("*", async (c, next) => {
    if (c.req.header("authorization") !== "ok") return c.text("no", 401);
    await next();
  });
  app.get("/items/:id{[0-9]+}/", (c) => c.text("gone", 404));
  app.get("/items/", (c) => c.text("list"));
  app.all("/items/", (c) => c.text("no such method", 405));
  const ok = { headers: { authorization: "ok" } };
  const statuses = [
    (await app.request("/items/12/", ok)).status,
    (await app.request("/items/", ok)).status,
    (await app.request("/items/12/")).status,
    (await app.request("/items/abc/", ok)).status,
    (await app.request("/nowhere", ok)).status,
    (await app.request("/items/", { ...ok, method: "DELETE" })).status,
  ];
  assert.deepEqual(statuses, [404, 200, 401, 404, 404, 405]);
  assert.deepEqual(seen, [
    "/items/{id}/",
    "/items/",
    "/items/{id}/",
    UNMATCHED,
    UNMATCHED,
    "/items/",
  ]);
});
