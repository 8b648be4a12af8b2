// The REST resources under /api/, declared once: base query, fields, and the tool behind each
// write. Wiring a tool that lands later is one line (its name is already declared here; until
// the registry has it, its routes answer 501 Not Implemented).
import { DEVICE_STATUSES } from "../tools/devices.ts";
import type { Context } from "hono";
import type { Env } from "../app.ts";
import { sql } from "../db/queries.ts";
import { countValue } from "../tools/ipam.ts";
import { listAvailable } from "../ipam/available.ts";
import { type FieldDecl, MAX_LIMIT } from "./list_query.ts";
import {
  type Call,
  camelKeys,
  readBody,
  type ResourceDecl,
  type RestContext,
  RestError,
} from "./resource.ts";

const id: FieldDecl = { type: "int", description: "Unique id" };
const text: FieldDecl = { type: "text", nullable: true };
const textReq: FieldDecl = { type: "text" };
const ts: FieldDecl = { type: "timestamp" };
const tsNull: FieldDecl = { type: "timestamp", nullable: true };
const json: FieldDecl = { type: "json" };
const bool: FieldDecl = { type: "bool" };
const intNull: FieldDecl = { type: "int", nullable: true };
const inetNull: FieldDecl = { type: "inet", nullable: true };
const enumOf = (values: readonly string[], nullable = false): FieldDecl => ({
  type: "enum",
  values,
  nullable,
});

export const POOL_TYPES = [
  "static",
  "dhcp",
  "management",
  "infrastructure",
  "loopback",
  "point_to_point",
  "reserved",
] as const;

const devices: ResourceDecl = {
  path: "devices",
  noun: "device",
  tag: "devices",
  list: {
    query: "RestDevices",
    fields: {
      id,
      asset_id: textReq,
      device_name: textReq,
      device_type: textReq,
      vendor: text,
      model: text,
      serial_number: text,
      status: enumOf(DEVICE_STATUSES),
      site: text,
      location: text,
      primary_ip: inetNull,
      management_ip: inetNull,
      netbox_id: intNull,
      metadata: json,
      created_at: ts,
      updated_at: ts,
    },
    search: ["asset_id", "device_name", "serial_number", "site"],
    ordering: ["device_name"],
  },
  brief: ["id", "asset_id", "device_name"],
  create: { tool: "save-device" },
  // save-device upserts by asset id, so an update names the stored asset id and may not move it.
  update: {
    tool: "save-device",
    args: (call) => {
      const current = call.current!;
      if (call.body.asset_id !== undefined && call.body.asset_id !== current.asset_id) {
        throw new RestError(400, "invalid", "asset_id cannot be changed", {
          asset_id: ["cannot be changed"],
        });
      }
      return {
        deviceName: current.device_name,
        ...camelKeys(call.body),
        assetId: current.asset_id,
      };
    },
  },
  putRequired: ["device_name"],
  // force=true releases the device's active allocations in the same transaction.
  delete: {
    tool: "delete-device",
    args: (call) => ({ id: call.id, force: call.params.get("force") === "true" }),
  },
};

