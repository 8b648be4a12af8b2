// A REST resource is a declaration: its base query, fields (types, filters, ordering, search),
// and which tool handles create, update, delete and each action. mountResource() turns it into
// NetBox-style routes. Reads go through the generic list builder; every write goes through
// callTool(), inside one transaction per request, so bulk bodies are all or nothing.
// A declared tool that the registry does not have yet answers 501 until it is installed.
import type { Context, Hono } from "hono";
import type { AppDeps, Env } from "../app.ts";
import type { Db, Row, Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, HTTP_STATUS, toAppError } from "../errors.ts";
import { hasScope, InvalidParamsError, type Scope, type ToolContext } from "../tools/tool.ts";
import { aclArgs } from "../tools/diagram_acl.ts";
import { assertJsonDepth, jsonTextTooLarge } from "../rpc/json_depth.ts";
import {
  buildGetQuery,
  type ExtraCondition,
  type FieldDecl,
  fieldOf,
  type ListSource,
  MAX_LIMIT,
} from "./list_query.ts";

/** A row's key as the URL carries it: a number (ports, alerts) or text (pools, asset ids). */
export type Key = number | string;

export interface Call {
  body: Record<string, unknown>;
  /** The key from the URL or, in bulk bodies, from each item. */
  id?: Key;
  /** The current row (updates, deletes, detail actions). */
  current?: Row;
  params: URLSearchParams;
}

export interface ToolBinding {
  tool: string;
  /** Tool arguments from the call; default: the body with snake_case keys made camelCase, plus id. */
  args?: (call: Call) => Record<string, unknown>;
}

export interface ListDecl extends Omit<ListSource, "base"> {
  /** Name of the base SELECT in sql/queries/rest/. */
  query: string;
}

export interface NestedDecl {
  /** Path segment under {id}/, e.g. "versions". */
  path: string;
  summary: string;
  list: ListDecl;
  /** Column of the nested rows holding the parent id. */
  parentColumn: string;
  /** Integer column addressed by {key} in {id}/<path>/{key}/, e.g. "version_number". */
  keyColumn: string;
  /** Base query of one nested row when it has more fields than the list. */
  detailQuery?: string;
  detailFields?: Record<string, FieldDecl>;
}

export interface ActionDecl {
  /** Path segment: {id}/<name>/ when detail, <name>/ otherwise. */
  name: string;
  method: "GET" | "POST";
  detail: boolean;
  summary: string;
  /** Runs a tool (POST actions); absent from the registry means 501. */
  tool?: ToolBinding;
  /** Hand-written read (GET actions) or a write that needs more than one tool call. */
  handler?: (c: Context<Env>, rc: RestContext, call: Call) => Promise<Response>;
  /** Query parameters the action reads, for the OpenAPI document. */
  query?: Record<string, FieldDecl>;
  /** Documents a request body; "tool" means the tool's own schema. */
  body?: "tool" | "none";
}

/**
 * The column naming one row in URLs and bulk bodies: an integer (server-numbered rows) or text
 * (client-chosen ids such as "pool-1", device asset ids), at most `max` characters.
 */
export interface KeyDecl {
  column: string;
  type: "int" | "text";
  max?: number;
}

export const INT_KEY: KeyDecl = { column: "id", type: "int" };

export interface ResourceDecl {
  /** URL segment under /api/, e.g. "ip-pools". */
  path: string;
  /** Default: the integer column id. */
  key?: KeyDecl;
  /** Singular noun for messages, e.g. "IP pool". */
  noun: string;
  tag: string;
  list: ListDecl;
  /** Rows are diagrams (or nested under one) subject to per-user diagram access. */
  diagramAcl?: boolean;
  /** Fields that only the detail view returns (e.g. stored XML). */
  detailQuery?: string;
  detailFields?: Record<string, FieldDecl>;
  brief: string[];
  create?: ToolBinding;
  update?: ToolBinding;
  delete?: ToolBinding;
  /** Fields a PUT must carry (a PUT replaces; a PATCH changes only what it names). */
  putRequired?: string[];
  nested?: NestedDecl[];
  actions?: ActionDecl[];
}

