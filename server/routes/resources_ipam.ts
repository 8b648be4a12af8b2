// REST resources of address management: /api/ip-pools/ (with usage and available-ips) and
// /api/ip-allocations/. An allocation has one shape wherever it appears: the row of
// /api/ip-allocations/{id}/, also when POST …/available-ips/ or POST /api/ip-allocations/ made it.
import { AppError } from "../errors.ts";
import type { Context } from "hono";
import type { Env } from "./env.ts";
import type { Row } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { listAvailable } from "../ipam/available.ts";
import { countValue } from "../ipam/pool_listing.ts";
import { POOL_TYPES } from "../tools/ip_pools.ts";
import { type FieldDecl, MAX_LIMIT } from "./list_query.ts";
import { COUNT_SCHEMA, objectSchema, paginated } from "./openapi_schemas.ts";
import {
  type Call,
  camelKeys,
  type Key,
  type ResourceDecl,
  type RestContext,
  type ToolBinding,
} from "./resource.ts";
import {
  bool,
  enumOf,
  id,
  inetNull,
  intNull,
  text,
  textId,
  textKey,
  textReq,
  ts,
  tsNull,
} from "./resource_fields.ts";

const POOL_FIELDS: Record<string, FieldDecl> = {
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
  usable_count: { type: "count", description: "Usable addresses" },
  available_count: { type: "count", description: "Free addresses" },
  usage_percentage: { type: "number" },
  created_by: text,
  created_at: ts,
  updated_at: ts,
};

/** The fields of GET …/usage/: the pool's figures, as the pool itself shows them. */
const USAGE_FIELDS = [
  "id",
  "name",
  "network",
  "allocated_count",
  "usable_count",
  "available_count",
  "usage_percentage",
];
const pick = <T>(from: Record<string, T>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, from[n]]));

const FREE_ADDRESS: Record<string, FieldDecl> = {
  address: { type: "inet" },
  family: { type: "int", description: "4 or 6" },
  pool_id: { type: "text" },
};

/** allocate-ip with `count` makes several allocations in one call, all or nothing. */
const ALLOCATE_SEVERAL: ToolBinding["several"] = {
  asked: (body) => body.count !== undefined,
  keys: (result) => (result.allocations as Row[]).map((a) => a.id as Key),
};

const ipPools: ResourceDecl = {
  path: "ip-pools",
  noun: "IP pool",
  tag: "ipam",
  key: textKey(50),
  list: {
    query: "RestIpPools",
    fields: POOL_FIELDS,
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
      responds: {
        status: 200,
        content: { "application/json": paginated(objectSchema(FREE_ADDRESS), COUNT_SCHEMA) },
      },
    },
    {
      name: "available-ips",
      method: "POST",
      detail: true,
      summary: "Allocate the lowest free address (object body), `count` addresses (a list " +
        "answers), or one address per object (list body), all or nothing.",
      tool: {
        tool: "allocate-ip",
        args: (call) => ({ ...camelKeys(call.body), poolId: call.id }),
        several: ALLOCATE_SEVERAL,
      },
      bulk: true,
      answer: { resource: "ip-allocations", key: (_call, result) => result.id as Key, status: 201 },
      body: "tool",
    },
    {
      name: "usage",
      method: "GET",
      detail: true,
      summary: "Usage figures of the pool.",
      handler: (c, _rc, call) => Promise.resolve(c.json(pick(call.current!, USAGE_FIELDS))),
      responds: {
        status: 200,
        content: { "application/json": objectSchema(pick(POOL_FIELDS, USAGE_FIELDS)) },
      },
    },
  ],
};

async function availableIps(c: Context<Env>, rc: RestContext, call: Call): Promise<Response> {
  const params = call.params;
  for (const k of params.keys()) {
    if (k !== "limit" && k !== "offset") {
      throw new AppError("invalid", `${k.slice(0, 40)}: unknown parameter`, {
        errors: {
          [k.slice(0, 40)]: ["unknown parameter"],
        },
      });
    }
  }
  const num = (name: string, def: number, max: number) => {
    const raw = params.get(name);
    if (raw === null || raw === "") return def;
    if (!/^\d{1,9}$/.test(raw)) {
      throw new AppError("invalid", `${name}: must be a non-negative integer`, {
        errors: {
          [name]: ["must be a non-negative integer"],
        },
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
  create: { tool: "allocate-ip", several: ALLOCATE_SEVERAL },
  update: { tool: "update-ip-allocation", args: allocationArgs },
  // Deleting an allocation releases it; the row stays as history.
  delete: {
    tool: "release-ip",
    args: (call) => ({ ip: call.current!.ip_address, poolId: call.current!.pool_id }),
  },
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
      throw new AppError("invalid", `${field} cannot be changed`, {
        errors: {
          [field]: ["cannot be changed"],
        },
      });
    }
    delete body[field];
  }
  for (const field of ALLOCATION_SERVER_FIELDS) delete body[field];
  return { ...camelKeys(body), id: call.id };
}

export const IPAM_RESOURCES = [ipPools, ipAllocations];
