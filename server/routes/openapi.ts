// The OpenAPI 3.1 document of the REST API, generated from the resource declarations (fields,
// filters, ordering) and the tools' zod schemas (request bodies, via z.toJSONSchema), plus a
// small self-contained page at /api/docs/ that renders it without any CDN.
import { SERVER_INFO } from "../rpc/dispatch.ts";
import { inlineHashes } from "./csp.ts";
import { inputJsonSchema, type ToolRegistry } from "../tools/tool.ts";
import { type FieldDecl, LOOKUPS, MAX_LIMIT } from "./list_query.ts";
import {
  camelToSnake,
  INT_KEY,
  type KeyDecl,
  type ResourceDecl,
  type ToolBinding,
} from "./resource.ts";

type Json = Record<string, unknown>;

function fieldSchema(f: FieldDecl): Json {
  let s: Json;
  switch (f.type) {
    case "int":
      s = { type: "integer" };
      break;
    case "number":
      s = { type: ["number", "string"] };
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
  if (f.description) s.description = f.description;
  if (f.nullable && f.type !== "json") {
    if (s.enum) s = { anyOf: [s, { type: "null" }] };
    else s.type = [...[s.type].flat(), "null"];
  }
  return s;
}

function objectSchema(fields: Record<string, FieldDecl>): Json {
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldSchema(f)])),
    required: Object.keys(fields),
  };
}

const pascal = (s: string) =>
  s.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");

const errorRef = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorRef } },
});
const COMMON_ERRORS = {
  "400": errorResponse("Invalid request (unknown filter, bad value, invalid body)"),
  "401": errorResponse("No or invalid token"),
  "403": errorResponse("Token scope or client network does not allow this"),
  "429": errorResponse("Rate limit exceeded; see Retry-After"),
};