/** What handlers need about the app. */
export interface RestContext {
  deps: AppDeps;
  toolContext(c: Context<Env>, db?: Db): ToolContext;
  runTool(c: Context<Env>, binding: ToolBinding, call: Call, db: Db, what: string): Promise<Row>;
  /** Runs fn in one transaction with a Db whose own transactions become savepoints of it. */
  inTransaction<T>(fn: (db: Db, tx: Tx) => Promise<T>): Promise<T>;
  list(
    c: Context<Env>,
    source: ListSource,
    extra?: ExtraCondition[],
  ): Promise<Response>;
}

export const snakeToCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase());
export const camelToSnake = (s: string) => s.replace(/[A-Z]/g, (ch) => "_" + ch.toLowerCase());

export function camelKeys(body: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines own properties, so a "__proto__" key stays a key, not a prototype.
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [snakeToCamel(k), v]));
}

export function defaultArgs(call: Call): Record<string, unknown> {
  const args = camelKeys(call.body);
  if (call.id !== undefined) args.id = call.id;
  return args;
}

/** Db handed to tools inside a REST transaction: their transaction() becomes a savepoint. */
export function dbInTransaction(base: Db, tx: Tx): Db {
  return {
    kind: base.kind,
    query: (text, params) => tx.query(text, params),
    exec: (script) => tx.exec(script),
    transaction: (fn) => tx.savepoint(fn),
    listen: (channel, fn) => base.listen(channel, fn),
    stats: () => base.stats(),
    close: () => Promise.reject(new Error("A transaction's database cannot be closed")),
  };
}

export async function etagOf(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(value)),
  );
  const hex = Array.from(
    new Uint8Array(digest).slice(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `"${hex}"`;
}

function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  return tags.includes("*") || tags.includes(etag);
}

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

export const notImplemented = (what: string, tool: string) =>
  new RestError(
    501,
    "not_implemented",
    `${what} is not available yet: this server has no ${tool} tool`,
  );

/** Turns anything thrown by a handler into the {detail, code, errors?} body and its status. */
export function errorBody(
  err: unknown,
  onInternal: (err: unknown) => void,
): { status: number; body: Record<string, unknown> } {
  if (err instanceof RestError) {
    return {
      status: err.status,
      body: err.errors
        ? { detail: err.message, code: err.code, errors: err.errors }
        : { detail: err.message, code: err.code },
    };
  }
  if (err instanceof InvalidParamsError) {
    const errors = new Map<string, string[]>();
    for (const i of err.issues) {
      const key = i.path ? i.path.split(".").map(camelToSnake).join(".") : "non_field_errors";
      errors.set(key, [...errors.get(key) ?? [], i.message]);
    }
    return {
      status: 400,
      body: { detail: err.message, code: "invalid", errors: Object.fromEntries(errors) },
    };
  }
  const app = toAppError(err);
  if (app.kind === "internal" && !(err instanceof AppError)) onInternal(err);
  const details = app.details as { errors?: Record<string, string[]> } | undefined;
  const body: Record<string, unknown> = { detail: app.message, code: app.kind };
  if (details?.errors) body.errors = details.errors;
  return { status: HTTP_STATUS[app.kind], body };
}

/**
 * Reads a JSON body: an object, or a list of objects when `allowList`, nested at most `maxDepth`
 * levels (ARCHIFLOW_MAX_JSON_DEPTH). Its size is already bounded: the app's body limit refuses
 * more than ARCHIFLOW_MAX_MESSAGE_BYTES while it streams.
 */
export async function readBody(
  c: Context<Env>,
  allowList: boolean,
  maxDepth: number,
): Promise<Record<string, unknown> | Record<string, unknown>[]> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  const tooLarge = jsonTextTooLarge(text);
  if (tooLarge) throw new RestError(400, "invalid", tooLarge);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RestError(400, "invalid", `Malformed JSON: ${(err as Error).message}`);
  }
  assertJsonDepth(body, maxDepth);
  const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(body)) {
    if (!allowList) throw new RestError(400, "invalid", "Expected a JSON object, not a list");
    if (body.length === 0) throw new RestError(400, "invalid", "Expected a non-empty list");
    if (body.length > MAX_LIMIT) {
      throw new RestError(400, "invalid", `A bulk request takes at most ${MAX_LIMIT} objects`);
    }
    if (!body.every(isObj)) {
      throw new RestError(400, "invalid", "Every list item must be an object");
    }
    return body as Record<string, unknown>[];
  }
  if (!isObj(body)) throw new RestError(400, "invalid", "Expected a JSON object");
  return body as Record<string, unknown>;
}

