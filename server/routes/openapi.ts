// The OpenAPI 3.1 document of the HTTP API, assembled from the routes the app has mounted: each
// mounted route is looked up among the operations of the REST resources (operations.ts, the
// list the router mounted them from) and the descriptions of the other routes
// (openapi_routes.ts). Nothing is listed that the router does not know; a mounted route without
// a description is left out, and the OpenAPI test names it.
import { SERVER_INFO } from "../rpc/dispatch.ts";
import type { ToolRegistry } from "../tools/tool.ts";
import { resourceOperations } from "./operations.ts";
import { operationDoc, resourceSchemas } from "./openapi_operations.ts";
import { ROUTE_DOCS } from "./openapi_routes.ts";
import { ERROR_SCHEMA, type Json } from "./openapi_schemas.ts";
import type { ResourceDecl } from "./resource.ts";

/** A route as Hono lists it in app.routes ("ALL" is middleware or a 405 fallback). */
export interface MountedRoute {
  method: string;
  path: string;
}

/** Hono's "/api/ip-pools/:id{[0-9]+}/usage" as the document writes it: "…/{id}/usage". */
export function documentPath(path: string): string {
  return path.replace(/:(\w+)\{[^}]*\}/g, "{$1}").replace(/:(\w+)/g, "{$1}")
    .replace(/\/\*$/, "/{path}");
}

/** A path with and without its trailing slash is one route (both() mounts the two). */
const bare = (path: string) => path.length > 1 ? path.replace(/\/$/, "") : path;

export function openApiDocument(
  resources: ResourceDecl[],
  registry: ToolRegistry,
  routes: MountedRoute[],
): Json {
  const described = new Map<string, () => Json>();
  for (const r of resources) {
    for (const op of resourceOperations(r)) {
      described.set(`${op.method} ${bare(op.route)}`, () => operationDoc(op, registry));
    }
  }
  for (const d of ROUTE_DOCS) described.set(`${d.method} ${bare(d.path)}`, () => d.op);

  const mounted = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const describe = described.get(`${route.method} ${bare(route.path)}`);
    if (!describe) continue;
    // Of a path mounted with and without the slash, the document names the slash form.
    if (!route.path.endsWith("/") && mounted.has(`${route.method} ${route.path}/`)) continue;
    const entry = paths[documentPath(route.path)] ??= {};
    entry[route.method.toLowerCase()] ??= describe();
  }

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
      schemas: { Error: ERROR_SCHEMA, ...resourceSchemas(resources) },
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
