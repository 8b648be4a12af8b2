// Mounts the operations of one REST resource (operations.ts) as NetBox-style routes. Reads go
// through the generic list builder; every write goes through callTool(), inside one
// transaction per request, so bulk bodies are all or nothing, and answers with the rows read
// again, in the shape their GET gives. A declared tool that the registry does not have yet
// answers 501; a method the resource does not offer on a path answers 405 with Allow.
import { AppError } from "../errors.ts";
import { type Context, Hono } from "hono";
import type { Env } from "./env.ts";
import type { Db, Row } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { buildGetQuery } from "./list_query.ts";
import { type Method, type Operation, resourceOperations } from "./operations.ts";
import { aclOf } from "./row_readers.ts";
import {
  type ActionDecl,
  both,
  type Call,
  clip,
  etagOf,
  ifMatchHolds,
  INT_KEY,
  type Key,
  type KeyDecl,
  notImplemented,
  parseKey,
  pluralOf,
  project,
  readBody,
  requireScope,
  type ResourceDecl,
  type RestContext,
  sourceOf,
  textKeyRule,
  type ToolBinding,
} from "./resource.ts";

/** The routes of one resource's operations. */
export function resourceRoutes(rc: RestContext, decl: ResourceDecl): Hono<Env> {
  const app = new Hono<Env>();
  const key = decl.key ?? INT_KEY;
  const source = sourceOf(decl.list, key.column);
  const detailFields = { ...decl.list.fields, ...decl.detailFields };
  const maxDepth = rc.deps.config.ARCHIFLOW_MAX_JSON_DEPTH;
  const acl = (c: Context<Env>, column: string) => aclOf(decl, rc.deps.config, c, column);
  const getRow = (c: Context<Env>, db: Pick<Db, "query">, id: Key) =>
    rc.readRow(c, db, { resource: decl.path, key: id });
  // Hono hands the segment percent-decoded: /api/ip-pools/core%20pool%2F1/ is "core pool/1".
  const idOf = (c: Context<Env>): Key => {
    const id = parseKey(key, c.req.param("id"));
    if (id === null) throw new AppError("not_found", "Not found");
    return id;
  };
  const paramsOf = (c: Context<Env>) => new URL(c.req.url).searchParams;
  // A body that is a list, or an object asking a tool for several rows, is answered with a list.
  const answer = (rows: Row[], body: unknown, binding: ToolBinding) =>
    Array.isArray(body) || (binding.several?.asked(body as Record<string, unknown>) ?? false)
      ? rows
      : rows[0];

  // Runs each item's tool call in one transaction, then re-reads the rows it touched.
  const write = async (
    c: Context<Env>,
    binding: ToolBinding,
    what: string,
    items: Call[],
    opts: { needsCurrent: boolean; ifMatch?: string; returnRows: boolean; clientKey?: boolean },
  ): Promise<Row[]> => {
    requireScope(c, "write");
    if (!rc.deps.registry.get(binding.tool)) throw notImplemented(what, binding.tool);
    return await rc.inTransaction(async (db) => {
      const out: Row[] = [];
      for (const call of items) {
        if (opts.needsCurrent) {
          if (call.id === undefined) {
            throw new AppError("invalid", `Every object must carry its ${key.column}`, {
              errors: {
                [key.column]: ["This field is required."],
              },
            });
          }
          await db.query(sql("LockRestObject"), [decl.path, call.id]);
          call.current = await getRow(c, db, call.id);
          if (
            opts.ifMatch !== undefined && !ifMatchHolds(opts.ifMatch, await etagOf(call.current))
          ) {
            throw new AppError(
              "conflict",
              `${decl.noun} ${call.id} changed since it was read (If-Match does not match)`,
              { reason: "precondition_failed" },
              { status: 412 },
            );
          }
        }
        if (opts.clientKey && call.body[key.column] !== undefined) {
          // A create naming its own id must not land on an existing row (save tools would
          // update it): the caller hears 409, as when the insert itself collides. The lock
          // keeps two such creates of one id from both passing the check.
          const id = parseKey(key, call.body[key.column]);
          if (id === null) {
            throw new AppError("invalid", `${key.column}: not a valid ${decl.noun} id`, {
              errors: {
                [key.column]: [textKeyRule(key)],
              },
            });
          }
          await db.query(sql("LockRestObject"), [decl.path, id]);
          // Rows hidden from the caller count too: a create must never reach them.
          const q = buildGetQuery(source, { [key.column]: id });
          if ((await db.query(q.text, q.values)).length) {
            throw new AppError("conflict", `${decl.noun} ${clip(id)} already exists`);
          }
        }
        const result = await rc.runTool(c, binding, call, db, what);
        if (!opts.returnRows) continue;
        out.push(...await rc.readRows(c, db, decl.path, madeKeys(key, binding, result, call)));
      }
      return out;
    });
  };

  // Bulk bodies name each object by the key column (id, or asset_id for devices).
  const bodyId = (item: Record<string, unknown>): Key | undefined => {
    const v = item[key.column];
    if (v === undefined) return undefined;
    const id = parseKey(key, v);
    if (id === null) {
      const must = key.type === "int" ? "must be a positive integer" : textKeyRule(key);
      throw new AppError("invalid", `${key.column} ${must}`, { errors: { [key.column]: [must] } });
    }
    return id;
  };
  // The id is the URL's (or the bulk item's key); a body may echo it back. Other key columns
  // (asset_id) stay in the body for the update to check.
  const withoutId = (item: Record<string, unknown>) => {
    const { id: _id, ...rest } = item;
    return rest;
  };
  const checkPut = (item: Record<string, unknown>) => {
    const missing = (decl.putRequired ?? []).filter((f) => item[f] === undefined);
    if (missing.length) {
      throw new AppError(
        "invalid",
        `PUT replaces the whole object; missing: ${missing.join(", ")}`,
        { errors: Object.fromEntries(missing.map((f) => [f, ["This field is required."]])) },
      );
    }
  };

  const handlerOf = (op: Operation) => {
    const what = `${op.method} ${op.path}`;
    switch (op.kind) {
      case "list":
        return (c: Context<Env>) => rc.list(c, source, acl(c, key.column));
      case "retrieve":
        return async (c: Context<Env>) => {
          const row = await getRow(c, rc.deps.db, idOf(c));
          const etag = await etagOf(row);
          c.header("ETag", etag);
          if (c.req.header("if-none-match")?.split(",").map((s) => s.trim()).includes(etag)) {
            return c.body(null, 304);
          }
          return c.json(project([row], paramsOf(c), detailFields, decl.brief)[0]);
        };
      case "create":
        return async (c: Context<Env>) => {
          requireScope(c, "write");
          const body = await readBody(c, true, maxDepth);
          const params = paramsOf(c);
          const list = Array.isArray(body) ? body : [body];
          const rows = await write(c, op.binding, what, list.map((b) => ({ body: b, params })), {
            needsCurrent: false,
            returnRows: true,
            clientKey: key.type === "text" && key.column === "id",
          });
          return c.json(answer(rows, body, op.binding), 201);
        };
      case "bulk_partial_update":
      case "bulk_update":
        return async (c: Context<Env>) => {
          requireScope(c, "write");
          const body = await readBody(c, true, maxDepth);
          if (!Array.isArray(body)) {
            throw new AppError("invalid", `Bulk ${op.method} takes a list of objects with ids`);
          }
          if (op.method === "PUT") body.forEach(checkPut);
          const params = paramsOf(c);
          const items = body.map((b) => ({ body: withoutId(b), id: bodyId(b), params }));
          return c.json(
            await write(c, op.binding, what, items, { needsCurrent: true, returnRows: true }),
          );
        };
      case "partial_update":
      case "update":
        return async (c: Context<Env>) => {
          requireScope(c, "write");
          const body = await readBody(c, false, maxDepth) as Record<string, unknown>;
          if (op.method === "PUT") checkPut(body);
          const call = { body: withoutId(body), id: idOf(c), params: paramsOf(c) };
          const [row] = await write(c, op.binding, what, [call], {
            needsCurrent: true,
            ifMatch: c.req.header("if-match"),
            returnRows: true,
          });
          c.header("ETag", await etagOf(row));
          return c.json(row);
        };
      case "bulk_destroy":
        return async (c: Context<Env>) => {
          requireScope(c, "write");
          const body = await readBody(c, true, maxDepth);
          if (!Array.isArray(body)) {
            throw new AppError("invalid", "Bulk DELETE takes a list of objects with ids");
          }
          const params = paramsOf(c);
          const items = body.map((b) => ({ body: {}, id: bodyId(b), params }));
          await write(c, op.binding, what, items, { needsCurrent: true, returnRows: false });
          return c.body(null, 204);
        };
      case "destroy":
        return async (c: Context<Env>) => {
          requireScope(c, "write");
          await write(c, op.binding, what, [{ body: {}, id: idOf(c), params: paramsOf(c) }], {
            needsCurrent: true,
            ifMatch: c.req.header("if-match"),
            returnRows: false,
          });
          return c.body(null, 204);
        };
      case "nested_list": {
        const nestedSource = sourceOf(op.nested.list);
        return async (c: Context<Env>) => {
          const id = idOf(c);
          await getRow(c, rc.deps.db, id);
          return await rc.list(c, nestedSource, [{ column: op.nested.parentColumn, value: id }]);
        };
      }
      case "nested_retrieve": {
        const nestedKey: KeyDecl = { column: op.nested.keyColumn, type: "int" };
        return async (c: Context<Env>) => {
          const id = idOf(c);
          const n = parseKey(nestedKey, c.req.param(op.nested.keyColumn));
          if (n === null) throw new AppError("not_found", "Not found");
          const nested = { path: op.nested.path, key: n as number };
          const row = await rc.readRow(c, rc.deps.db, { resource: decl.path, key: id, nested });
          c.header("ETag", await etagOf(row));
          return c.json(row);
        };
      }
      case "action":
        return actionHandler(rc, decl, op.action, what, idOf, getRow);
    }
  };

  const offered = new Map<string, Method[]>();
  for (const op of resourceOperations(decl)) {
    app.on(op.method, both(op.route), handlerOf(op));
    offered.set(op.route, [...offered.get(op.route) ?? [], op.method]);
  }
  // Registered after the operations, so it only answers the methods none of them took.
  for (const [route, methods] of offered) {
    const allow = methods.join(", ");
    for (const path of both(route)) {
      app.all(path, (c) => {
        throw new AppError(
          "invalid",
          `${c.req.method} is not supported on ${pluralOf(decl)} here; allowed: ${allow}`,
          { reason: "method_not_allowed" },
          { status: 405, headers: { Allow: allow } },
        );
      });
    }
  }
  return app;
}

