// Device port tools: create or change a port (with its connection to a peer port, kept
// symmetric) and delete one. A port belongs to a device by the device's asset id; its peer is
// named by (connected_to_device, connected_to_port). A status change re-runs the "all ports
// down" alert check.
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Tx } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { checkDevicePorts } from "../ipam/alerts.ts";
import { assetId, id } from "./common.ts";
import { macArg, publishDevices } from "./devices.ts";
import { defineTool } from "./tool.ts";
import { type Actor } from "../auth/actor.ts";
import { speedFromKbps, speedFromText } from "../port_speed.ts";

/** What device_ports.status holds. */
export const PORT_STATUSES = ["up", "down", "admin-down", "unknown"] as const;

// Text in the document's style, or a number of Mbit/s as the speedMbps argument takes.
const speedArg = z.union([z.string().max(20), z.number().int().min(0).max(100_000_000)])
  .transform((v, c) => {
    const speed = typeof v === "number" ? speedFromKbps(v * 1000) : speedFromText(v);
    if (speed === null) {
      c.addIssue({ code: "custom", message: 'must be a speed such as "100M", "1G" or "2.5G"' });
      return z.NEVER;
    }
    return speed;
  });

type PortRow = Record<string, unknown> & {
  id: number;
  device_id: string;
  port_name: string;
  status: string;
  connected_to_device: string | null;
  connected_to_port: string | null;
};

type Unlinked = {
  id: number;
  device_id: string;
  old_connected_to_device: string | null;
  old_connected_to_port: string | null;
};

const peerOf = (d: string | null, p: string | null) => ({
  connected_to_device: d,
  connected_to_port: p,
});