const ipPools: ResourceDecl = {
  path: "ip-pools",
  noun: "IP pool",
  tag: "ipam",
  list: {
    query: "RestIpPools",
    fields: {
      id,
      name: textReq,
      network: { type: "cidr" },
      gateway: inetNull,
      dns_servers: { type: "text[]" },
      vlan_id: intNull,
      pool_type: enumOf(POOL_TYPES),
      description: textReq,
      site: text,
      is_active: bool,
      allocated_count: { type: "int" },
      usable_count: { type: "number", description: "Usable addresses (decimal string)" },
      available_count: { type: "number", description: "Free addresses (decimal string)" },
      usage_percentage: { type: "number" },
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "site", "network"],
    ordering: ["name"],
  },
  brief: ["id", "name", "network"],
  create: { tool: "create-ip-pool" },
  update: { tool: "update-ip-pool", args: poolArgs },
  delete: {
    tool: "delete-ip-pool",
    args: (call) => ({ poolId: call.id, force: call.params.get("force") === "true" }),
  },
  putRequired: ["name", "network"],
  actions: [
    {
      name: "available-ips",
      method: "GET",
      detail: true,
      summary: "Free addresses of the pool, lowest first, paginated.",
      query: { limit: { type: "int" }, offset: { type: "int" } },
      handler: availableIps,
    },
    {
      name: "available-ips",
      method: "POST",
      detail: true,
      summary:
        "Allocate the lowest free address (object body) or one address per object (list body), all or nothing.",
      tool: { tool: "allocate-ip" },
      body: "tool",
      handler: allocateAvailable,
    },
    {
      name: "usage",
      method: "GET",
      detail: true,
      summary: "Usage figures of the pool.",
      handler: (c, _rc, call) => {
        const r = call.current!;
        return Promise.resolve(c.json({
          id: r.id,
          name: r.name,
          network: r.network,
          allocated_count: r.allocated_count,
          usable_count: countValue(String(r.usable_count)),
          available_count: countValue(String(r.available_count)),
          usage_percentage: r.usage_percentage,
        }));
      },
    },
  ],
};

async function availableIps(c: Context<Env>, rc: RestContext, call: Call): Promise<Response> {
  const params = call.params;
  for (const k of params.keys()) {
    if (k !== "limit" && k !== "offset") {
      throw new RestError(400, "invalid", `${k.slice(0, 40)}: unknown parameter`, {
        [k.slice(0, 40)]: ["unknown parameter"],
      });
    }
  }
  const num = (name: string, def: number, max: number) => {
    const raw = params.get(name);
    if (raw === null || raw === "") return def;
    if (!/^\d{1,9}$/.test(raw)) {
      throw new RestError(400, "invalid", `${name}: must be a non-negative integer`, {
        [name]: ["must be a non-negative integer"],
      });
    }
    return Math.min(Number(raw), max);
  };
  const limit = num("limit", 50, MAX_LIMIT) || 50;
  const offset = num("offset", 0, 1_000_000_000);
  const addresses = await listAvailable(rc.deps.db, call.id!, offset, limit);
  const [{ available_count }] = await rc.deps.db.query<{ available_count: string }>(
    sql("RestPoolAvailableCount"),
    [call.id],
  );
  const count = countValue(available_count);
  const page = addresses.map((address) => ({
    address,
    family: address.includes(":") ? 6 : 4,
    pool_id: call.id,
  }));
  const url = new URL(c.req.url);
  const link = (o: number) => {
    const u = new URL(url);
    u.searchParams.set("offset", String(o));
    u.searchParams.set("limit", String(limit));
    return u.toString();
  };
  const more = typeof count === "string" || offset + limit < count;
  return c.json({
    count,
    next: more && addresses.length === limit ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    results: page,
  });
}

async function allocateAvailable(c: Context<Env>, rc: RestContext, call: Call): Promise<Response> {
  const what = `POST /api/ip-pools/{id}/available-ips/`;
  if (!rc.deps.registry.get("allocate-ip")) {
    throw new RestError(501, "not_implemented", `${what} needs the allocate-ip tool`);
  }
  const body = await readBody(c, true, rc.deps.config.ARCHIFLOW_MAX_JSON_DEPTH);
  const items = Array.isArray(body) ? body : [body];
  const rows = await rc.inTransaction(async (db) => {
    const out = [];
    for (const item of items) {
      out.push(
        await rc.runTool(
          c,
          {
            tool: "allocate-ip",
            args: (x) => ({ ...camelKeys(x.body), poolId: call.id }),
          },
          { ...call, body: item },
          db,
          what,
        ),
      );
    }
    return out;
  });
  return c.json(Array.isArray(body) ? rows : rows[0], 201);
}

