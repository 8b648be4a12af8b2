// OpenAPI descriptions of the routes that are not REST resources (API root, status, health,
// metrics, MCP, WebSocket, editor and draw.io files, NetBox), keyed by method and the path
// as the app mounts it. The document lists one only while that route is mounted, so a route
// that moves or goes away leaves the document with it.
import { COMMON_ERRORS, errorResponse, type Json, json } from "./openapi_schemas.ts";

export interface RouteDoc {
  method: "GET" | "POST" | "DELETE";
  /** Hono's path, with or without the trailing slash (both forms find the description). */
  path: string;
  op: Json;
}

const open = { security: [] };
const plain = (operationId: string, summary: string) => ({
  operationId,
  summary,
  responses: {
    "200": { description: "OK", content: json({ type: "object" }) },
    ...COMMON_ERRORS,
  },
});
const page = (operationId: string, summary: string, extra: Json = {}) => ({
  operationId,
  summary,
  ...open,
  responses: {
    "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
    ...extra,
  },
});
const websocket = (operationId: string) => ({
  operationId,
  summary: "WebSocket JSON-RPC 2.0 (MCP tools/call). Authenticate with Authorization or the " +
    "subprotocols [archiflow, archiflow.token.<key>]; a key in the URL (?token=) is refused " +
    "with close code 1008. Without an upgrade, answers a short description.",
  responses: {
    "101": { description: "Switching protocols" },
    "200": { description: "Description", content: json({ type: "object" }) },
    ...COMMON_ERRORS,
  },
});

export const ROUTE_DOCS: RouteDoc[] = [
  { method: "GET", path: "/api/", op: plain("api_root", "Links to every resource list") },
  {
    method: "GET",
    path: "/api/status/",
    op: plain("status", "Server, database and caller status"),
  },
  { method: "GET", path: "/api/schema/", op: plain("schema", "This document") },
  {
    method: "GET",
    path: "/api/docs/",
    op: page("docs", "A page that renders this document (open, no token needed)"),
  },
  {
    method: "GET",
    path: "/health",
    op: {
      operationId: "health",
      summary: "Liveness and database reachability (open, no token needed)",
      ...open,
      responses: {
        "200": { description: "Healthy", content: json({ type: "object" }) },
        "503": { description: "Degraded", content: json({ type: "object" }) },
      },
    },
  },
  {
    method: "GET",
    path: "/metrics",
    op: {
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
  },
  {
    method: "GET",
    path: "/favicon.ico",
    op: {
      operationId: "favicon",
      summary: "No icon: an empty answer that browsers cache, so they stop asking",
      ...open,
      responses: { "204": { description: "No content" } },
    },
  },
  { method: "GET", path: "/", op: websocket("ws_root") },
  { method: "GET", path: "/ws", op: websocket("ws") },
  {
    method: "GET",
    path: "/editor",
    op: page(
      "editor",
      "The draw.io editor with the ArchiFlow plugin (?diagram=<id>#token=<key>); open, the page " +
        "takes the key from its fragment, which is never sent to a server. ?token= is refused",
      { "400": errorResponse("A key in the query, or a malformed diagram id") },
    ),
  },
  {
    method: "GET",
    path: "/drawio",
    op: {
      operationId: "drawio_root",
      summary: "Redirects to /drawio/",
      ...open,
      responses: { "301": { description: "To /drawio/" } },
    },
  },
  {
    method: "GET",
    path: "/drawio/*",
    op: page("drawio_files", "The bundled draw.io web app (static files)", {
      "304": { description: "Not modified" },
      "404": errorResponse("No such file"),
    }),
  },
  {
    method: "GET",
    path: "/drawio-plugin/:file",
    op: {
      operationId: "drawio_plugin",
      summary:
        "The ArchiFlow draw.io plugin bundle: archiflow-plugin.js, or archiflow-plugin.<hash>.js (cached for good)",
      ...open,
      responses: {
        "200": {
          description: "JavaScript",
          content: { "text/javascript": { schema: { type: "string" } } },
        },
        "304": { description: "Not modified" },
      },
    },
  },
  {
    method: "POST",
    path: "/api/netbox/sync",
    op: {
      operationId: "netbox_sync",
      summary: "Runs a NetBox sync (body: {mode?: full|incremental}); the run with its counts",
      requestBody: { required: false, content: json({ type: "object" }) },
      responses: {
        "200": { description: "The sync run", content: json({ type: "object" }) },
        "502": { description: "The sync run failed", content: json({ type: "object" }) },
        "503": errorResponse("NetBox is not configured"),
        ...COMMON_ERRORS,
      },
    },
  },
  {
    method: "POST",
    path: "/api/netbox/webhook",
    op: {
      operationId: "netbox_webhook",
      summary: "NetBox webhook receiver, authenticated by X-Hook-Signature (HMAC-SHA512), no token",
      ...open,
      requestBody: { required: true, content: json({ type: "object" }) },
      responses: {
        "200": { description: "Applied or ignored as a repeat", content: json({ type: "object" }) },
        "401": errorResponse("Missing or wrong signature"),
        "413": errorResponse("Request body too large"),
        "429": errorResponse("Rate limit exceeded; see Retry-After"),
        "503": errorResponse("No webhook secret configured"),
      },
    },
  },
  {
    method: "POST",
    path: "/mcp",
    op: {
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
  },
  {
    // The MCP transport asks a server without server-initiated streams to refuse them this way.
    method: "GET",
    path: "/mcp",
    op: {
      operationId: "mcp_stream",
      summary: "Not offered: always answers 405 (no server-initiated stream)",
      responses: { "405": errorResponse("No server-initiated stream") },
    },
  },
  {
    method: "DELETE",
    path: "/mcp",
    op: {
      operationId: "mcp_end_session",
      summary: "Ends a session (sessions carry no state)",
      responses: { "204": { description: "Ended" } },
    },
  },
];