/** The keys of the rows a create made: several for tools that say so, else the one it names. */
function madeKeys(key: KeyDecl, binding: ToolBinding, result: Row, call: Call): Key[] {
  if (binding.several) return binding.several.keys(result);
  const made = result[key.column];
  const named = key.type === "int" ? typeof made === "number" : typeof made === "string";
  const id = named ? made as Key : call.id;
  return id === undefined ? [] : [id];
}

function actionHandler(
  rc: RestContext,
  decl: ResourceDecl,
  action: ActionDecl,
  what: string,
  idOf: (c: Context<Env>) => Key,
  getRow: (c: Context<Env>, db: Pick<Db, "query">, id: Key) => Promise<Row>,
) {
  const maxDepth = rc.deps.config.ARCHIFLOW_MAX_JSON_DEPTH;
  return async (c: Context<Env>) => {
    const call: Call = { body: {}, params: new URL(c.req.url).searchParams };
    if (action.detail) {
      call.id = idOf(c);
      call.current = await getRow(c, rc.deps.db, call.id);
    }
    if (action.method === "POST") requireScope(c, "write");
    if (action.handler) return await action.handler(c, rc, call);
    const binding = action.tool;
    if (!binding) throw notImplemented(`${what} is not available yet`);
    if (!rc.deps.registry.get(binding.tool)) throw notImplemented(what, binding.tool);
    const body = await readBody(c, action.bulk ?? false, maxDepth);
    const items = Array.isArray(body) ? body : [body];
    const done = action.answer;
    // One call answered with its own result needs no transaction around it: the tool opens its
    // own, so work it does first (generate-diagram's layout) holds no connection meanwhile.
    if (items.length === 1 && !done && !binding.several && !Array.isArray(body)) {
      const result = await rc.runTool(c, binding, { ...call, body: items[0] }, rc.deps.db, what);
      return c.json(result, 200);
    }
    const rows = await rc.inTransaction(async (db) => {
      const out: Row[] = [];
      for (const item of items) {
        const itemCall = { ...call, body: item };
        const result = await rc.runTool(c, binding, itemCall, db, what);
        if (!done) {
          out.push(result);
          continue;
        }
        const resource = done.resource ?? decl.path;
        const k = binding.several ? binding.several.keys(result) : done.key(itemCall, result);
        if (done.nested) {
          const [parent, n] = k as [Key, number];
          out.push(
            await rc.readRow(c, db, {
              resource,
              key: parent,
              nested: { path: done.nested, key: n },
            }),
          );
        } else {
          out.push(...await rc.readRows(c, db, resource, Array.isArray(k) ? k as Key[] : [k]));
        }
      }
      return out;
    });
    const several = Array.isArray(body) || items.some((i) => binding.several?.asked(i));
    return c.json(several ? rows : rows[0], done?.status ?? 200);
  };
}