const ipAllocations: ResourceDecl = {
  path: "ip-allocations",
  noun: "IP allocation",
  tag: "ipam",
  list: {
    query: "RestIpAllocations",
    fields: {
      id,
      pool_id: { type: "int" },
      ip_address: { type: "inet" },
      asset_id: text,
      device_name: text,
      device_type: text,
      mac_address: text,
      hostname: text,
      description: textReq,
      allocated_by: text,
      allocated_at: ts,
      released_at: tsNull,
      released_by: text,
      is_active: bool,
    },
    search: ["ip_address", "asset_id", "device_name", "hostname"],
    ordering: ["ip_address"],
  },
  brief: ["id", "pool_id", "ip_address"],
  create: { tool: "allocate-ip" },
  update: { tool: "update-ip-allocation", args: allocationArgs },
  // Deleting an allocation releases it; the row stays as history.
  delete: {
    tool: "release-ip",
    args: (call) => ({ ip: call.current!.ip_address, poolId: call.current!.pool_id }),
  },
};

const devicePorts: ResourceDecl = {
  path: "device-ports",
  noun: "device port",
  tag: "devices",
  list: {
    query: "RestDevicePorts",
    fields: {
      id,
      device_id: { type: "int" },
      port_name: textReq,
      port_type: text,
      speed_mbps: intNull,
      status: enumOf(["up", "down", "disabled", "unknown"]),
      mac_address: text,
      vlan_id: intNull,
      description: textReq,
      connected_port_id: intNull,
      netbox_id: intNull,
      created_at: ts,
      updated_at: ts,
    },
    search: ["port_name", "description"],
    ordering: ["device_id", "port_name"],
  },
  brief: ["id", "device_id", "port_name"],
  create: { tool: "save-device-port", args: portArgs },
  update: { tool: "save-device-port", args: portArgs },
  putRequired: ["port_name"],
  delete: { tool: "delete-device-port" },
};

const connections: ResourceDecl = {
  path: "connections",
  noun: "connection",
  tag: "devices",
  list: {
    query: "RestConnections",
    fields: {
      id,
      port_a_id: { type: "int" },
      device_a_id: { type: "int" },
      device_a_asset_id: textReq,
      device_a_name: textReq,
      port_a_name: textReq,
      port_b_id: { type: "int" },
      device_b_id: { type: "int" },
      device_b_asset_id: textReq,
      device_b_name: textReq,
      port_b_name: textReq,
      port_a_status: textReq,
      port_b_status: textReq,
    },
    search: ["device_a_name", "device_b_name", "device_a_asset_id", "device_b_asset_id"],
    ordering: ["device_a_name", "port_a_name"],
  },
  brief: ["id", "device_a_name", "port_a_name", "device_b_name", "port_b_name"],
};

const diagrams: ResourceDecl = {
  path: "diagrams",
  noun: "diagram",
  diagramAcl: true,
  tag: "diagrams",
  list: {
    query: "RestDiagrams",
    fields: {
      id,
      name: textReq,
      description: textReq,
      version: { type: "int" },
      tags: { type: "text[]" },
      metadata: json,
      site: text,
      created_by: text,
      updated_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "site"],
    ordering: ["name"],
  },
  detailQuery: "RestDiagramDetail",
  detailFields: { xml_content: textReq, diagram_json: json },
  brief: ["id", "name", "version"],
  create: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  update: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  putRequired: ["name", "xml"],
  delete: { tool: "delete-diagram" },
  nested: [{
    path: "versions",
    summary: "Saved versions of the diagram.",
    list: {
      query: "RestDiagramVersions",
      fields: {
        id,
        diagram_id: { type: "int" },
        version: { type: "int" },
        change_summary: text,
        created_by: text,
        created_at: ts,
        is_published: bool,
      },
      search: ["change_summary", "created_by"],
      ordering: ["-version"],
    },
    parentColumn: "diagram_id",
    keyColumn: "version",
    detailQuery: "RestDiagramVersionDetail",
    detailFields: { xml_content: textReq, diagram_json: json },
  }],
  actions: [
    {
      name: "diff",
      method: "GET",
      detail: true,
      summary: "Differences between two versions (?from=&to=).",
      query: { from: { type: "int" }, to: { type: "int" } },
      handler: (c, rc, call) =>
        readTool(c, rc, "diff-diagram-versions", {
          diagramId: call.id,
          from: intQuery(call.params, "from"),
          to: intQuery(call.params, "to"),
        }),
    },
    {
      name: "restore",
      method: "POST",
      detail: true,
      summary: "Restore an earlier version as the newest one.",
      tool: { tool: "restore-diagram-version", args: versionArgs },
      body: "tool",
    },
    {
      name: "publish",
      method: "POST",
      detail: true,
      summary: "Publish a version as the live one.",
      tool: { tool: "publish-diagram-version", args: versionArgs },
      body: "tool",
    },
    {
      name: "export",
      method: "GET",
      detail: true,
      summary: "The stored diagram as draw.io file, bare XML or diagram_json (?format=).",
      query: { format: { type: "enum", values: ["drawio", "xml", "json"] } },
      handler: exportDiagram,
    },
  ],
};