export function requireScope(c: Context<Env>, scope: Scope): void {
  if (!hasScope(c.get("actor"), scope)) {
    throw new RestError(
      403,
      "forbidden",
      `This needs the ${scope} scope; this token has ${c.get("actor").scope}`,
    );
  }
}

/** Applies brief= and fields= to result rows. */
export function project(
  rows: Row[],
  params: URLSearchParams,
  known: Record<string, FieldDecl>,
  brief: string[],
): Row[] {
  const fieldsParam = params.get("fields");
  const briefParam = params.get("brief");
  let keep: string[] | null = null;
  if (fieldsParam) {
    keep = fieldsParam.split(",").map((s) => s.trim()).filter(Boolean);
    for (const f of keep) {
      if (!fieldOf(known, f)) {
        throw new RestError(400, "invalid", `fields: unknown field "${f.slice(0, 40)}"`, {
          fields: [`unknown field "${f.slice(0, 40)}"`],
        });
      }
    }
  } else if (briefParam !== null) {
    if (!/^(true|false|1|0)$/i.test(briefParam)) {
      throw new RestError(400, "invalid", "brief: must be true or false", {
        brief: ["must be true or false"],
      });
    }
    if (/^(true|1)$/i.test(briefParam)) keep = brief;
  }
  if (!keep) return rows;
  return rows.map((r) => Object.fromEntries(keep!.map((k) => [k, r[k] ?? null])));
}

export function stripTotal(row: Row): Row {
  const { __total: _total, ...rest } = row;
  return rest;
}

export function sourceOf(list: ListDecl, key = "id"): ListSource {
  return {
    base: sql(list.query),
    fields: list.fields,
    search: list.search,
    ordering: list.ordering,
    key,
  };
}

/** Hono's pattern of a key segment: digits for integer keys, any one segment for text keys. */
export const keyPattern = (key: KeyDecl): string => key.type === "int" ? "{[0-9]+}" : "";

/**
 * A key from a URL (already percent-decoded) or a body: a positive integer, or printable text
 * without surrounding blanks within the column's length (what the database accepts as an id).
 * Anything else names no row, so it is null.
 */
export function parseKey(key: KeyDecl, raw: unknown): Key | null {
  if (key.type === "int") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : NaN;
    return Number.isSafeInteger(n) && n >= 1 ? n : null;
  }
  const text = typeof raw === "number" && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof text !== "string" || text === "" || text !== text.trim()) return null;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return null;
  return [...text].length <= (key.max ?? 100) ? text : null;
}

const textKeyRule = (key: KeyDecl) =>
  `must be printable text without surrounding blanks, at most ${key.max ?? 100} characters`;

/** A key for a message: long client-chosen ids are cut short. */
const clip = (id: Key): string => {
  const s = String(id);
  return s.length > 60 ? s.slice(0, 60) + "…" : s;
};

/** A route with and without its trailing slash: NetBox clients send the slash, curl users may not. */
export const both = (path: string): string[] => [`${path}/`, path];

