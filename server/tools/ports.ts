// Device port tools: create or change a port (with its connection to a peer port, kept
// symmetric) and delete one. A status change re-runs the "all ports down" alert check.
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { invalid, notFound } from "../errors.ts";
import { checkDevicePorts } from "../ipam/alerts.ts";
import { id } from "./common.ts";
import { macArg, publishDevices } from "./devices.ts";
import { type Actor, defineTool } from "./tool.ts";

export const PORT_STATUSES = ["up", "down", "disabled", "unknown"] as const;

type PortRow = Record<string, unknown> & {
  id: number;
  device_id: number;
  status: string;
  connected_port_id: number | null;
};

const saveDevicePort = defineTool({
  name: "save-device-port",
  description:
    "Create a port (deviceId and portName) or change one (id). connectedPortId connects it to another port both ways, dropping either side's previous connection; null disconnects it.",
  scope: "write",
  input: z.object({
    id: id.optional(),
    deviceId: id.optional(),
    portName: z.string().trim().min(1).max(100).optional(),
    portType: z.string().trim().min(1).max(100).nullable().optional(),
    speedMbps: z.number().int().min(0).max(100_000_000).nullable().optional(),
    status: z.enum(PORT_STATUSES).optional(),
    macAddress: z.string().trim().min(1).max(32).nullable().optional(),
    vlanId: z.number().int().min(1).max(4094).nullable().optional(),
    description: z.string().max(1000).nullable().optional(),
    connectedPortId: id.nullable().optional(),
  }).strict().refine((a) => a.id !== undefined || (a.deviceId && a.portName), {
    message: "Give id to change a port, or deviceId and portName to create one",
  }),
  handler: async (args, ctx) => {
    const mac = macArg(args.macAddress, "macAddress");
    if (args.id !== undefined && args.connectedPortId === args.id) {
      throw invalid(`Port ${args.id} cannot be connected to itself`, { field: "connectedPortId" });
    }
    return await ctx.db.transaction(async (tx) => {
      let port: PortRow;
      let old: PortRow | null = null;
      if (args.id === undefined) {
        const [device] = await tx.query(sql("GetDeviceBrief"), [args.deviceId]);
        if (!device) {
          throw notFound(`Device ${args.deviceId} does not exist`, { deviceId: args.deviceId });
        }
        [port] = await tx.query<PortRow>(sql("InsertPort"), [
          args.deviceId,
          args.portName,
          args.portType ?? null,
          args.speedMbps ?? null,
          args.status ?? null,
          mac ?? null,
          args.vlanId ?? null,
          args.description ?? null,
        ]);
      } else {
        // The peer is locked now too, in id order with this port, so two calls connecting
        // the same pair from either end cannot deadlock.
        const ids = [args.id, args.connectedPortId].filter((x): x is number =>
          typeof x === "number"
        );
        const locked = await tx.query<PortRow>(sql("LockPorts"), [ids]);
        old = locked.find((p) => Number(p.id) === args.id) ?? null;
        if (!old) throw notFound(`Port ${args.id} does not exist`, { id: args.id });
        if (args.deviceId !== undefined && args.deviceId !== old.device_id) {
          throw invalid(
            `Port ${args.id} belongs to device ${old.device_id}; a port cannot move to another device`,
            { field: "deviceId" },
          );
        }
        const pick = <T>(v: T | undefined, was: unknown) => v === undefined ? was : v;
        [port] = await tx.query<PortRow>(sql("UpdatePort"), [
          args.id,
          pick(args.portName, old.port_name),
          pick(args.portType, old.port_type),
          pick(args.speedMbps, old.speed_mbps),
          pick(args.status, old.status),
          pick(mac, old.mac_address),
          pick(args.vlanId, old.vlan_id),
          args.description === undefined ? old.description : (args.description ?? ""),
        ]);
      }
      const touched = [port.device_id];
      if (args.connectedPortId !== undefined) {
        touched.push(...await connect(tx, ctx.actor, port, args.connectedPortId));
        [port] = await tx.query<PortRow>(sql("LockPorts"), [[port.id]]);
      }
      await audit(tx, ctx.actor, {
        action: old ? "update" : "create",
        entityType: "device_port",
        entityId: port.id,
        oldValues: old ?? undefined,
        newValues: port,
      });
      if (!old || old.status !== port.status) {
        await checkDevicePorts(tx, ctx.actor, port.device_id);
      }
      await publishDevices(tx, touched);
      return port;
    });
  },
});

/**
 * Connects port to peerId (or disconnects it when null): clears the connections of both
 * ports and of whatever was connected to either, then links the pair both ways. Audits every
 * other port whose connection changed; returns their device ids.
 */
async function connect(
  tx: Tx,
  actor: Actor,
  port: PortRow,
  peerId: number | null,
): Promise<number[]> {
  let peer: PortRow | undefined;
  if (peerId !== null) {
    // Both rows locked in id order; port itself is locked already (or new).
    const locked = await tx.query<PortRow>(sql("LockPorts"), [[port.id, peerId]]);
    peer = locked.find((p) => Number(p.id) === peerId);
    if (!peer) throw notFound(`Port ${peerId} does not exist`, { connectedPortId: peerId });
  }
  const changed = await tx.query<{ id: number; device_id: number; old_connected_port_id: number }>(
    sql("UnlinkPorts"),
    [peer ? [port.id, peer.id] : [port.id]],
  );
  if (peer) await tx.query(sql("LinkPorts"), [port.id, peer.id]);
  const devices: number[] = [];
  const others = new Map(changed.filter((c) => c.id !== port.id).map((c) => [c.id, c]));
  if (peer && !others.has(peer.id)) {
    others.set(peer.id, { id: peer.id, device_id: peer.device_id, old_connected_port_id: 0 });
  }
  for (const other of others.values()) {
    const now = peer && other.id === peer.id ? port.id : null;
    const was = other.id === peer?.id ? peer.connected_port_id : other.old_connected_port_id;
    if (was === now) continue;
    await audit(tx, actor, {
      action: "update",
      entityType: "device_port",
      entityId: other.id,
      oldValues: { connected_port_id: was },
      newValues: { connected_port_id: now },
    });
    devices.push(other.device_id);
  }
  return devices;
}

const deleteDevicePort = defineTool({
  name: "delete-device-port",
  description: "Delete a port; the port connected to it (if any) is left unconnected.",
  scope: "write",
  input: z.object({ id }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [old] = await tx.query<PortRow>(sql("LockPorts"), [[args.id]]);
      if (!old) throw notFound(`Port ${args.id} does not exist`, { id: args.id });
      const changed = await tx.query<
        { id: number; device_id: number; old_connected_port_id: number }
      >(sql("UnlinkPorts"), [[old.id]]);
      await tx.query(sql("DeletePort"), [old.id]);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "device_port",
        entityId: old.id,
        oldValues: old,
      });
      const peers = changed.filter((c) => c.id !== old.id);
      for (const peer of peers) {
        await audit(tx, ctx.actor, {
          action: "update",
          entityType: "device_port",
          entityId: peer.id,
          oldValues: { connected_port_id: peer.old_connected_port_id },
          newValues: { connected_port_id: null },
        });
      }
      // The remaining ports may now all be down.
      await checkDevicePorts(tx, ctx.actor, old.device_id);
      await publishDevices(tx, [old.device_id, ...peers.map((p) => p.device_id)]);
      return { ...old, deleted: true, disconnected_port_ids: peers.map((p) => p.id) };
    });
  },
});

export const portTools = [saveDevicePort, deleteDevicePort];