/** update-ip-pool names the pool `poolId`. */
function poolArgs(call: Call): Record<string, unknown> {
  const { id: _id, ...rest } = camelKeys(call.body);
  return { ...rest, poolId: call.id };
}

/** Fields the server keeps; a body may echo them back (GET then PUT) and they are ignored. */
const SERVER_FIELDS = ["created_at", "updated_at", "netbox_id"];
const ALLOCATION_SERVER_FIELDS = [
  "allocated_by",
  "allocated_at",
  "released_at",
  "released_by",
  "is_active",
];

/**
 * update-ip-allocation edits descriptive fields only: the address and pool may be echoed back
 * unchanged but never changed.
 */
function allocationArgs(call: Call): Record<string, unknown> {
  const current = call.current!;
  const body = { ...call.body };
  for (const field of ["ip_address", "pool_id"]) {
    if (body[field] === undefined) continue;
    if (String(body[field]) !== String(current[field])) {
      throw new RestError(400, "invalid", `${field} cannot be changed`, {
        [field]: ["cannot be changed"],
      });
    }
    delete body[field];
  }
  for (const field of ALLOCATION_SERVER_FIELDS) delete body[field];
  return { ...camelKeys(body), id: call.id };
}

/** save-device-port creates without an id and updates the port named by the path. */
function portArgs(call: Call): Record<string, unknown> {
  const body = { ...call.body };
  for (const field of SERVER_FIELDS) delete body[field];
  const args = camelKeys(body);
  if (call.id !== undefined) args.id = call.id;
  return args;
}

/** Version actions name the diagram `diagramId`; the body carries `version`, `expected_version`. */
function versionArgs(call: Call): Record<string, unknown> {
  return { ...camelKeys(call.body), diagramId: call.id };
}

/** Template tools take the XML as `xml`; the REST body may say `xml` or `xml_content`. */
function templateArgs(call: Call): Record<string, unknown> {
  const { xml_content, ...rest } = call.body;
  const args = camelKeys(rest);
  if (args.xml === undefined && xml_content !== undefined) args.xml = xml_content;
  if (call.id !== undefined) args.id = call.id;
  return args;
}

/** save-diagram takes the XML as `xml`; the REST body may say `xml` or `xml_content`. */
function diagramArgs(call: Call): Record<string, unknown> {
  const { xml_content, ...rest } = call.body;
  const args = camelKeys(rest);
  if (args.xml === undefined && xml_content !== undefined) args.xml = xml_content;
  if (call.current) {
    args.id = call.id;
    args.name ??= call.current.name;
    args.xml ??= call.current.xml_content;
  }
  return args;
}

function intQuery(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new RestError(400, "invalid", `${name}: must be a version number`, {
      [name]: ["must be a version number"],
    });
  }
  return Number(raw);
}

async function readTool(
  c: Context<Env>,
  rc: RestContext,
  tool: string,
  args: Record<string, unknown>,
): Promise<Response> {
  const what = `${c.req.method} ${c.req.path}`;
  if (!rc.deps.registry.get(tool)) {
    throw new RestError(501, "not_implemented", `${what} is not available yet: no ${tool} tool`);
  }
  const result = await rc.runTool(
    c,
    { tool, args: () => args },
    {
      body: {},
      params: new URLSearchParams(),
    },
    rc.deps.db,
    what,
  );
  return c.json(result);
}

