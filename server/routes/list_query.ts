// Builds the SQL of a REST list from a resource declaration and the query string, NetBox style:
// exact filters and lookups (__n, __ic, __nic, __isw, __gte, __lte, __gt, __lt, __empty), q,
// ordering with "-" and several fields, limit/offset. Values only ever travel as parameters;
// identifiers come only from the declaration (checked against a strict pattern), never from
// input. The base SELECT of each resource lives in sql/queries/rest/.
import { sqlText } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { isValidCidr, isValidIp } from "../ipam/addr_parse.ts";
import { likeEscape } from "../tools/common.ts";

export type FieldType =
  | "int"
  | "number"
  /**
   * A non-negative integer that may pass 2^53 (address counts of IPv6 pools): stored numeric,
   * in JSON a number when it is exact there and a decimal string otherwise.
   */
  | "count"
  | "text"
  | "enum"
  | "bool"
  | "timestamp"
  | "inet"
  | "cidr"
  | "text[]"
  | "json";

export interface FieldDecl {
  type: FieldType;
  /** Allowed values of an enum field. */
  values?: readonly string[];
  /** Filterable with exact match and lookups (default true except json). */
  filter?: boolean;
  /** Usable in ordering (default true except json and arrays). */
  order?: boolean;
  /** Can be null (documents the field; filters treat nulls per lookup). */
  nullable?: boolean;
  description?: string;
}