/** The tool's input schema with REST (snake_case) property names. */
function bodySchema(registry: ToolRegistry, binding: ToolBinding | undefined): Json {
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

function filterParams(fields: Record<string, FieldDecl>): Json[] {
  const out: Json[] = [];
  for (const [name, f] of Object.entries(fields)) {
    if (f.filter === false || (f.filter === undefined && f.type === "json")) continue;
    const one = fieldSchema({ ...f, nullable: false, description: undefined });
    const arr = { type: "array", items: one };
    out.push({ name, in: "query", schema: arr, style: "form", explode: true });
    for (const lookup of LOOKUPS) {
      const text = ["text", "enum", "inet", "cidr", "text[]"].includes(f.type);
      const ordered = ["int", "number", "timestamp", "inet", "cidr", "text"].includes(f.type);
      if ((lookup === "ic" || lookup === "nic" || lookup === "isw") && !text) continue;
      if (["gte", "lte", "gt", "lt"].includes(lookup) && !ordered) continue;
      const schema = lookup === "empty"
        ? { type: "boolean" }
        : ["gte", "lte", "gt", "lt"].includes(lookup)
        ? one
        : { type: "array", items: text ? { type: "string" } : one };
      out.push({ name: `${name}__${lookup}`, in: "query", schema });
    }
  }
  return out;
}

const LIST_PARAMS: Json[] = [
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
function idParam(key: KeyDecl): Json {
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
const ETAG_HEADER = { ETag: { schema: { type: "string" } } };
const IF_MATCH = {
  name: "If-Match",
  in: "header",
  description: "ETag from a read; a stale one gets 412",
  schema: { type: "string" },
};

function paginated(itemRef: Json): Json {
  return {
    type: "object",
    properties: {
      count: { type: ["integer", "string"] },
      next: { type: ["string", "null"] },
      previous: { type: ["string", "null"] },
      results: { type: "array", items: itemRef },
    },
    required: ["count", "next", "previous", "results"],
  };
}

function pending(registry: ToolRegistry, binding: ToolBinding | undefined): string {
  if (!binding) return "";
  return registry.get(binding.tool)
    ? ` Runs the ${binding.tool} tool.`
    : ` Not available yet on this server (answers 501): needs the ${binding.tool} tool.`;
}

export function openApiDocument(resources: ResourceDecl[], registry: ToolRegistry): Json {
  const schemas: Json = {
    Error: {
      type: "object",
      properties: {
        detail: { type: "string" },
        code: { type: "string" },
        errors: {
          type: "object",
          additionalProperties: { type: "array", items: { type: "string" } },
        },
      },
      required: ["detail", "code"],
    },
  };
  const paths: Json = {};
  const json = (schema: Json) => ({ "application/json": { schema } });

  for (const r of resources) {
    const name = pascal(r.path);
    const detailRef = { $ref: `#/components/schemas/${name}Detail` };
    schemas[name] = objectSchema(r.list.fields);
    schemas[`${name}Detail`] = objectSchema({ ...r.list.fields, ...r.detailFields });
    // brief= and fields= return subsets, so list items are documented without required keys.
    const listItem = { ...objectSchema(r.list.fields), required: [] };
    schemas[`${name}ListItem`] = listItem;
    schemas[`Paginated${name}List`] = paginated({ $ref: `#/components/schemas/${name}ListItem` });
    const body = (b?: ToolBinding) => ({
      required: true,
      content: json({
        oneOf: [bodySchema(registry, b), { type: "array", items: bodySchema(registry, b) }],
      }),
    });
    const base = `/api/${r.path}/`;
    const tags = [r.tag];
    const key = r.key ?? INT_KEY;
    const ID_PARAM = idParam(key);
    paths[base] = {
      get: {
        operationId: `${r.path}_list`,
        tags,
        summary: `List ${r.noun}s`,
        parameters: [...LIST_PARAMS, ...filterParams(r.list.fields)],
        responses: {
          "200": {
            description: "A page of results",
            headers: ETAG_HEADER,
            content: json({ $ref: `#/components/schemas/Paginated${name}List` }),
          },
          ...COMMON_ERRORS,
        },
      },
      post: {
        operationId: `${r.path}_create`,
        tags,
        summary: `Create one ${r.noun} (object body) or several (list body, all or nothing).` +
          pending(registry, r.create),
        requestBody: body(r.create),
        responses: {
          "201": {
            description: "Created",
            content: json({ oneOf: [detailRef, { type: "array", items: detailRef }] }),
          },
          "405": errorResponse("Not supported on this resource"),
          "501": errorResponse("Tool not installed yet"),
          ...COMMON_ERRORS,
        },
      },
      patch: {
        operationId: `${r.path}_bulk_partial_update`,
        tags,
        summary: `Update several ${r.noun}s (list of objects with ${key.column}), all or nothing.` +
          pending(registry, r.update),
        requestBody: {
          required: true,
          content: json({ type: "array", items: { type: "object" } }),
        },
        responses: {
          "200": { description: "Updated", content: json({ type: "array", items: detailRef }) },
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...COMMON_ERRORS,
        },
      },
      put: {
        operationId: `${r.path}_bulk_update`,
        tags,
        summary: `Replace several ${r.noun}s (list of whole objects with ${key.column}).` +
          pending(registry, r.update),
        requestBody: {
          required: true,
          content: json({ type: "array", items: { type: "object" } }),
        },
        responses: {
          "200": { description: "Updated", content: json({ type: "array", items: detailRef }) },
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...COMMON_ERRORS,
        },
      },
      delete: {
        operationId: `${r.path}_bulk_destroy`,
        tags,
        summary: `Delete several ${r.noun}s (list of {${key.column}}), all or nothing.` +
          pending(registry, r.delete),
        requestBody: {
          required: true,
          content: json({
            type: "array",
            items: {
              type: "object",
              properties: {
                [key.column]: { type: key.type === "int" ? "integer" : "string" },
              },
              required: [key.column],
            },
          }),
        },
        responses: {
          "204": { description: "Deleted" },
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...COMMON_ERRORS,
        },
      },
    };
    const detail = `${base}{id}/`;
    const notFound = { "404": errorResponse("No such object") };
    paths[detail] = {
      get: {
        operationId: `${r.path}_retrieve`,
        tags,
        summary: `One ${r.noun}`,
        parameters: [ID_PARAM, { name: "brief", in: "query", schema: { type: "boolean" } }, {
          name: "fields",
          in: "query",
          schema: { type: "string" },
        }],
        responses: {
          "200": {
            description: "The object",
            headers: ETAG_HEADER,
            content: json({
              ...objectSchema({ ...r.list.fields, ...r.detailFields }),
              required: [],
            }),
          },
          "304": { description: "Not modified (If-None-Match)" },
          ...notFound,
          ...COMMON_ERRORS,
        },
      },
      patch: {
        operationId: `${r.path}_partial_update`,
        tags,
        summary: `Change the named fields of one ${r.noun}.` + pending(registry, r.update),
        parameters: [ID_PARAM, IF_MATCH],
        requestBody: { required: true, content: json({ type: "object" }) },
        responses: {
          "200": { description: "Updated", headers: ETAG_HEADER, content: json(detailRef) },
          "412": errorResponse("If-Match does not match the current ETag"),
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...notFound,
          ...COMMON_ERRORS,
        },
      },
      put: {
        operationId: `${r.path}_update`,
        tags,
        summary:
          `Replace one ${r.noun}; must carry ${
            (r.putRequired ?? []).join(", ") || "every field"
          }.` +
          pending(registry, r.update),
        parameters: [ID_PARAM, IF_MATCH],
        requestBody: { required: true, content: json({ type: "object" }) },
        responses: {
          "200": { description: "Updated", headers: ETAG_HEADER, content: json(detailRef) },
          "412": errorResponse("If-Match does not match the current ETag"),
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...notFound,
          ...COMMON_ERRORS,
        },
      },
      delete: {
        operationId: `${r.path}_destroy`,
        tags,
        summary: `Delete one ${r.noun}.` + pending(registry, r.delete),
        parameters: [ID_PARAM, IF_MATCH],
        responses: {
          "204": { description: "Deleted" },
          "412": errorResponse("If-Match does not match the current ETag"),
          "405": errorResponse("Not supported"),
          "501": errorResponse("Tool not installed yet"),
          ...notFound,
          ...COMMON_ERRORS,
        },
      },
    };
    for (const n of r.nested ?? []) {
      const nName = `${name}${pascal(n.path)}`;
      schemas[nName] = { ...objectSchema(n.list.fields), required: [] };
      schemas[`${nName}Detail`] = objectSchema({ ...n.list.fields, ...n.detailFields });
      paths[`${detail}${n.path}/`] = {
        get: {
          operationId: `${r.path}_${n.path}_list`,
          tags,
          summary: n.summary,
          parameters: [ID_PARAM, ...LIST_PARAMS, ...filterParams(n.list.fields)],
          responses: {
            "200": {
              description: "A page",
              content: json(paginated({ $ref: `#/components/schemas/${nName}` })),
            },
            ...notFound,
            ...COMMON_ERRORS,
          },
        },
      };
      paths[`${detail}${n.path}/{${n.keyColumn}}/`] = {
        get: {
          operationId: `${r.path}_${n.path}_retrieve`,
          tags,
          summary: `One of: ${n.summary}`,
          parameters: [ID_PARAM, {
            name: n.keyColumn,
            in: "path",
            required: true,
            schema: { type: "integer", minimum: 1 },
          }],
          responses: {
            "200": {
              description: "The object",
              content: json({ $ref: `#/components/schemas/${nName}Detail` }),
            },
            ...notFound,
            ...COMMON_ERRORS,
          },
        },
      };
    }
    for (const a of r.actions ?? []) {
      const path = a.detail ? `${detail}${a.name}/` : `${base}${a.name}/`;
      const entry = (paths[path] ??= {}) as Json;
      const params: Json[] = a.detail ? [ID_PARAM] : [];
      for (const [q, f] of Object.entries(a.query ?? {})) {
        params.push({ name: q, in: "query", schema: fieldSchema(f) });
      }
      const op: Json = {
        operationId: `${r.path}_${a.name.replace(/-/g, "_")}_${a.method.toLowerCase()}`,
        tags,
        summary: a.summary + (a.tool ? pending(registry, a.tool) : ""),
        parameters: params,
        responses: {
          "200": { description: "Result", content: json({}) },
          "201": { description: "Created", content: json({}) },
          "501": errorResponse("Tool not installed yet"),
          ...notFound,
          ...COMMON_ERRORS,
        },
      };
      if (a.body === "tool") {
        op.requestBody = {
          required: false,
          content: json({
            oneOf: [bodySchema(registry, a.tool), {
              type: "array",
              items: bodySchema(registry, a.tool),
            }],
          }),
        };
      }
      entry[a.method.toLowerCase()] = op;
    }
  }

  const plain = (summary: string, extra: Json = {}) => ({
    summary,
    responses: {
      "200": { description: "OK", content: json({ type: "object" }) },
      ...COMMON_ERRORS,
    },
    ...extra,
  });
  paths["/api/"] = { get: { operationId: "api_root", ...plain("Links to every resource list") } };
  paths["/api/status/"] = {
    get: { operationId: "status", ...plain("Server, database and caller status") },
  };
  paths["/api/schema/"] = { get: { operationId: "schema", ...plain("This document") } };
  paths["/api/docs/"] = {
    get: {
      operationId: "docs",
      summary: "A page that renders this document (open, no token needed)",
      security: [],
      responses: {
        "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
      },
    },
  };
  paths["/health"] = {
    get: {
      operationId: "health",
      summary: "Liveness and database reachability (open, no token needed)",
      security: [],
      responses: {
        "200": { description: "Healthy", content: json({ type: "object" }) },
        "503": { description: "Degraded", content: json({ type: "object" }) },
      },
    },
  };
  const html = (summary: string, operationId: string) => ({
    get: {
      operationId,
      summary,
      security: [],
      responses: {
        "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
      },
    },
  });
  paths["/editor"] = html(
    "The draw.io editor with the ArchiFlow plugin (?diagram=<id>#token=<key>); open, the page " +
      "takes the key from its fragment, which is never sent to a server. ?token= is refused (400)",
    "editor",
  );
  paths["/drawio"] = html("Redirects to /drawio/", "drawio_root");
  paths["/drawio/{path}"] = html("The bundled draw.io web app (static files)", "drawio_files");
  paths["/drawio-plugin/archiflow-plugin.js"] = {
    get: {
      operationId: "drawio_plugin",
      summary: "The ArchiFlow draw.io plugin bundle",
      security: [],
      responses: {
        "200": {
          description: "JavaScript",
          content: { "text/javascript": { schema: { type: "string" } } },
        },
      },
    },
  };
  paths["/api/netbox/sync/"] = {
    post: {
      operationId: "netbox_sync",
      summary: "Runs a NetBox sync (body: {mode?: full|incremental}); the run with its counts",
      requestBody: { required: false, content: json({ type: "object" }) },
      responses: {
        "200": { description: "The sync run", content: json({ type: "object" }) },
        "502": { description: "The sync run failed", content: json({ type: "object" }) },
        ...COMMON_ERRORS,
      },
    },
  };
  paths["/api/netbox/webhook/"] = {
    post: {
      operationId: "netbox_webhook",
      summary: "NetBox webhook receiver, authenticated by X-Hook-Signature (HMAC-SHA512), no token",
      security: [],
      requestBody: { required: true, content: json({ type: "object" }) },
      responses: {
        "200": { description: "Applied or ignored as a repeat", content: json({ type: "object" }) },
        "401": errorResponse("Missing or wrong signature"),
        "503": errorResponse("No webhook secret configured"),
      },
    },
  };
  paths["/metrics"] = {
    get: {
      operationId: "metrics",
      summary: "Prometheus metrics (an API token, or the ARCHIFLOW_METRICS_TOKEN bearer when set)",
      responses: {
        "200": {
          description: "Prometheus text exposition format 0.0.4",
          content: { "text/plain": { schema: { type: "string" } } },
        },
        ...COMMON_ERRORS,
      },
    },
  };
  paths["/mcp"] = {
    post: {
      operationId: "mcp",
      summary: "MCP Streamable HTTP transport (JSON responses): one JSON-RPC message or a batch",
      requestBody: { required: true, content: json({ type: ["object", "array"] }) },
      responses: {
        "200": {
          description: "JSON-RPC response(s)",
          content: json({ type: ["object", "array"] }),
        },
        "202": { description: "Accepted (notifications and responses only)" },
        ...COMMON_ERRORS,
      },
    },
    get: {
      operationId: "mcp_stream",
      summary: "Not offered: answers 405",
      responses: { "405": errorResponse("No server-initiated stream") },
    },
    delete: {
      operationId: "mcp_end_session",
      summary: "Ends a session (sessions carry no state)",
      responses: { "204": { description: "Ended" } },
    },
  };
  const ws = {
    get: {
      summary: "WebSocket JSON-RPC 2.0 (MCP tools/call). Authenticate with Authorization or the " +
        "subprotocols [archiflow, archiflow.token.<key>]; a key in the URL (?token=) is refused " +
        "with close code 1008. Without an upgrade, answers a short description.",
      responses: {
        "101": { description: "Switching protocols" },
        "200": { description: "Description", content: json({ type: "object" }) },
        ...COMMON_ERRORS,
      },
    },
  };
  paths["/"] = { get: { operationId: "ws_root", ...ws.get } };
  paths["/ws"] = { get: { operationId: "ws", ...ws.get } };

  return {
    openapi: "3.1.0",
    info: {
      title: "ArchiFlow API",
      version: SERVER_INFO.version,
      description:
        "NetBox-style REST API over the ArchiFlow tools. Send `Authorization: Token <key>`.",
    },
    servers: [{ url: "/" }],
    security: [{ tokenAuth: [] }, { bearerAuth: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        tokenAuth: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "`Token <key>`",
        },
        bearerAuth: { type: "http", scheme: "bearer" },
      },
    },
  };
}

/** The API browser: fetches /api/schema/ with a token kept in the page and lists operations. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ArchiFlow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:12px;align-items:center}
header input{flex:1;max-width:420px;padding:5px 8px}
main{padding:16px 20px;max-width:1100px}
details{background:#fff;border:1px solid #dde1e7;border-radius:4px;margin:6px 0}
summary{cursor:pointer;padding:7px 10px;font-family:ui-monospace,monospace}
.m{display:inline-block;width:64px;font-weight:700}
.get{color:#1565c0}.post{color:#2e7d32}.patch,.put{color:#b26a00}.delete{color:#c62828}
pre{background:#f0f2f5;padding:8px;overflow:auto;margin:0 10px 10px;max-height:360px}
p.s{margin:4px 10px}
h2{margin:18px 0 6px;font-size:16px}
</style></head><body>
<header><strong>ArchiFlow API</strong>
<input id="tok" placeholder="API token (af_...)" autocomplete="off" type="password">
<button id="load">Load</button><span id="msg"></span></header>
<main id="out"><p>Enter an API token to load the OpenAPI document from /api/schema/.</p></main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromUrl) { sessionStorage.setItem("af_token", fromUrl); }
if (location.hash || location.search) history.replaceState(null, "", location.pathname);
$("tok").value = sessionStorage.getItem("af_token") || "";
async function load() {
  const key = $("tok").value.trim();
  sessionStorage.setItem("af_token", key);
  $("msg").textContent = "loading...";
  const res = await fetch("/api/schema/", { headers: { Authorization: "Token " + key } });
  if (!res.ok) { $("msg").textContent = res.status + " " + (await res.json()).detail; return; }
  const doc = await res.json();
  $("msg").textContent = doc.info.title + " " + doc.info.version;
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || "general";
      (byTag[tag] ||= []).push([method, path, op]);
    }
  }
  let html = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    html += "<h2>" + esc(tag) + "</h2>";
    for (const [method, path, op] of ops) {
      html += "<details><summary><span class='m " + method + "'>" + method.toUpperCase() +
        "</span>" + esc(path) + "</summary><p class='s'>" + esc(op.summary || "") + "</p>" +
        "<pre>" + esc(JSON.stringify({ parameters: (op.parameters || []).map((p) => p.name),
          requestBody: op.requestBody, responses: Object.keys(op.responses || {}) }, null, 2)) +
        "</pre></details>";
    }
  }
  html += "<h2>Schemas</h2><pre>" + esc(JSON.stringify(doc.components.schemas, null, 2)) + "</pre>";
  $("out").innerHTML = html;
}
$("load").onclick = load;
if ($("tok").value) load();
</script></body></html>
`;

/**
 * Headers of the API browser. It asks for an API key, so no site may frame it (a framed page can
 * be overlaid to catch what is typed), and only its own inline script and style run.
 */
export const DOCS_HEADERS: Record<string, string> = {
  "Content-Security-Policy": [
    "default-src 'none'",
    `script-src ${inlineHashes(DOCS_HTML).join(" ")}`,
    `style-src ${inlineHashes(DOCS_HTML, "style").join(" ")}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};
