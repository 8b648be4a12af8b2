// The OpenAPI side of the REST resources: the component schemas of each resource (one shape per
// object: list item, detail, nested rows) and one operation object per operation that
// operations.ts derives from the declaration, the same list the router mounts.
import type { ToolRegistry } from "../tools/tool.ts";
import type { Operation } from "./operations.ts";
import {
  bodySchema,
  COMMON_ERRORS,
  errorResponse,
  ETAG_HEADER,
  fieldSchema,
  filterParams,
  idParam,
  IF_MATCH,
  type Json,
  json,
  LIST_PARAMS,
  objectSchema,
  paginated,
  pending,
  ref,
  schemaName,
} from "./openapi_schemas.ts";
import {
  type ActionDecl,
  INT_KEY,
  pluralOf,
  type ResourceDecl,
  type ToolBinding,
} from "./resource.ts";

/** Component schemas of the resources: <Name>, <Name>Detail, <Name>ListItem, pages, nested. */
export function resourceSchemas(resources: ResourceDecl[]): Json {
  const schemas: Json = {};
  for (const r of resources) {
    const name = schemaName(r.path);
    schemas[name] = objectSchema(r.list.fields);
    schemas[`${name}Detail`] = objectSchema({ ...r.list.fields, ...r.detailFields });
    // brief= and fields= return subsets, so list items are documented without required keys.
    schemas[`${name}ListItem`] = objectSchema(r.list.fields, false);
    schemas[`Paginated${name}List`] = paginated(ref(`${name}ListItem`));
    for (const n of r.nested ?? []) {
      const nName = schemaName(r.path, n.path);
      schemas[nName] = objectSchema(n.list.fields, false);
      schemas[`${nName}Detail`] = objectSchema({ ...n.list.fields, ...n.detailFields });
    }
  }
  return schemas;
}

const NOT_FOUND = { "404": errorResponse("No such object (or one hidden from this caller)") };
/** What any tool-backed write may answer besides its success. */
const WRITE_ERRORS = {
  ...COMMON_ERRORS,
  ...NOT_FOUND,
  "409": errorResponse("Conflicts with stored data (an existing id, a pool in use, …)"),
  "413": errorResponse("Request body too large"),
  "501": errorResponse("Tool not installed yet"),
};
const STALE = { "412": errorResponse("If-Match does not match the current ETag") };

const oneOrList = (item: Json) => ({ oneOf: [item, { type: "array", items: item }] });

