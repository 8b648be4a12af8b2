// REST resources of the inventory: /api/devices/ (named by asset id), /api/device-ports/ and
// the read-only /api/connections/ (one row per cabled port pair).
import { AppError } from "../errors.ts";
import { DEVICE_STATUSES } from "../tools/devices.ts";
import { PORT_STATUSES } from "../tools/ports.ts";
import { type Call, camelKeys, type ResourceDecl } from "./resource.ts";
import {
  enumOf,
  id,
  inetNull,
  intNull,
  json,
  SERVER_FIELDS,
  text,
  textReq,
  ts,
} from "./resource_fields.ts";

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
        throw new AppError("invalid", "asset_id cannot be changed", {
          errors: {
            asset_id: ["cannot be changed"],
          },
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

/** save-device-port creates without an id and updates the port named by the path. */
function portArgs(call: Call): Record<string, unknown> {
  const body = { ...call.body };
  for (const field of SERVER_FIELDS) delete body[field];
  const args = camelKeys(body);
  if (call.id !== undefined) args.id = call.id;
  return args;
}

export const INVENTORY_RESOURCES = [devices, devicePorts, connections];
