// A REST resource is a declaration: its base query, fields (types, filters, ordering, search),
// and which tool handles create, update, delete and each action. operations.ts derives its
// operations from it, resource_routes.ts mounts them, openapi.ts documents them. This module
// holds the declaration types and what every handler shares: body reading, the 501 of a missing
// tool, ETags, projections and how database values become JSON. Handlers throw AppError; the
// app's one error handler (edge.ts) answers.
import type { Context } from "hono";
import type { Env, RouteDeps } from "./env.ts";
import type { Db, Row, Tx } from "../db/db.ts";
import { sqlText } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { hasScope, type Scope } from "../auth/actor.ts";
import { countValue } from "../ipam/pool_listing.ts";
import { assertJsonDepth, jsonTextTooLarge } from "../rpc/json_depth.ts";
import {
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
  /**
   * For a tool that can make several rows in one call (allocate-ip with `count`): which bodies
   * ask for several (answered with a list, even as an object body) and the keys of the rows made.
   */
  several?: {
    asked: (body: Record<string, unknown>) => boolean;
    keys: (result: Row) => Key[];
  };
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

/**
 * The row a tool action answers with, read again after the tool ran so that it has the shape its
 * own GET gives (an acknowledged alert is the alert; an instantiated template, the new diagram).
 */
export interface ActionAnswer {
  /** The resource whose row answers, e.g. "diagrams"; default: the action's own. */
  resource?: string;
  /** One of its nested lists, e.g. "versions": `key` then gives the parent key and the number. */
  nested?: string;
  key: (call: Call, result: Row) => Key | [Key, number];
  status?: 200 | 201;
}

export interface ActionDecl {
  /** Path segment: {id}/<name>/ when detail, <name>/ otherwise. */
  name: string;
  method: "GET" | "POST";
  detail: boolean;
  summary: string;
  /** Runs a tool (POST actions); absent from the registry means 501. */
  tool?: ToolBinding;
  answer?: ActionAnswer;
  /** A list body runs the tool once per object, all or nothing, and is answered with a list. */
  bulk?: boolean;
  /** Hand-written read (GET actions). */
  handler?: (c: Context<Env>, rc: RestContext, call: Call) => Promise<Response>;
  /** What the handler answers, for the OpenAPI document: its status and schema per media type. */
  responds?: { status: 200 | 201; content: Record<string, Record<string, unknown>> };
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
  /** Plural noun; default: the noun and an s. */
  plural?: string;
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

/** Where one row lives: a resource's row by key, or a numbered row of one of its nested lists. */
export interface RowAt {
  resource: string;
  key: Key;
  nested?: { path: string; key: number };
}

/** What handlers need about the app. */
export interface RestContext {
  deps: RouteDeps;
  runTool(c: Context<Env>, binding: ToolBinding, call: Call, db: Db, what: string): Promise<Row>;
  /** Runs fn in one transaction with a Db whose own transactions become savepoints of it. */
  inTransaction<T>(fn: (db: Db, tx: Tx) => Promise<T>): Promise<T>;
  list(
    c: Context<Env>,
    source: ListSource,
    extra?: ExtraCondition[],
  ): Promise<Response>;
  /** One row in the shape its GET gives it, or a 404 (rows hidden from the caller included). */
  readRow(c: Context<Env>, db: Pick<Db, "query">, at: RowAt): Promise<Row>;
  /** Rows of a resource by key, in the order of `keys`, in one statement; 404 if one is missing. */
  readRows(c: Context<Env>, db: Pick<Db, "query">, resource: string, keys: Key[]): Promise<Row[]>;
}

export const pluralOf = (decl: ResourceDecl): string => decl.plural ?? `${decl.noun}s`;

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

export function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  return tags.includes("*") || tags.includes(etag);
}

/** A declared operation whose tool this server does not have (yet): 501. */
export const notImplemented = (what: string, tool?: string) =>
  new AppError(
    "unavailable",
    tool
      ? `${what} is not available yet: this server has no ${tool} tool`
      : `${what} is not available yet`,
    { reason: "not_implemented", ...(tool ? { tool } : {}) },
    { status: 501 },
  );

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
  if (tooLarge) throw new AppError("invalid", tooLarge);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new AppError("invalid", `Malformed JSON: ${(err as Error).message}`);
  }
  assertJsonDepth(body, maxDepth);
  const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(body)) {
    if (!allowList) throw new AppError("invalid", "Expected a JSON object, not a list");
    if (body.length === 0) throw new AppError("invalid", "Expected a non-empty list");
    if (body.length > MAX_LIMIT) {
      throw new AppError("invalid", `A bulk request takes at most ${MAX_LIMIT} objects`);
    }
    if (!body.every(isObj)) {
      throw new AppError("invalid", "Every list item must be an object");
    }
    return body as Record<string, unknown>[];
  }
  if (!isObj(body)) throw new AppError("invalid", "Expected a JSON object");
  return body as Record<string, unknown>;
}

export function requireScope(c: Context<Env>, scope: Scope): void {
  if (!hasScope(c.get("actor"), scope)) {
    throw new AppError(
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
        throw new AppError("invalid", `fields: unknown field "${f.slice(0, 40)}"`, {
          errors: {
            fields: [`unknown field "${f.slice(0, 40)}"`],
          },
        });
      }
    }
  } else if (briefParam !== null) {
    if (!/^(true|false|1|0)$/i.test(briefParam)) {
      throw new AppError("invalid", "brief: must be true or false", {
        errors: {
          brief: ["must be true or false"],
        },
      });
    }
    if (/^(true|1)$/i.test(briefParam)) keep = brief;
  }
  if (!keep) return rows;
  return rows.map((r) => Object.fromEntries(keep!.map((k) => [k, r[k] ?? null])));
}

/**
 * A row as JSON shows it: declared numbers as numbers (both drivers hand numeric columns over as
 * text) and counts as numbers where exact, as decimal strings beyond 2^53.
 */
export function presentRow(fields: Record<string, FieldDecl>, row: Row): Row {
  for (const [name, field] of Object.entries(fields)) {
    const v = row[name];
    if (typeof v !== "string" && typeof v !== "bigint") continue;
    if (field.type === "count") row[name] = countValue(String(v));
    else if (field.type === "int" || field.type === "number") row[name] = Number(v);
  }
  return row;
}

export function stripTotal(row: Row): Row {
  const { __total: _total, ...rest } = row;
  return rest;
}

export function sourceOf(list: ListDecl, key = "id"): ListSource {
  return {
    base: sqlText(list.query),
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

export const textKeyRule = (key: KeyDecl) =>
  `must be printable text without surrounding blanks, at most ${key.max ?? 100} characters`;

/** A key for a message: long client-chosen ids are cut short. */
export const clip = (id: Key): string => {
  const s = String(id);
  return s.length > 60 ? s.slice(0, 60) + "…" : s;
};

/** A route with and without its trailing slash: NetBox clients send the slash, curl users may not. */
export const both = (path: string): string[] => [`${path}/`, path];