const saveDevicePort = defineTool({
  name: "save-device-port",
  description:
    'Create a port (deviceId, the device\'s asset id, and portName) or change one (id). speed is text such as "1G" or "100M" (speedMbps a number of Mbit/s); status is up, down, admin-down or unknown. connectedPortId, or connectedToDevice with connectedToPort, connects it to another port both ways, dropping either side\'s previous connection; null disconnects it.',
  scope: "write",
  input: z.object({
    id: id.optional(),
    deviceId: assetId.optional(),
    portName: z.string().trim().min(1).max(100).optional(),
    portType: z.string().trim().min(1).max(50).nullable().optional(),
    speed: speedArg.nullable().optional(),
    speedMbps: z.number().int().min(0).max(100_000_000).nullable().optional(),
    // "disabled" is the earlier word for admin-down.
    status: z.enum([...PORT_STATUSES, "disabled"]).transform((s) =>
      s === "disabled" ? "admin-down" : s
    ).optional(),
    macAddress: z.string().trim().min(1).max(32).nullable().optional(),
    vlanId: z.number().int().min(1).max(4094).nullable().optional(),
    description: z.string().max(1000).nullable().optional(),
    connectedPortId: id.nullable().optional(),
    connectedToDevice: assetId.nullable().optional(),
    connectedToPort: z.string().trim().min(1).max(100).nullable().optional(),
  }).strict()
    .refine((a) => a.id !== undefined || (a.deviceId && a.portName), {
      message: "Give id to change a port, or deviceId and portName to create one",
    })
    .refine((a) => a.speed === undefined || a.speedMbps === undefined, {
      message: "Give speed or speedMbps, not both",
      path: ["speed"],
    })
    .refine(
      (a) =>
        (a.connectedToDevice === undefined) === (a.connectedToPort === undefined) &&
        (a.connectedToDevice === null) === (a.connectedToPort === null),
      {
        message: "connectedToDevice and connectedToPort go together (both null disconnects)",
        path: ["connectedToPort"],
      },
    )
    .refine((a) => a.connectedPortId === undefined || a.connectedToDevice === undefined, {
      message: "Give connectedPortId or connectedToDevice and connectedToPort, not both",
      path: ["connectedPortId"],
    }),
  handler: async (args, ctx) => {
    const mac = macArg(args.macAddress, "macAddress");
    const speed = args.speedMbps !== undefined
      ? (args.speedMbps === null ? null : speedFromKbps(args.speedMbps * 1000))
      : args.speed;
    if (args.id !== undefined && args.connectedPortId === args.id) {
      throw invalid(`Port ${args.id} cannot be connected to itself`, { field: "connectedPortId" });
    }
    return await ctx.db.transaction(async (tx) => {
      // The peer named by device and port name, as a port id.
      let peerId = args.connectedPortId;
      if (args.connectedToDevice === null) peerId = null;
      else if (args.connectedToDevice !== undefined) {
        const [found] = await tx.query<{ id: number }>(sql("FindPort"), [
          args.connectedToDevice,
          args.connectedToPort,
        ]);
        if (!found) {
          throw notFound(
            `Device ${args.connectedToDevice} has no port ${args.connectedToPort}`,
            { connectedToDevice: args.connectedToDevice, connectedToPort: args.connectedToPort },
          );
        }
        peerId = found.id;
        if (args.id !== undefined && peerId === args.id) {
          throw invalid(`Port ${args.id} cannot be connected to itself`, {
            field: "connectedToPort",
          });
        }
      }
      let port: PortRow;
      let old: PortRow | null = null;
      if (args.id === undefined) {
        const [device] = await tx.query(sql("DeviceExists"), [args.deviceId]);
        if (!device) {
          throw notFound(`Device ${args.deviceId} does not exist`, { deviceId: args.deviceId });
        }
        [port] = await tx.query<PortRow>(sql("InsertPort"), [
          args.deviceId,
          args.portName,
          args.portType ?? null,
          speed ?? null,
          args.status ?? null,
          mac ?? null,
          args.vlanId ?? null,
          args.description ?? null,
        ]).catch((err) => {
          throw portNameTaken(err, args.deviceId!, args.portName!);
        });
      } else {
        // The peer is locked now too, in id order with this port, so two calls connecting
        // the same pair from either end cannot deadlock.
        const ids = [args.id, peerId].filter((x): x is number => typeof x === "number");
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
        const portName = pick(args.portName, old.port_name) as string;
        [port] = await tx.query<PortRow>(sql("UpdatePort"), [
          args.id,
          portName,
          pick(args.portType, old.port_type),
          pick(speed, old.speed),
          pick(args.status, old.status),
          pick(mac, old.mac_address),
          pick(args.vlanId, old.vlan_id),
          args.description === undefined ? old.description : (args.description ?? ""),
        ]).catch((err) => {
          throw portNameTaken(err, old!.device_id, portName);
        });
      }
      const touched = [port.device_id];
      if (peerId !== undefined) {
        touched.push(...await connect(tx, ctx.actor, port, peerId));
        [port] = await tx.query<PortRow>(sql("LockPorts"), [[port.id]]);
      }
      await audit(tx, ctx.actor, {
        action: old ? "update" : "create",
        entityType: "port",
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

/** A second port of the same name on a device is a conflict, not an internal error. */
function portNameTaken(err: unknown, device: string, name: string): unknown {
  if ((err as { code?: string })?.code === "23505") {
    return new AppError("conflict", `Device ${device} already has a port named ${name}`, {
      deviceId: device,
      portName: name,
    });
  }
  return err;
}

/**
 * Connects port to peerId (or disconnects it when null): clears the connections of both
 * ports and of whatever was connected to either, then links the pair both ways. Audits every
 * other port whose connection changed; returns their devices' asset ids.
 */
async function connect(
  tx: Tx,
  actor: Actor,
  port: PortRow,
  peerId: number | null,
): Promise<string[]> {
  let peer: PortRow | undefined;
  if (peerId !== null) {
    // Both rows locked in id order; port itself is locked already (or new).
    const locked = await tx.query<PortRow>(sql("LockPorts"), [[port.id, peerId]]);
    peer = locked.find((p) => Number(p.id) === peerId);
    if (!peer) throw notFound(`Port ${peerId} does not exist`, { connectedPortId: peerId });
  }
  const changed = await tx.query<Unlinked>(
    sql("UnlinkPorts"),
    [peer ? [port.id, peer.id] : [port.id]],
  );
  if (peer) await tx.query(sql("LinkPorts"), [port.id, peer.id]);
  const devices: string[] = [];
  const others = new Map(changed.filter((c) => c.id !== port.id).map((c) => [c.id, c]));
  if (peer && !others.has(peer.id)) {
    others.set(peer.id, {
      id: peer.id,
      device_id: peer.device_id,
      old_connected_to_device: peer.connected_to_device,
      old_connected_to_port: peer.connected_to_port,
    });
  }
  for (const other of others.values()) {
    const now = peer && other.id === peer.id
      ? peerOf(port.device_id, port.port_name)
      : peerOf(null, null);
    const was = peerOf(other.old_connected_to_device, other.old_connected_to_port);
    if (
      was.connected_to_device === now.connected_to_device &&
      was.connected_to_port === now.connected_to_port
    ) continue;
    await audit(tx, actor, {
      action: "update",
      entityType: "port",
      entityId: other.id,
      oldValues: was,
      newValues: now,
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
      const changed = await tx.query<Unlinked>(sql("UnlinkPorts"), [[old.id]]);
      await tx.query(sql("DeletePort"), [old.id]);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "port",
        entityId: old.id,
        oldValues: old,
      });
      const peers = changed.filter((c) => c.id !== old.id);
      for (const peer of peers) {
        await audit(tx, ctx.actor, {
          action: "update",
          entityType: "port",
          entityId: peer.id,
          oldValues: peerOf(peer.old_connected_to_device, peer.old_connected_to_port),
          newValues: peerOf(null, null),
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