function exportDiagram(c: Context<Env>, _rc: RestContext, call: Call): Promise<Response> {
  const format = call.params.get("format") ?? "drawio";
  const row = call.current!;
  const safeName = String(row.name).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100) || "diagram";
  if (format === "json") {
    return Promise.resolve(c.json(row.diagram_json as Record<string, unknown>));
  }
  if (format !== "xml" && format !== "drawio") {
    throw new RestError(400, "invalid", "format: must be drawio, xml or json", {
      format: ["must be drawio, xml or json"],
    });
  }
  c.header("Content-Type", "application/xml; charset=utf-8");
  if (format === "drawio") {
    c.header("Content-Disposition", `attachment; filename="${safeName}.drawio"`);
  }
  return Promise.resolve(c.body(String(row.xml_content)));
}

const templates: ResourceDecl = {
  path: "templates",
  noun: "template",
  tag: "diagrams",
  list: {
    query: "RestTemplates",
    fields: {
      id,
      name: textReq,
      description: textReq,
      category: textReq,
      variables: json,
      created_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "category"],
    ordering: ["name"],
  },
  detailQuery: "RestTemplateDetail",
  detailFields: { xml_content: textReq },
  brief: ["id", "name", "category"],
  create: { tool: "create-template", args: templateArgs },
  update: { tool: "update-template", args: templateArgs },
  delete: { tool: "delete-template" },
  putRequired: ["name", "xml_content"],
  actions: [{
    name: "instantiate",
    method: "POST",
    detail: true,
    summary: "Create a diagram from the template with the given variables.",
    tool: {
      tool: "instantiate-template",
      args: (call) => ({ ...camelKeys(call.body), templateId: call.id }),
    },
    body: "tool",
  }],
};

const alerts: ResourceDecl = {
  path: "alerts",
  noun: "alert",
  tag: "alerts",
  list: {
    query: "RestAlerts",
    fields: {
      id,
      alert_type: enumOf(["ip_conflict", "pool_exhausted", "device_down"]),
      severity: enumOf(["info", "warning", "critical"]),
      title: textReq,
      message: textReq,
      source: textReq,
      entity_type: text,
      entity_id: text,
      dedup_key: text,
      details: json,
      acknowledged: bool,
      acknowledged_by: text,
      acknowledged_at: tsNull,
      resolved: bool,
      resolved_by: text,
      resolved_at: tsNull,
      created_at: ts,
      updated_at: ts,
    },
    search: ["title", "message", "entity_id"],
    ordering: ["-created_at"],
  },
  brief: ["id", "alert_type", "severity", "title"],
  actions: [
    {
      name: "acknowledge",
      method: "POST",
      detail: true,
      summary: "Acknowledge the alert.",
      tool: { tool: "acknowledge-alert", args: (call) => ({ id: call.id }) },
      body: "tool",
    },
    {
      name: "resolve",
      method: "POST",
      detail: true,
      summary: "Resolve the alert.",
      tool: { tool: "resolve-alert", args: (call) => ({ id: call.id }) },
      body: "tool",
    },
  ],
};

const auditLog: ResourceDecl = {
  path: "audit-log",
  noun: "audit entry",
  tag: "audit",
  list: {
    query: "RestAuditLog",
    fields: {
      id,
      occurred_at: ts,
      user_name: textReq,
      client_addr: text,
      user_agent: text,
      request_id: text,
      action: textReq,
      entity_type: textReq,
      entity_id: text,
      old_values: json,
      new_values: json,
    },
    search: ["user_name", "action", "entity_type", "entity_id"],
    ordering: ["-occurred_at"],
  },
  brief: ["id", "occurred_at", "user_name", "action", "entity_type", "entity_id"],
};

export const RESOURCES: ResourceDecl[] = [
  ipPools,
  ipAllocations,
  devices,
  devicePorts,
  connections,
  diagrams,
  templates,
  alerts,
  auditLog,
];
