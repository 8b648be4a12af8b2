// JSON Schema and OpenAPI pieces of the REST document: a schema per declared field type, object
// and page schemas, the shared parameters (paging, filters, ids) and error responses. Request
// bodies come from the tools' zod schemas (z.toJSONSchema), with REST's snake_case names.
import { ERROR_KINDS } from "../errors.ts";
import { inputJsonSchema, type ToolRegistry } from "../tools/tool.ts";
import { type FieldDecl, LOOKUPS, MAX_LIMIT } from "./list_query.ts";
import { camelToSnake, type KeyDecl, type ToolBinding } from "./resource.ts";

export type Json = Record<string, unknown>;

export const json = (schema: Json) => ({ "application/json": { schema } });

/** Counts of addresses: numbers while exact in JSON, decimal strings beyond (IPv6 pools). */
export const COUNT_SCHEMA: Json = {
  anyOf: [
    { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    { type: "string", pattern: "^[0-9]{16,40}$" },
  ],
  description: "a number, or a decimal string when above 2^53 - 1 (large IPv6 pools)",
};

export function fieldSchema(f: FieldDecl): Json {
  let s: Json;
  switch (f.type) {
    case "int":
      s = { type: "integer" };
      break;
    case "number":
      s = { type: "number" };
      break;
    case "count":
      s = structuredClone(COUNT_SCHEMA);
      break;
    case "bool":
      s = { type: "boolean" };
      break;
    case "timestamp":
      s = { type: "string", format: "date-time" };
      break;
    case "enum":
      s = { type: "string", enum: [...(f.values ?? [])] };
      break;
    case "text[]":
      s = { type: "array", items: { type: "string" } };
      break;
    case "json":
      s = {};
      break;
    default:
      s = { type: "string" };
  }
  if (f.description) {
    s.description = f.type === "count" ? `${f.description}: ${s.description}` : f.description;
  }
  if (f.nullable && f.type !== "json") {
    if (s.enum || s.anyOf) s = { anyOf: [s, { type: "null" }] };
    else s.type = [...[s.type].flat(), "null"];
  }
  return s;
}

/** An object with every declared field; `required: false` for subsets (brief=, fields=). */
export function objectSchema(fields: Record<string, FieldDecl>, required = true): Json {
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldSchema(f)])),
    required: required ? Object.keys(fields) : [],
  };
}

export function paginated(item: Json, count: Json = { type: "integer", minimum: 0 }): Json {
  return {
    type: "object",
    properties: {
      count,
      next: { type: ["string", "null"] },
      previous: { type: ["string", "null"] },
      results: { type: "array", items: item },
    },
    required: ["count", "next", "previous", "results"],
  };
}

const pascal = (s: string) =>
  s.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");

/**
 * Component names of a resource's schemas ("ip-pools" -> IpPools, IpPoolsDetail,
 * IpPoolsListItem, PaginatedIpPoolsList) and of its nested lists (DiagramsVersions...).
 */
export const schemaName = (resource: string, nested?: string) =>
  pascal(resource) + (nested ? pascal(nested) : "");
export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

export const ERROR_SCHEMA: Json = {
  type: "object",
  properties: {
    detail: { type: "string" },
    code: { type: "string", enum: [...ERROR_KINDS] },
    errors: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    // What the code does not say: details.reason names it (rate_limited, precondition_failed,
    // not_implemented, method_not_allowed, too_large), with the setting or limit involved.
    details: { type: "object", additionalProperties: true },
  },
  required: ["detail", "code"],
};

export const errorResponse = (description: string) => ({
  description,
  content: json(ref("Error")),
});

export const COMMON_ERRORS = {
  "400": errorResponse("Invalid request (unknown filter, bad value, invalid body)"),
  "401": errorResponse("No or invalid token"),
  "403": errorResponse("Token scope or client network does not allow this"),
  "429": errorResponse("Rate limit exceeded; see Retry-After"),
};

/** The tool's input schema with REST (snake_case) property names. */
export function bodySchema(registry: ToolRegistry, binding: ToolBinding | undefined): Json {
  const tool = binding && registry.get(binding.tool);
  if (!tool) return { type: "object" };
  const schema = structuredClone(inputJsonSchema(tool.input)) as Json;
  const props = schema.properties as Json | undefined;
  if (props) {
    schema.properties = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [camelToSnake(k), v]),
    );
  }
  if (Array.isArray(schema.required)) {
    schema.required = (schema.required as string[]).map(camelToSnake);
  }
  delete schema.additionalProperties;
  return schema;
}

/** Exact-match and lookup query parameters of every filterable field. */
export function filterParams(fields: Record<string, FieldDecl>): Json[] {
  const out: Json[] = [];
  for (const [name, f] of Object.entries(fields)) {
    if (f.filter === false || (f.filter === undefined && f.type === "json")) continue;
    const one = fieldSchema({ ...f, nullable: false, description: undefined });
    const arr = { type: "array", items: one };
    out.push({ name, in: "query", schema: arr, style: "form", explode: true });
    const text = ["text", "enum", "inet", "cidr", "text[]"].includes(f.type);
    const ordered = ["int", "number", "count", "timestamp", "inet", "cidr", "text"].includes(
      f.type,
    );
    for (const lookup of LOOKUPS) {
      const range = ["gte", "lte", "gt", "lt"].includes(lookup);
      if ((lookup === "ic" || lookup === "nic" || lookup === "isw") && !text) continue;
      if (range && !ordered) continue;
      const schema = lookup === "empty"
        ? { type: "boolean" }
        : range
        ? one
        : { type: "array", items: text ? { type: "string" } : one };
      out.push({ name: `${name}__${lookup}`, in: "query", schema });
    }
  }
  return out;
}

export const LIST_PARAMS: Json[] = [
  {
    name: "limit",
    in: "query",
    schema: { type: "integer", minimum: 0, maximum: MAX_LIMIT, default: 50 },
  },
  { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
  {
    name: "ordering",
    in: "query",
    description: "Comma-separated fields; a leading - sorts descending",
    schema: { type: "string" },
  },
  { name: "q", in: "query", description: "Case-insensitive search", schema: { type: "string" } },
  { name: "brief", in: "query", schema: { type: "boolean" } },
  {
    name: "fields",
    in: "query",
    description: "Comma-separated fields to return",
    schema: { type: "string" },
  },
];

/** The {id} path parameter: an integer, or text (percent-encoded in the URL) for text keys. */
export function idParam(key: KeyDecl): Json {
  if (key.type === "int") {
    return { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } };
  }
  return {
    name: "id",
    in: "path",
    required: true,
    description: key.column === "id"
      ? "The id (text), percent-encoded"
      : `The ${key.column} (text), percent-encoded`,
    schema: { type: "string", minLength: 1, maxLength: key.max ?? 100 },
  };
}

export const ETAG_HEADER = { ETag: { schema: { type: "string" } } };
export const IF_MATCH = {
  name: "If-Match",
  in: "header",
  description: "ETag from a read; a stale one gets 412",
  schema: { type: "string" },
};

/** What a summary adds about the tool behind an operation. */
export function pending(registry: ToolRegistry, binding: ToolBinding | undefined): string {
  if (!binding) return "";
  return registry.get(binding.tool)
    ? ` Runs the ${binding.tool} tool.`
    : ` Not available yet on this server (answers 501): needs the ${binding.tool} tool.`;
}
