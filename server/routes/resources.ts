// The REST resources under /api/, declared once: base query, fields, and the tool behind each
// write. Wiring a tool that lands later is one line (its name is already declared here; until
// the registry has it, its routes answer 501 Not Implemented).
import { DEVICE_STATUSES } from "../tools/devices.ts";
import { PORT_STATUSES } from "../tools/ports.ts";
import type { Context } from "hono";
import type { Env } from "../app.ts";
import { sql } from "../db/queries.ts";
import { countValue } from "../tools/ipam.ts";
import { listAvailable } from "../ipam/available.ts";
import { type FieldDecl, MAX_LIMIT } from "./list_query.ts";
import {
  type Call,
  camelKeys,
  type KeyDecl,
  readBody,
  type ResourceDecl,
  type RestContext,
  RestError,
} from "./resource.ts";

const id: FieldDecl = { type: "int", description: "Unique id" };
/** Client-chosen text ids ("pool-1"); filters and ordering treat them as text. */
const textKey = (max: number): KeyDecl => ({ column: "id", type: "text", max });
const textId: FieldDecl = {
  type: "text",
  description: "Unique id (text, chosen by the client or the server)",
};
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

// Devices have no number: the asset id names them (/api/devices/{asset_id}/).
const devices: ResourceDecl = {
  path: "devices",
  noun: "device",
  tag: "devices",
  key: { column: "asset_id", type: "text", max: 100 },
  list: {
    query: "RestDevices",
    fields: {
      asset_id: { type: "text", description: "Unique asset id; names the device in URLs" },
      device_name: textReq,
      device_type: textReq,
      vendor: text,
      model: text,
      serial_number: text,
      status: enumOf(DEVICE_STATUSES),
      site: text,
      location: text,
      rack_position: text,
      primary_ip: inetNull,
      management_ip: inetNull,
      netbox_id: intNull,
      metadata: json,
      created_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["asset_id", "device_name", "serial_number", "site"],
    ordering: ["device_name"],
  },
  brief: ["asset_id", "device_name"],
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
    args: (call) => ({ assetId: call.id, force: call.params.get("force") === "true" }),
  },
};

const ipPools: ResourceDecl = {
  path: "ip-pools",
  noun: "IP pool",
  tag: "ipam",
  key: textKey(50),
  list: {
    query: "RestIpPools",
    fields: {
      id: textId,
      name: textReq,
      network: { type: "cidr" },
      gateway: inetNull,
      dns_servers: { type: "text[]" },
      vlan_id: intNull,
      pool_type: enumOf(POOL_TYPES),
      description: textReq,
      site: text,
      is_active: bool,
      reserved_ranges: { type: "text[]" },
      alert_threshold: { type: "number" },
      allocated_count: { type: "int" },
      usable_count: { type: "number", description: "Usable addresses (decimal string)" },
      available_count: { type: "number", description: "Free addresses (decimal string)" },
      usage_percentage: { type: "number" },
      created_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "site", "network"],
    ordering: ["name"],
  },
  brief: ["id", "name", "network"],
  create: { tool: "create-ip-pool", args: poolCreateArgs },
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
  const addresses = await listAvailable(rc.deps.db, String(call.id), offset, limit);
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
      pool_id: { type: "text" },
      ip_address: { type: "inet" },
      asset_id: { type: "text", description: "Asset id of the device; empty when none" },
      device_name: text,
      device_type: text,
      mac_address: text,
      hostname: text,
      notes: textReq,
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
      device_id: { type: "text", description: "Asset id of the device" },
      port_name: textReq,
      port_type: text,
      speed: { type: "text", nullable: true, description: "e.g. 100M, 1G, 2.5G, 10G" },
      status: enumOf(PORT_STATUSES),
      mac_address: text,
      vlan_id: intNull,
      description: textReq,
      connected_to_device: { type: "text", nullable: true, description: "Asset id of the peer" },
      connected_to_port: { type: "text", nullable: true, description: "Port name of the peer" },
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
      id: { type: "int", description: "Id of the source port" },
      source_device: { type: "text", description: "Asset id of the source device" },
      source_name: text,
      source_port: textReq,
      target_device: { type: "text", description: "Asset id of the target device" },
      target_name: text,
      target_port: textReq,
      connection_status: enumOf(PORT_STATUSES),
    },
    search: ["source_device", "source_name", "target_device", "target_name"],
    ordering: ["source_device", "source_port"],
  },
  brief: ["id", "source_device", "source_port", "target_device", "target_port"],
};