/** Registers the routes of one resource on the app. */
export function mountResource(app: Hono<Env>, rc: RestContext, decl: ResourceDecl): void {
  const base = `/api/${decl.path}`;
  const shown = `${base}/`;
  const key = decl.key ?? INT_KEY;
  const one = `${base}/:id${keyPattern(key)}`;
  const source = sourceOf(decl.list, key.column);
  const detailSource: ListSource = decl.detailQuery
    ? { ...source, base: sql(decl.detailQuery) }
    : source;
  const detailFields = { ...decl.list.fields, ...decl.detailFields };
  const maxDepth = rc.deps.config.ARCHIFLOW_MAX_JSON_DEPTH;

  // A diagram hidden from the caller is filtered out like a missing row, so it answers 404.
  const acl = (c: Context<Env>, column: string): ExtraCondition[] =>
    decl.diagramAcl
      ? [{
        diagramVisible: column,
        acl: aclArgs({ actor: c.get("actor"), config: rc.deps.config }),
      }]
      : [];
  const getRow = async (c: Context<Env>, db: Pick<Db, "query">, id: Key): Promise<Row> => {
    const q = buildGetQuery(detailSource, { [key.column]: id }, acl(c, key.column));
    const [row] = await db.query(q.text, q.values);
    if (!row) {
      throw new RestError(404, "not_found", `No ${decl.noun} with ${key.column} ${clip(id)}`);
    }
    return row;
  };
  // Hono hands the segment percent-decoded: /api/ip-pools/core%20pool%2F1/ is "core pool/1".
  const idOf = (c: Context<Env>): Key => {
    const id = parseKey(key, c.req.param("id"));
    if (id === null) throw new RestError(404, "not_found", "Not found");
    return id;
  };

  app.on("GET", both(base), (c) => rc.list(c, source, acl(c, key.column)));

  app.on("GET", both(one), async (c) => {
    const row = await getRow(c, rc.deps.db, idOf(c));
    const etag = await etagOf(row);
    c.header("ETag", etag);
    if (c.req.header("if-none-match")?.split(",").map((s) => s.trim()).includes(etag)) {
      return c.body(null, 304);
    }
    const params = new URL(c.req.url).searchParams;
    return c.json(project([row], params, detailFields, decl.brief)[0]);
  });

  // Runs each item's tool call in one transaction, then re-reads the rows it touched.
  const write = async (
    c: Context<Env>,
    binding: ToolBinding | undefined,
    method: string,
    items: Call[],
    opts: { needsCurrent: boolean; ifMatch?: string; returnRows: boolean; clientKey?: boolean },
  ): Promise<Row[]> => {
    requireScope(c, "write");
    const what = `${method} ${shown}`;
    if (!binding) {
      throw new RestError(405, "method_not_allowed", `${what} is not supported on ${decl.noun}s`);
    }
    if (!rc.deps.registry.get(binding.tool)) throw notImplemented(what, binding.tool);
    return await rc.inTransaction(async (db) => {
      const out: Row[] = [];
      for (const call of items) {
        if (opts.needsCurrent) {
          if (call.id === undefined) {
            throw new RestError(400, "invalid", `Every object must carry its ${key.column}`, {
              [key.column]: ["This field is required."],
            });
          }
          await db.query(sql("LockRestObject"), [decl.path, call.id]);
          call.current = await getRow(c, db, call.id);
          if (
            opts.ifMatch !== undefined && !ifMatchHolds(opts.ifMatch, await etagOf(call.current))
          ) {
            throw new RestError(
              412,
              "precondition_failed",
              `${decl.noun} ${call.id} changed since it was read (If-Match does not match)`,
            );
          }
        }
        if (opts.clientKey && call.body[key.column] !== undefined) {
          // A create naming its own id must not land on an existing row (save tools would
          // update it): the caller hears 409, as when the insert itself collides. The lock
          // keeps two such creates of one id from both passing the check.
          const id = parseKey(key, call.body[key.column]);
          if (id === null) {
            throw new RestError(400, "invalid", `${key.column}: not a valid ${decl.noun} id`, {
              [key.column]: [textKeyRule(key)],
            });
          }
          await db.query(sql("LockRestObject"), [decl.path, id]);
          const q = buildGetQuery(detailSource, { [key.column]: id });
          if ((await db.query(q.text, q.values)).length) {
            throw new RestError(409, "conflict", `${decl.noun} ${clip(id)} already exists`);
          }
        }
        const result = await rc.runTool(c, binding, call, db, what);
        if (opts.returnRows) {
          const made = result[key.column];
          const named = key.type === "int" ? typeof made === "number" : typeof made === "string";
          const id = named ? made as Key : call.id;
          out.push(id !== undefined ? await getRow(c, db, id) : result);
        }
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
      throw new RestError(400, "invalid", `${key.column} ${must}`, { [key.column]: [must] });
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
      throw new RestError(
        400,
        "invalid",
        `PUT replaces the whole object; missing: ${missing.join(", ")}`,
        Object.fromEntries(missing.map((f) => [f, ["This field is required."]])),
      );
    }
  };

  app.on("POST", both(base), async (c) => {
    requireScope(c, "write");
    const body = await readBody(c, true, maxDepth);
    const params = new URL(c.req.url).searchParams;
    const list = Array.isArray(body) ? body : [body];
    const rows = await write(c, decl.create, "POST", list.map((b) => ({ body: b, params })), {
      needsCurrent: false,
      returnRows: true,
      clientKey: key.type === "text" && key.column === "id",
    });
    return c.json(Array.isArray(body) ? rows : rows[0], 201);
  });

  for (const method of ["PATCH", "PUT"] as const) {
    const binding = decl.update;
    app.on(method, both(base), async (c) => {
      requireScope(c, "write");
      const body = await readBody(c, true, maxDepth);
      if (!Array.isArray(body)) {
        throw new RestError(400, "invalid", `Bulk ${method} takes a list of objects with ids`);
      }
      const params = new URL(c.req.url).searchParams;
      if (method === "PUT") body.forEach(checkPut);
      const rows = await write(
        c,
        binding,
        method,
        body.map((b) => ({ body: withoutId(b), id: bodyId(b), params })),
        { needsCurrent: true, returnRows: true },
      );
      return c.json(rows);
    });
    app.on(method, both(one), async (c) => {
      requireScope(c, "write");
      const body = await readBody(c, false, maxDepth) as Record<string, unknown>;
      if (method === "PUT") checkPut(body);
      const params = new URL(c.req.url).searchParams;
      const [row] = await write(c, binding, method, [{
        body: withoutId(body),
        id: idOf(c),
        params,
      }], {
        needsCurrent: true,
        ifMatch: c.req.header("if-match"),
        returnRows: true,
      });
      c.header("ETag", await etagOf(row));
      return c.json(row);
    });
  }

  app.on("DELETE", both(base), async (c) => {
    requireScope(c, "write");
    const body = await readBody(c, true, maxDepth);
    if (!Array.isArray(body)) {
      throw new RestError(400, "invalid", "Bulk DELETE takes a list of objects with ids");
    }
    const params = new URL(c.req.url).searchParams;
    await write(c, decl.delete, "DELETE", body.map((b) => ({ body: {}, id: bodyId(b), params })), {
      needsCurrent: true,
      returnRows: false,
    });
    return c.body(null, 204);
  });
  app.on("DELETE", both(one), async (c) => {
    requireScope(c, "write");
    const params = new URL(c.req.url).searchParams;
    await write(c, decl.delete, "DELETE", [{ body: {}, id: idOf(c), params }], {
      needsCurrent: true,
      ifMatch: c.req.header("if-match"),
      returnRows: false,
    });
    return c.body(null, 204);
  });

  for (const nested of decl.nested ?? []) {
    const nestedSource = sourceOf(nested.list);
    const nestedKey: KeyDecl = { column: nested.keyColumn, type: "int" };
    const nestedDetail: ListSource = nested.detailQuery
      ? { ...nestedSource, base: sql(nested.detailQuery) }
      : nestedSource;
    app.on("GET", both(`${one}/${nested.path}`), async (c) => {
      const id = idOf(c);
      await getRow(c, rc.deps.db, id);
      return await rc.list(c, nestedSource, [{ column: nested.parentColumn, value: id }]);
    });
    app.on(
      "GET",
      both(`${one}/${nested.path}/:${nested.keyColumn}${keyPattern(nestedKey)}`),
      async (c) => {
        const id = idOf(c);
        const n = parseKey(nestedKey, c.req.param(nested.keyColumn));
        if (n === null) throw new RestError(404, "not_found", "Not found");
        const q = buildGetQuery(nestedDetail, {
          [nested.parentColumn]: id,
          [nested.keyColumn]: n,
        }, acl(c, nested.parentColumn));
        const [row] = await rc.deps.db.query(q.text, q.values);
        if (!row) {
          throw new RestError(
            404,
            "not_found",
            `No ${nested.keyColumn} ${n} of ${decl.noun} ${clip(id)}`,
          );
        }
        c.header("ETag", await etagOf(row));
        return c.json(row);
      },
    );
  }

  for (const action of decl.actions ?? []) {
    const path = action.detail ? `${one}/${action.name}` : `${base}/${action.name}`;
    const what = `${action.method} ${action.detail ? `${base}/{id}/${action.name}` : path}/`;
    const handle = async (c: Context<Env>) => {
      const params = new URL(c.req.url).searchParams;
      const call: Call = { body: {}, params };
      if (action.detail) {
        call.id = idOf(c);
        call.current = await getRow(c, rc.deps.db, call.id);
      }
      if (action.method === "POST") requireScope(c, "write");
      if (action.handler) return await action.handler(c, rc, call);
      if (!action.tool) throw new RestError(501, "not_implemented", `${what} is not available yet`);
      if (!rc.deps.registry.get(action.tool.tool)) throw notImplemented(what, action.tool.tool);
      call.body = await readBody(c, false, maxDepth) as Record<string, unknown>;
      const result = await rc.inTransaction((db) => rc.runTool(c, action.tool!, call, db, what));
      return c.json(result);
    };
    app.on(action.method, both(path), handle);
  }
}