/** The OpenAPI operation object of one resource operation. */
export function operationDoc(op: Operation, registry: ToolRegistry): Json {
  const r = op.decl;
  const name = schemaName(r.path);
  const detailRef = ref(`${name}Detail`);
  const key = r.key ?? INT_KEY;
  const ID = idParam(key);
  const common = { operationId: op.operationId, tags: [r.tag] };
  const toolBody = (b: ToolBinding) => ({
    required: true,
    content: json(oneOrList(bodySchema(registry, b))),
  });
  const listBody = { required: true, content: json({ type: "array", items: { type: "object" } }) };
  switch (op.kind) {
    case "list":
      return {
        ...common,
        summary: `List ${pluralOf(r)}`,
        parameters: [...LIST_PARAMS, ...filterParams(r.list.fields)],
        responses: {
          "200": {
            description: "A page of results",
            headers: ETAG_HEADER,
            content: json(ref(`Paginated${name}List`)),
          },
          "304": { description: "Not modified (If-None-Match)" },
          ...COMMON_ERRORS,
        },
      };
    case "create":
      return {
        ...common,
        summary: `Create one ${r.noun} (object body) or several (list body, all or nothing).` +
          pending(registry, op.binding),
        requestBody: toolBody(op.binding),
        responses: {
          "201": { description: "Created", content: json(oneOrList(detailRef)) },
          ...WRITE_ERRORS,
        },
      };
    case "bulk_partial_update":
    case "bulk_update":
      return {
        ...common,
        summary:
          (op.method === "PUT"
            ? `Replace several ${pluralOf(r)} (list of whole objects with ${key.column}).`
            : `Update several ${
              pluralOf(r)
            } (list of objects with ${key.column}), all or nothing.`) +
          pending(registry, op.binding),
        requestBody: listBody,
        responses: {
          "200": { description: "Updated", content: json({ type: "array", items: detailRef }) },
          ...WRITE_ERRORS,
        },
      };
    case "bulk_destroy":
      return {
        ...common,
        summary: `Delete several ${pluralOf(r)} (list of objects with ${key.column}), all or ` +
          `nothing.` + pending(registry, op.binding),
        requestBody: listBody,
        responses: { "204": { description: "Deleted" }, ...WRITE_ERRORS },
      };
    case "retrieve":
      return {
        ...common,
        summary: `One ${r.noun}`,
        parameters: [ID, { name: "brief", in: "query", schema: { type: "boolean" } }, {
          name: "fields",
          in: "query",
          schema: { type: "string" },
        }],
        responses: {
          "200": {
            description: "The object",
            headers: ETAG_HEADER,
            content: json(objectSchema({ ...r.list.fields, ...r.detailFields }, false)),
          },
          "304": { description: "Not modified (If-None-Match)" },
          ...NOT_FOUND,
          ...COMMON_ERRORS,
        },
      };
    case "partial_update":
    case "update":
      return {
        ...common,
        summary:
          (op.method === "PUT"
            ? `Replace one ${r.noun}; must carry ${
              (r.putRequired ?? []).join(", ") || "every field"
            }.`
            : `Change the named fields of one ${r.noun}.`) + pending(registry, op.binding),
        parameters: [ID, IF_MATCH],
        requestBody: { required: true, content: json({ type: "object" }) },
        responses: {
          "200": { description: "Updated", headers: ETAG_HEADER, content: json(detailRef) },
          ...STALE,
          ...WRITE_ERRORS,
        },
      };
    case "destroy":
      return {
        ...common,
        summary: `Delete one ${r.noun}.` + pending(registry, op.binding),
        parameters: [ID, IF_MATCH],
        responses: { "204": { description: "Deleted" }, ...STALE, ...WRITE_ERRORS },
      };
    case "nested_list":
      return {
        ...common,
        summary: op.nested.summary,
        parameters: [ID, ...LIST_PARAMS, ...filterParams(op.nested.list.fields)],
        responses: {
          "200": {
            description: "A page",
            headers: ETAG_HEADER,
            content: json(paginated(ref(schemaName(r.path, op.nested.path)))),
          },
          "304": { description: "Not modified (If-None-Match)" },
          ...NOT_FOUND,
          ...COMMON_ERRORS,
        },
      };
    case "nested_retrieve":
      return {
        ...common,
        summary: `One of: ${op.nested.summary}`,
        parameters: [ID, {
          name: op.nested.keyColumn,
          in: "path",
          required: true,
          schema: { type: "integer", minimum: 1 },
        }],
        responses: {
          "200": {
            description: "The object",
            headers: ETAG_HEADER,
            content: json(ref(`${schemaName(r.path, op.nested.path)}Detail`)),
          },
          ...NOT_FOUND,
          ...COMMON_ERRORS,
        },
      };
    case "action":
      return actionDoc(op.action, r.path, common, ID, registry);
  }
}

function actionDoc(
  a: ActionDecl,
  resource: string,
  common: Json,
  id: Json,
  registry: ToolRegistry,
): Json {
  const params: Json[] = a.detail ? [id] : [];
  for (const [q, f] of Object.entries(a.query ?? {})) {
    params.push({ name: q, in: "query", schema: fieldSchema(f) });
  }
  const op: Json = {
    ...common,
    summary: a.summary + (a.tool ? pending(registry, a.tool) : ""),
    parameters: params,
    responses: {
      ...actionAnswer(a, resource),
      ...(a.method === "POST" ? WRITE_ERRORS : { ...NOT_FOUND, ...COMMON_ERRORS }),
    },
  };
  if (a.body === "tool") {
    const body = bodySchema(registry, a.tool);
    op.requestBody = { required: false, content: json(a.bulk ? oneOrList(body) : body) };
  }
  return op;
}

/** The success answer of an action: its declared content, or the row it answers with. */
function actionAnswer(a: ActionDecl, resource: string): Json {
  if (a.responds) {
    const content = Object.fromEntries(
      Object.entries(a.responds.content).map(([type, schema]) => [type, { schema }]),
    );
    return { [a.responds.status]: { description: "Result", content } };
  }
  if (!a.answer) return { "200": { description: "Result", content: json({ type: "object" }) } };
  const row = ref(`${schemaName(a.answer.resource ?? resource, a.answer.nested)}Detail`);
  const several = a.bulk || a.tool?.several;
  return {
    [a.answer.status ?? 200]: {
      description: several
        ? "The row made or changed; a list for a list body (or one asking for several)"
        : "The row made or changed, as its own GET shows it",
      content: json(several ? oneOrList(row) : row),
    },
  };
}