const diagrams: ResourceDecl = {
  path: "diagrams",
  noun: "diagram",
  diagramAcl: true,
  tag: "diagrams",
  key: textKey(100),
  list: {
    query: "RestDiagrams",
    fields: {
      id: textId,
      name: textReq,
      description: textReq,
      version: { type: "int" },
      is_current: bool,
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
  detailFields: { diagram_xml: text, diagram_json: json },
  brief: ["id", "name", "version"],
  create: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  update: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  putRequired: ["name", "diagram_xml"],
  delete: { tool: "delete-diagram" },
  nested: [{
    path: "versions",
    summary: "Saved versions of the diagram.",
    list: {
      query: "RestDiagramVersions",
      fields: {
        id,
        diagram_id: { type: "text" },
        version_number: { type: "int" },
        name: text,
        change_summary: text,
        created_by: text,
        created_at: ts,
        is_current: bool,
        is_published: bool,
      },
      search: ["name", "change_summary", "created_by"],
      ordering: ["-version_number"],
    },
    parentColumn: "diagram_id",
    keyColumn: "version_number",
    detailQuery: "RestDiagramVersionDetail",
    detailFields: { diagram_xml: text, diagram_json: json },
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

/** Figures the server computes for a pool; a body echoing a GET may carry them. */
const POOL_SERVER_FIELDS = [
  "allocated_count",
  "usable_count",
  "available_count",
  "usage_percentage",
  "created_by",
  "created_at",
  "updated_at",
];

function withoutFields(body: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const rest = { ...body };
  for (const field of fields) delete rest[field];
  return rest;
}

/** create-ip-pool takes the body, with a client-chosen `id` when it names one. */
function poolCreateArgs(call: Call): Record<string, unknown> {
  return camelKeys(withoutFields(call.body, POOL_SERVER_FIELDS));
}

/** update-ip-pool names the pool `poolId`. */
function poolArgs(call: Call): Record<string, unknown> {
  const { id: _id, ...rest } = camelKeys(withoutFields(call.body, POOL_SERVER_FIELDS));
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

/**
 * Template tools take the XML as `xml`; the REST body may say `xml` or `template_xml`. The
 * server derives template_json from the XML, so an echoed one is ignored.
 */
function templateArgs(call: Call): Record<string, unknown> {
  const { template_xml, template_json: _json, ...rest } = call.body;
  for (const field of SERVER_FIELDS) delete rest[field];
  delete rest.created_by;
  // The tools do not set is_active; an echo of the stored (or default) value is no change.
  if (rest.is_active === (call.current?.is_active ?? true)) delete rest.is_active;
  const args = camelKeys(rest);
  if (args.xml === undefined && template_xml !== undefined) args.xml = template_xml;
  if (call.id !== undefined) args.id = call.id;
  return args;
}

/** Fields of a diagram the server keeps; a body echoing a GET may carry them. */
const DIAGRAM_SERVER_FIELDS = [
  "created_at",
  "updated_at",
  "created_by",
  "updated_by",
  "version",
  "is_current",
  "diagram_json",
];

/**
 * save-diagram takes the XML as `xml`; the REST body may say `xml` or `diagram_xml`. A POST may
 * name the new diagram's id; an update saves the diagram of the URL.
 */
function diagramArgs(call: Call): Record<string, unknown> {
  const { diagram_xml, ...rest } = call.body;
  for (const field of DIAGRAM_SERVER_FIELDS) delete rest[field];
  const args = camelKeys(rest);
  if (args.xml === undefined && diagram_xml !== undefined) args.xml = diagram_xml;
  if (call.current) {
    args.id = call.id;
    args.name ??= call.current.name;
    args.xml ??= call.current.diagram_xml;
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
  return Promise.resolve(c.body(String(row.diagram_xml ?? "")));
}

const templates: ResourceDecl = {
  path: "templates",
  noun: "template",
  tag: "diagrams",
  key: textKey(100),
  list: {
    query: "RestTemplates",
    fields: {
      id: textId,
      name: textReq,
      description: textReq,
      category: textReq,
      variables: json,
      is_active: bool,
      created_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "category"],
    ordering: ["name"],
  },
  detailQuery: "RestTemplateDetail",
  detailFields: { template_xml: text, template_json: json },
  brief: ["id", "name", "category"],
  create: { tool: "create-template", args: templateArgs },
  update: { tool: "update-template", args: templateArgs },
  delete: { tool: "delete-template" },
  putRequired: ["name", "template_xml"],
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
      is_acknowledged: bool,
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
      created_at: ts,
      action: textReq,
      entity_type: textReq,
      entity_id: text,
      user_id: text,
      user_name: text,
      ip_address: inetNull,
      user_agent: text,
      request_id: text,
      old_value: json,
      new_value: json,
    },
    search: ["user_id", "user_name", "action", "entity_type", "entity_id"],
    ordering: ["-created_at"],
  },
  brief: ["id", "created_at", "user_id", "action", "entity_type", "entity_id"],
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
