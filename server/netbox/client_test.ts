import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { authorizationFor, NetboxClient } from "./client.ts";

type Handler = (req: Request) => Response | Promise<Response>;
function fakeNetbox(version: string, handler: Handler) {
  const seen: Request[] = [];
  const f: typeof fetch = (input, init) => {
    const req = new Request(input as string, init);
    seen.push(req);
    if (new URL(req.url).pathname === "/api/status/") {
      return Promise.resolve(Response.json({ "netbox-version": version }));
    }
    return Promise.resolve(handler(req));
  };
  return { fetch: f, seen };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1 }));

Deno.test("authorizationFor() sends v2 nbt_ tokens as Bearer and older keys as Token", () => {
  assert.equal(authorizationFor("nbt_abc.def"), "Bearer nbt_abc.def");
  assert.equal(authorizationFor("0123abcd"), "Token 0123abcd");
  assert.equal(authorizationFor("Bearer x"), "Bearer x");
});

Deno.test("pages() follows next links with limit and fields on NetBox before 4.6", async () => {
  const all = items(5);
  const nb = fakeNetbox("4.2.2", (req) => {
    const u = new URL(req.url);
    const offset = Number(u.searchParams.get("offset") ?? 0);
    const limit = Number(u.searchParams.get("limit"));
    assert.equal(u.searchParams.get("fields"), "id,name");
    assert.equal(u.searchParams.get("start"), null);
    const next = offset + limit < all.length
      ? `http://elsewhere.example/api/dcim/devices/?limit=${limit}&offset=${
        offset + limit
      }&fields=id,name`
      : null;
    return Response.json({ count: 5, next, results: all.slice(offset, offset + limit) });
  });
  const c = new NetboxClient({ url: "http://nb.test/", token: "t", fetch: nb.fetch, pageSize: 2 });
  const got = await c.list("/api/dcim/devices/", { fields: ["id", "name"] });
  assert.deepEqual(got, all);
  // the `next` host is rewritten to the configured NetBox
  assert.ok(nb.seen.every((r) => new URL(r.url).host === "nb.test"));
  assert.equal(nb.seen[1].headers.get("authorization"), "Token t");
});

Deno.test("pages() uses the start cursor on NetBox 4.6 and newer", async () => {
  const nb = fakeNetbox("4.6.1", (req) => {
    const u = new URL(req.url);
    assert.ok(u.searchParams.has("start"));
    const start = Number(u.searchParams.get("start"));
    const page = items(5).filter((x) => x.id >= start).slice(0, 2);
    const next = page.length === 2 ? `http://nb.test/api/x/?start=${page[1].id + 1}&limit=2` : null;
    return Response.json({ count: null, next, results: page });
  });
  const c = new NetboxClient({
    url: "http://nb.test",
    token: "nbt_k.s",
    fetch: nb.fetch,
    pageSize: 2,
  });
  assert.deepEqual((await c.list("/api/x/")).map((x) => x.id), [1, 2, 3, 4, 5]);
  assert.equal(nb.seen[1].headers.get("authorization"), "Bearer nbt_k.s");
});

Deno.test("request() retries 429 and 5xx with backoff, then succeeds", async () => {
  let calls = 0;
  const nb = fakeNetbox("4.2.2", () => {
    calls++;
    if (calls === 1) return new Response("slow down", { status: 429 });
    if (calls === 2) return new Response("oops", { status: 502 });
    return Response.json({ ok: true });
  });
  const c = new NetboxClient({ url: "http://nb.test", token: "t", fetch: nb.fetch, backoffMs: 1 });
  assert.deepEqual(await c.get("/api/dcim/sites/1/"), { ok: true });
  assert.equal(calls, 3);
});

Deno.test("request() gives up after its retries with an unavailable error", async () => {
  const nb = fakeNetbox("4.2.2", () => new Response("down", { status: 503 }));
  const c = new NetboxClient({
    url: "http://nb.test",
    token: "t",
    fetch: nb.fetch,
    backoffMs: 1,
    retries: 2,
  });
  await assert.rejects(c.get("/api/dcim/sites/"), (err: AppError) => {
    assert.equal(err.kind, "unavailable");
    assert.match(err.message, /HTTP 503 after 3 attempts/);
    return true;
  });
});

Deno.test("request() reports 401, 403 and 404 clearly and does not retry them", async () => {
  for (
    const [status, kind] of [[401, "unauthenticated"], [403, "forbidden"], [
      404,
      "not_found",
    ]] as const
  ) {
    let calls = 0;
    const nb = fakeNetbox("4.2.2", () => {
      calls++;
      return Response.json({ detail: "Invalid token" }, { status });
    });
    const c = new NetboxClient({
      url: "http://nb.test",
      token: "t",
      fetch: nb.fetch,
      backoffMs: 1,
    });
    await assert.rejects(c.get("/api/dcim/sites/"), (err: AppError) => {
      assert.equal(err.kind, kind);
      assert.match(err.message, new RegExp(`${status}`));
      return true;
    });
    assert.equal(calls, 1);
  }
});

Deno.test("request() times out a NetBox that does not answer", async () => {
  const hang: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
    });
  const c = new NetboxClient({
    url: "http://nb.test",
    token: "t",
    fetch: hang,
    timeoutMs: 20,
    retries: 1,
    backoffMs: 1,
  });
  await assert.rejects(c.get("/api/status/"), /Cannot reach NetBox/);
});
