import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { assertIdentifier, buildGetQuery, buildListQuery, type ListSource } from "./list_query.ts";

const source: ListSource = {
  base: "SELECT id, name, site, tags, status, created_at, ip, meta FROM t",
  fields: {
    id: { type: "int" },
    name: { type: "text" },
    site: { type: "text", nullable: true },
    tags: { type: "text[]" },
    status: { type: "enum", values: ["up", "down"] },
    created_at: { type: "timestamp" },
    ip: { type: "inet", nullable: true },
    meta: { type: "json" },
  },
  search: ["name", "site"],
  ordering: ["name"],
};

const build = (qs: string) => buildListQuery(source, new URLSearchParams(qs));
const invalidParam = (qs: string, param: string) =>
  assert.throws(() => build(qs), (e) => {
    assert.ok(e instanceof AppError && e.kind === "invalid", String(e));
    assert.ok(e.message.startsWith(`${param}:`), e.message);
    return true;
  });

Deno.test("values become parameters and never appear in the SQL text", () => {
  const evil = `x'); DROP TABLE t; --`;
  const q = build(
    `name=${encodeURIComponent(evil)}&site__ic=${encodeURIComponent("%_\\")}&q=${
      encodeURIComponent(evil)
    }`,
  );
  assert.ok(!q.text.includes("DROP"));
  assert.deepEqual(q.values.slice(0, 1), [[evil]]);
  assert.deepEqual(q.values[1], ["%\\%\\_\\\\%"], "LIKE wildcards are escaped");
  assert.equal(q.values.at(-2), 50);
  assert.equal(q.values.at(-1), 0);
});

Deno.test("several values of one filter are alternatives; filters combine with AND", () => {
  const q = build("name=a&name=b&status=up");
  assert.match(q.text, /r\."name" = ANY\(\$1::text\[\]\) AND r\."status" = ANY\(\$2::text\[\]\)/);
  assert.deepEqual(q.values.slice(0, 2), [["a", "b"], ["up"]]);
});