export interface ListSource {
  /** SQL text of the base SELECT (a named query from sql/queries/rest). */
  base: string;
  fields: Record<string, FieldDecl>;
  /** Fields matched by q (case-insensitive substring). */
  search: string[];
  /** Default ordering, e.g. ["name"]; the key is always appended as the tie-breaker. */
  ordering: string[];
  /** The column naming one row (default "id"; devices are named by "asset_id"). */
  key?: string;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
/** Longest filter value accepted; longer ones are a 400 rather than a slow scan. */
export const MAX_VALUE_LENGTH = 1000;
export const RESERVED_PARAMS = new Set([
  "limit",
  "offset",
  "ordering",
  "q",
  "brief",
  "fields",
  "format",
]);
export const LOOKUPS = ["n", "ic", "nic", "isw", "gte", "lte", "gt", "lt", "empty"] as const;
export type Lookup = typeof LOOKUPS[number];

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const CAST: Record<FieldType, string> = {
  int: "bigint",
  number: "numeric",
  count: "numeric",
  text: "text",
  enum: "text",
  bool: "boolean",
  timestamp: "timestamptz",
  inet: "inet",
  cidr: "cidr",
  "text[]": "text",
  json: "jsonb",
};
const RANGE_TYPES = new Set<FieldType>([
  "int",
  "number",
  "count",
  "timestamp",
  "inet",
  "cidr",
  "text",
]);
const TEXT_TYPES = new Set<FieldType>(["text", "enum", "inet", "cidr", "text[]"]);

export interface BuiltQuery {
  text: string;
  values: unknown[];
  countText: string;
  countValues: unknown[];
  limit: number;
  offset: number;
}

function bad(param: string, message: string): AppError {
  return new AppError("invalid", `${param}: ${message}`, { errors: { [param]: [message] } });
}

export function assertIdentifier(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Not a safe identifier: ${name}`);
  return `"${name}"`;
}

function intParam(params: URLSearchParams, name: string, def: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return def;
  if (!/^\d{1,9}$/.test(raw)) throw bad(name, "must be a non-negative integer");
  return Math.min(Number(raw), max);
}

/** Checks and converts one filter value to what its parameter is bound as. */
export function parseValue(param: string, field: FieldDecl, raw: string): unknown {
  if (raw.length > MAX_VALUE_LENGTH) {
    throw bad(param, `value is longer than ${MAX_VALUE_LENGTH} characters`);
  }
  // PostgreSQL refuses NUL in text; say so instead of failing inside the database.
  if (raw.includes("\0")) throw bad(param, "value contains a NUL character");
  switch (field.type) {
    case "int":
      if (!/^-?\d{1,15}$/.test(raw)) throw bad(param, `"${clip(raw)}" is not an integer`);
      return Number(raw);
    case "number":
      if (!/^-?\d{1,30}(\.\d{1,30})?$/.test(raw)) {
        throw bad(param, `"${clip(raw)}" is not a number`);
      }
      return raw;
    case "count":
      if (!/^\d{1,40}$/.test(raw)) throw bad(param, `"${clip(raw)}" is not a whole number`);
      return raw;
    case "bool":
      if (/^(true|1)$/i.test(raw)) return true;
      if (/^(false|0)$/i.test(raw)) return false;
      throw bad(param, `"${clip(raw)}" is not true or false`);
    case "timestamp": {
      const ok = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}(:?\d{2})?)?)?$/.test(raw) &&
        !Number.isNaN(new Date(raw).getTime());
      if (!ok) throw bad(param, `"${clip(raw)}" is not a date or ISO 8601 timestamp`);
      return raw;
    }
    case "inet":
    case "cidr":
      if (!isValidIp(raw) && !isValidCidr(raw, { strict: false })) {
        throw bad(param, `"${clip(raw)}" is not an IP address or prefix`);
      }
      return raw;
    case "enum":
      if (field.values && !field.values.includes(raw)) {
        throw bad(param, `"${clip(raw)}" is not one of ${field.values.join(", ")}`);
      }
      return raw;
    default:
      return raw;
  }
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

/** Splits "name__ic" into field and lookup; null lookup means exact. */
export function splitParam(
  param: string,
  fields: Record<string, FieldDecl>,
): { field: string; lookup: Lookup | null } | null {
  if (fieldOf(fields, param)) return { field: param, lookup: null };
  const at = param.lastIndexOf("__");
  if (at <= 0) return null;
  const field = param.slice(0, at);
  const lookup = param.slice(at + 2) as Lookup;
  if (!fieldOf(fields, field) || !LOOKUPS.includes(lookup)) return null;
  return { field, lookup };
}

/**
 * The declared field named by a query parameter. Own properties only: a name such as
 * `constructor` or `__proto__` must not find what every object inherits.
 */
export function fieldOf(fields: Record<string, FieldDecl>, name: string): FieldDecl | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/**
 * A fixed condition: a column equal to a value (e.g. a parent id), or the diagram whose id is in
 * the column visible to a caller (per-user diagram access; see server/tools/diagram_acl.ts).
 */
export type ExtraCondition =
  | { column: string; value: unknown }
  | { diagramVisible: string; acl: [string, boolean, boolean] };

/**
 * Embeds a named query as a subquery, its $1..$n becoming parameters of the statement being
 * built (the query's own parameters are `args`, in order).
 */
export function embedQuery(name: string, args: unknown[], p: (v: unknown) => string): string {
  const text = sqlText(name).replace(/^\s*--.*$/gm, "").trim();
  const bound = args.map((a) => p(a));
  return text.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const at = Number(n) - 1;
    if (!(at in bound)) throw new Error(`${name} uses $${n} but was given ${args.length} values`);
    return bound[at];
  });
}

function extraSql(e: ExtraCondition, p: (v: unknown) => string): string {
  if ("diagramVisible" in e) {
    const [, on, admin] = e.acl;
    // With per-user access off, or for an admin, every diagram is visible.
    if (!on || admin) return "true";
    return `r.${assertIdentifier(e.diagramVisible)} IN (${
      embedQuery("RestVisibleDiagramIds", e.acl, p)
    })`;
  }
  return `r.${assertIdentifier(e.column)} = ${p(e.value)}`;
}

/**
 * Translates the query string into a WHERE clause over the base query's output columns.
 * Several values of one parameter are alternatives (OR), different parameters all apply (AND),
 * as in NetBox. `extra` adds fixed conditions (e.g. a parent id) first.
 */
export function buildWhere(
  source: ListSource,
  params: URLSearchParams,
  values: unknown[],
  extra: ExtraCondition[] = [],
): string[] {
  const where: string[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  for (const e of extra) where.push(extraSql(e, p));
  const names = [...new Set(params.keys())];
  for (const name of names) {
    if (RESERVED_PARAMS.has(name)) continue;
    const split = splitParam(name, source.fields);
    if (!split) throw bad(name, "unknown filter; see the OpenAPI document for this list");
    const field = source.fields[split.field];
    if (field.filter === false || (field.filter === undefined && field.type === "json")) {
      throw bad(name, "this field cannot be filtered");
    }
    const col = `r.${assertIdentifier(split.field)}`;
    const raws = params.getAll(name);
    const lookup = split.lookup;
    const isArray = field.type === "text[]";
    const cast = CAST[field.type];
    if (lookup === "empty") {
      const want = raws.map((r) => parseValue(name, { type: "bool" }, r));
      if (new Set(want).size > 1) throw bad(name, "give either true or false");
      const empty = isArray
        ? `(${col} IS NULL OR cardinality(${col}) = 0)`
        : field.type === "text"
        ? `(${col} IS NULL OR ${col} = '')`
        : `${col} IS NULL`;
      where.push(want[0] ? empty : `NOT ${empty}`);
      continue;
    }
    const parsed = raws.map((r) =>
      parseValue(
        name,
        isArray || lookup === "ic" || lookup === "nic" || lookup === "isw"
          ? (TEXT_TYPES.has(field.type) ? { type: "text" } : field)
          : field,
        r,
      )
    );
    switch (lookup) {
      case null:
      case "n": {
        // Booleans are bound one by one: postgres.js cannot bind a JS boolean array.
        const match = field.type === "bool"
          ? `${col} IN (${[...new Set(parsed)].map((v) => `${p(v)}::boolean`).join(", ")})`
          : isArray
          ? `${col} && ${p(parsed)}::text[]`
          : `${col} = ANY(${p(parsed)}::${cast}[])`;
        where.push(lookup === null ? match : `(${col} IS NULL OR NOT (${match}))`);
        break;
      }
      case "ic":
      case "nic":
      case "isw": {
        if (!TEXT_TYPES.has(field.type)) throw bad(name, `__${lookup} applies to text fields`);
        const pattern = lookup === "isw"
          ? parsed.map((v) => likeEscape(String(v)) + "%")
          : parsed.map((v) => "%" + likeEscape(String(v)) + "%");
        const text = isArray
          ? `array_to_string(${col}, chr(31))`
          : field.type === "inet" || field.type === "cidr"
          ? `host(${col})`
          : col;
        const match = `${text} ILIKE ANY(${p(pattern)}::text[])`;
        where.push(lookup === "nic" ? `(${col} IS NULL OR NOT (${match}))` : match);
        break;
      }
      default: {
        if (!RANGE_TYPES.has(field.type)) throw bad(name, `__${lookup} applies to ordered fields`);
        if (parsed.length > 1) throw bad(name, "give one value");
        const op = { gte: ">=", lte: "<=", gt: ">", lt: "<" }[lookup];
        where.push(`${col} ${op} ${p(parsed[0])}::${cast}`);
      }
    }
  }
  const q = params.get("q");
  if (q !== null && q !== "") {
    parseValue("q", { type: "text" }, q);
    const pattern = p("%" + likeEscape(q) + "%");
    const ors = source.search.map((f) => `r.${assertIdentifier(f)}::text ILIKE ${pattern}`);
    where.push(ors.length ? `(${ors.join(" OR ")})` : "false");
  }
  return where;
}

/** ORDER BY from `ordering=name,-created_at`; unknown fields are a 400. The key breaks ties. */
export function buildOrder(source: ListSource, params: URLSearchParams): string {
  const raw = params.get("ordering");
  const wanted = raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : source.ordering;
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const item of wanted) {
    const desc = item.startsWith("-");
    const name = desc ? item.slice(1) : item;
    const field = fieldOf(source.fields, name);
    const orderable = field &&
      (field.order ?? (field.type !== "json" && field.type !== "text[]"));
    if (!orderable) throw bad("ordering", `cannot order by "${clip(name)}"`);
    if (seen.has(name)) continue;
    seen.add(name);
    parts.push(`r.${assertIdentifier(name)} ${desc ? "DESC" : "ASC"}`);
  }
  const key = source.key ?? "id";
  if (!seen.has(key) && fieldOf(source.fields, key)) parts.push(`r.${assertIdentifier(key)} ASC`);
  return parts.join(", ");
}

/** The page query (with the total as a window count) and a count query for empty pages. */
export function buildListQuery(
  source: ListSource,
  params: URLSearchParams,
  extra: ExtraCondition[] = [],
): BuiltQuery {
  const limit = intParam(params, "limit", DEFAULT_LIMIT, MAX_LIMIT) || DEFAULT_LIMIT;
  const offset = intParam(params, "offset", 0, 100_000_000);
  const values: unknown[] = [];
  const where = buildWhere(source, params, values, extra);
  const order = buildOrder(source, params);
  const whereSql = where.length ? ` WHERE ${where.join(" AND ")}` : "";
  const from = `FROM (\n${source.base}\n) AS r${whereSql}`;
  const countValues = [...values];
  values.push(limit, offset);
  return {
    text: `SELECT r.*, count(*) OVER () AS "__total" ${from} ORDER BY ${order} LIMIT $${
      values.length - 1
    } OFFSET $${values.length}`,
    values,
    countText: `SELECT count(*)::bigint AS "__total" ${from}`,
    countValues,
    limit,
    offset,
  };
}

/**
 * Rows of the base query by column values: one row (the id, or a parent's id and a number), or
 * several when a value is an array (any of those ids).
 */
export function buildGetQuery(
  source: ListSource,
  match: Record<string, unknown>,
  extra: ExtraCondition[] = [],
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = Object.entries(match).map(([k, v]) => {
    const col = `r.${assertIdentifier(k)}`;
    if (!Array.isArray(v)) return `${col} = ${p(v)}`;
    // Several keys in one statement: one array parameter of the column's type.
    return `${col} = ANY(${p(v)}::${CAST[fieldOf(source.fields, k)?.type ?? "text"]}[])`;
  });
  for (const e of extra) where.push(extraSql(e, p));
  return { text: `SELECT r.* FROM (\n${source.base}\n) AS r WHERE ${where.join(" AND ")}`, values };
}
