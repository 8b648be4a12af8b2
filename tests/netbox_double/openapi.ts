// Checks JSON responses against NetBox's own OpenAPI document (the corpus copy), with a small
// validator for the subset of OpenAPI 3.0 schemas NetBox uses: $ref, type, nullable, enum,
// properties/required, items, allOf/oneOf/anyOf, additionalProperties, maxLength and pattern.
// go-netbox's post-processing removed `null` from nullable choice fields, while NetBox answers
// null for an unset choice (for example a device's airflow); choice objects ({value, label})
// are therefore accepted as null.
import { parse } from "yaml";

type Schema = Record<string, unknown>;
export interface OpenApi {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, unknown>>;
}

let cached: OpenApi | null = null;
export function loadOpenApi(path: string): OpenApi {
  if (!cached) cached = parse(Deno.readTextFileSync(path), { maxAliasCount: -1 }) as OpenApi;
  return cached;
}

/** The schema of the items of a list endpoint's 200 response, e.g. "/api/dcim/devices/". */
export function listItemSchema(api: OpenApi, path: string): Schema {
  const op = api.paths[path]?.get as Record<string, unknown> | undefined;
  if (!op) throw new Error(`No GET ${path} in the OpenAPI document`);
  // deno-lint-ignore no-explicit-any
  const page = (op as any).responses["200"].content["application/json"].schema as Schema;
  const resolved = resolve(api, page);
  return (resolved.properties as Record<string, Schema>).results.items as Schema;
}

function resolve(api: OpenApi, s: Schema): Schema {
  let cur = s;
  while (typeof cur.$ref === "string") {
    const name = cur.$ref.replace("#/components/schemas/", "");
    cur = api.components.schemas[name];
    if (!cur) throw new Error(`Unresolved $ref ${name}`);
  }
  return cur;
}

function isChoice(s: Schema): boolean {
  const p = s.properties as Record<string, Schema> | undefined;
  return !!p && "value" in p && "label" in p && Object.keys(p).length === 2;
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

/** Every way value breaks schema, as "path: problem" lines; empty when it conforms. */
export function validate(api: OpenApi, schema: Schema, value: unknown, path = "$"): string[] {
  const s = resolve(api, schema);
  const errors: string[] = [];
  if (value === null) {
    const nullable = s.nullable === true || isChoice(s) ||
      (Array.isArray(s.allOf) && s.allOf.some((x) => resolve(api, x as Schema).nullable));
    if (!nullable && Object.keys(s).some((k) => k !== "readOnly" && k !== "description")) {
      errors.push(`${path}: null is not allowed`);
    }
    return errors;
  }
  if (Array.isArray(s.allOf)) {
    for (const sub of s.allOf) errors.push(...validate(api, sub as Schema, value, path));
  }
  for (const key of ["oneOf", "anyOf"] as const) {
    if (Array.isArray(s[key])) {
      const ok = (s[key] as Schema[]).some((sub) => validate(api, sub, value, path).length === 0);
      if (!ok) errors.push(`${path}: matches none of ${key}`);
    }
  }
  if (typeof s.type === "string" && !typeOk(s.type, value)) {
    return [...errors, `${path}: expected ${s.type}, got ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value)) {
    errors.push(
      `${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum).slice(0, 120)}`,
    );
  }
  if (typeof value === "string") {
    if (typeof s.maxLength === "number" && value.length > s.maxLength) {
      errors.push(`${path}: longer than ${s.maxLength}`);
    }
    // Blank optional strings (a cable without colour) are "" in NetBox although the generated
    // schema keeps the field's pattern.
    if (typeof s.pattern === "string" && value !== "" && !new RegExp(s.pattern).test(value)) {
      errors.push(`${path}: does not match ${s.pattern}`);
    }
    if (s.format === "date-time" && Number.isNaN(Date.parse(value))) {
      errors.push(`${path}: not a date-time`);
    }
    if (s.format === "uri" && !URL.canParse(value)) errors.push(`${path}: not a URI`);
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) =>
      errors.push(...validate(api, s.items as Schema, item, `${path}[${i}]`))
    );
  }
  if (typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const req of (s.required as string[] | undefined) ?? []) {
      if (!(req in obj)) errors.push(`${path}: missing required ${req}`);
    }
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(api, props[k], v, `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected ${k}`);
    }
  }
  return errors;
}