Deno.test("each lookup produces its operator", () => {
  assert.match(build("name__n=a").text, /r\."name" IS NULL OR NOT \(r\."name" = ANY/);
  assert.match(build("name__ic=a").text, /r\."name" ILIKE ANY/);
  assert.match(build("name__nic=a").text, /NOT \(r\."name" ILIKE ANY/);
  assert.match(build("name__isw=a").text, /r\."name" ILIKE ANY/);
  assert.deepEqual(build("name__isw=a").values[0], ["a%"]);
  assert.match(build("id__gte=3").text, /r\."id" >= \$1::bigint/);
  assert.match(build("id__lt=3").text, /r\."id" < \$1::bigint/);
  assert.match(build("created_at__gt=2026-01-01").text, /r\."created_at" > \$1::timestamptz/);
  assert.match(build("site__empty=true").text, /\(r\."site" IS NULL OR r\."site" = ''\)/);
  assert.match(build("ip__empty=false").text, /NOT r\."ip" IS NULL/);
  assert.match(build("tags=x").text, /r\."tags" && \$1::text\[\]/);
  assert.match(build("tags__empty=1").text, /cardinality\(r\."tags"\) = 0/);
});

Deno.test("unknown filters, lookups and bad values are refused naming the parameter", () => {
  invalidParam("nope=1", "nope");
  invalidParam("name__regex=a", "name__regex");
  invalidParam("id=abc", "id");
  invalidParam("id__gte=1%3B", "id__gte");
  invalidParam("status=sideways", "status");
  invalidParam("created_at__gt=yesterday", "created_at__gt");
  invalidParam("ip=999.1.1.1", "ip");
  invalidParam("meta=x", "meta");
  invalidParam("id__ic=1", "id__ic");
  invalidParam("site__empty=maybe", "site__empty");
  invalidParam(`name=${"x".repeat(10_000)}`, "name");
  invalidParam("name=a%00b", "name");
  invalidParam("ordering=secret", "ordering");
  invalidParam("ordering=meta", "ordering");
  invalidParam("limit=-1", "limit");
  invalidParam("offset=1e3", "offset");
});

Deno.test("ordering takes several fields, - for descending, and ends with id", () => {
  assert.match(
    build("ordering=-created_at,name").text,
    /ORDER BY r\."created_at" DESC, r\."name" ASC, r\."id" ASC/,
  );
  assert.match(build("").text, /ORDER BY r\."name" ASC, r\."id" ASC/);
});

Deno.test("limit defaults to 50, is capped at 1000, and offset is kept", () => {
  assert.equal(build("").limit, 50);
  assert.equal(build("limit=5000").limit, 1000);
  assert.equal(build("limit=0").limit, 50);
  assert.equal(build("offset=70").offset, 70);
});

Deno.test("q searches the declared fields only", () => {
  const q = build("q=core");
  assert.match(q.text, /\(r\."name"::text ILIKE \$1 OR r\."site"::text ILIKE \$1\)/);
  assert.deepEqual(q.values[0], "%core%");
});

Deno.test("identifiers are checked even though they come from declarations", () => {
  assert.equal(assertIdentifier("device_name"), '"device_name"');
  assert.throws(() => assertIdentifier('x"; DROP'));
  assert.throws(() => buildGetQuery(source, { "id = 1 OR 1": 1 }));
});

const textKeyed: ListSource = {
  base: "SELECT asset_id, device_name FROM network_devices",
  fields: { asset_id: { type: "text" }, device_name: { type: "text" } },
  search: ["asset_id"],
  ordering: ["device_name"],
  key: "asset_id",
};

Deno.test("a text key is filtered as text and breaks ordering ties", () => {
  const q = buildListQuery(textKeyed, new URLSearchParams("asset_id=10&asset_id__n=x%2F1"));
  assert.match(q.text, /r\."asset_id" = ANY\(\$1::text\[\]\)/);
  assert.deepEqual(q.values.slice(0, 2), [["10"], ["x/1"]], "numbers stay text");
  assert.match(q.text, /ORDER BY r\."device_name" ASC, r\."asset_id" ASC/);
  assert.doesNotMatch(q.text, /r\."id"/);
  assert.match(
    buildListQuery(textKeyed, new URLSearchParams("asset_id__gt=A-9")).text,
    /r\."asset_id" > \$1::text/,
  );
});

Deno.test("diagram visibility embeds the caller as parameters, and only when it restricts", () => {
  const visible = (acl: [string, boolean, boolean]) =>
    buildListQuery(source, new URLSearchParams("name=a"), [{ diagramVisible: "id", acl }]);
  const owner = visible(["o'brien", true, false]);
  assert.match(owner.text, /r\."id" IN \(SELECT d\.id\s+FROM diagrams d/);
  assert.ok(!owner.text.includes("o'brien"), "the user travels as a parameter");
  assert.deepEqual(owner.values.slice(0, 3), ["o'brien", true, false]);
  assert.match(owner.text, /d\.created_by = \$1::text/);
  assert.match(owner.text, /r\."name" = ANY\(\$4::text\[\]\)/, "later parameters follow");
  for (const acl of [["x", false, false], ["x", true, true]] as [string, boolean, boolean][]) {
    const open = visible(acl);
    assert.ok(!open.text.includes("diagrams d"), JSON.stringify(acl));
    assert.deepEqual(open.values[0], ["a"]);
  }
});

Deno.test("counts compare as numbers however large, and take whole numbers only", () => {
  const pools: ListSource = {
    base: "SELECT id, usable_count FROM pools",
    fields: { id: { type: "text" }, usable_count: { type: "count" } },
    search: [],
    ordering: ["usable_count"],
  };
  const big = "1208925819614629174706175";
  const q = buildListQuery(pools, new URLSearchParams(`usable_count__gte=${big}&usable_count=3`));
  assert.match(q.text, /r\."usable_count" >= \$1::numeric/);
  assert.match(q.text, /r\."usable_count" = ANY\(\$2::numeric\[\]\)/);
  assert.deepEqual(q.values.slice(0, 2), [big, ["3"]], "digits stay exact as text");
  for (const bad of ["-1", "1.5", "1e3", "x"]) {
    assert.throws(
      () => buildListQuery(pools, new URLSearchParams(`usable_count=${bad}`)),
      (e) => e instanceof AppError && /is not a whole number/.test(e.message),
      bad,
    );
  }
});
