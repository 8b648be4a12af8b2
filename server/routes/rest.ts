// The REST API under /api/: the declared resources, the API root, status, the OpenAPI document
// (made on first request from the routes the app has mounted by then) and its browser page.
// Holds the one RestContext the resource routes share.
import { Hono } from "hono";
import type { Row } from "../db/db.ts";
import { schemaVersion } from "../db/migrate.ts";
import { sql } from "../db/queries.ts";
import { SERVER_INFO } from "../rpc/dispatch.ts";
import { callTool } from "../tools/tool.ts";
import { aclArgs } from "../tools/diagram_acl.ts";
import { buildListQuery, type ListSource } from "./list_query.ts";
import { toolContext } from "./context.ts";
import type { Env, RouteDeps } from "./env.ts";
import { type MountedRoute, openApiDocument } from "./openapi.ts";
import { DOCS_HEADERS, DOCS_HTML } from "./openapi_page.ts";
import {
  both,
  dbInTransaction,
  defaultArgs,
  etagOf,
  notImplemented,
  presentRow,
  project,
  type ResourceDecl,
  type RestContext,
  stripTotal,
} from "./resource.ts";
import { resourceRoutes } from "./resource_routes.ts";
import { createRowReaders } from "./row_readers.ts";
import { RESOURCES } from "./resources.ts";

export function createRestContext(deps: RouteDeps, resources: ResourceDecl[]): RestContext {
  const rc: RestContext = {
    deps,
    async runTool(c, binding, call, db, what) {
      if (!deps.registry.get(binding.tool)) throw notImplemented(what, binding.tool);
      const args = binding.args ? binding.args(call) : defaultArgs(call);
      // The request's id, so that the items of a bulk call share it.
      return await callTool(deps.registry, binding.tool, args, toolContext(c, deps, { db })) as Row;
    },
    inTransaction: (fn) => deps.db.transaction((tx) => fn(dbInTransaction(deps.db, tx), tx)),
    async list(c, source: ListSource, extra = []) {
      const url = new URL(c.req.url);
      const params = url.searchParams;
      const q = buildListQuery(source, params, extra);
      const rows = await deps.db.query(q.text, q.values);
      let count: number;
      if (rows.length) count = Number(rows[0].__total);
      else if (q.offset === 0) count = 0;
      else count = Number((await deps.db.query(q.countText, q.countValues))[0].__total);
      const link = (offset: number) => {
        const u = new URL(url);
        u.searchParams.set("limit", String(q.limit));
        if (offset > 0) u.searchParams.set("offset", String(offset));
        else u.searchParams.delete("offset");
        return u.toString();
      };
      const body = {
        count,
        next: q.offset + q.limit < count ? link(q.offset + q.limit) : null,
        previous: q.offset > 0 ? link(Math.max(0, q.offset - q.limit)) : null,
        results: project(
          rows.map((row) => presentRow(source.fields, stripTotal(row))),
          params,
          source.fields,
          briefOf(source),
        ),
      };
      const etag = await etagOf(body);
      c.header("ETag", etag);
      if (c.req.header("if-none-match")?.split(",").map((s) => s.trim()).includes(etag)) {
        return c.body(null, 304);
      }
      return c.json(body);
    },
    ...createRowReaders(resources, deps.config),
  };
  return rc;
}

// Brief fields per list source, filled when resources mount (nested lists fall back to id).
const BRIEF = new WeakMap<object, string[]>();
function briefOf(source: ListSource): string[] {
  return BRIEF.get(source.fields) ?? ["id"];
}

/**
 * The REST routes; `mounted` lists the routes of the whole app once it is built, which the OpenAPI
 * document describes.
 */
export function restRoutes(deps: RouteDeps, mounted: () => MountedRoute[]): Hono<Env> {
  const app = new Hono<Env>();
  const rc = createRestContext(deps, RESOURCES);

  app.on("GET", both("/api"), (c) => {
    const root = new URL("/api/", c.req.url).toString();
    return c.json(Object.fromEntries(RESOURCES.map((r) => [r.path, `${root}${r.path}/`])));
  });

  app.on("GET", both("/api/status"), async (c) => {
    const actor = c.get("actor");
    const [counts] = await deps.db.query(
      sql("RestStatusCounts"),
      aclArgs({ actor, config: deps.config }),
    );
    return c.json({
      archiflow_version: SERVER_INFO.version,
      database: { backend: deps.db.kind, schema_version: await schemaVersion(deps.db) },
      tools: deps.registry.list().map((t) => t.name).sort(),
      counts,
      user: { name: actor.user, scope: actor.scope },
    });
  });

  let doc: Record<string, unknown> | null = null;
  app.on("GET", both("/api/schema"), (c) => {
    doc ??= openApiDocument(RESOURCES, deps.registry, mounted());
    return c.json(doc);
  });
  app.on("GET", both("/api/docs"), (c) => c.html(DOCS_HTML, 200, DOCS_HEADERS));

  for (const decl of RESOURCES) {
    BRIEF.set(decl.list.fields, decl.brief);
    app.route("/", resourceRoutes(rc, decl));
  }
  return app;
}
