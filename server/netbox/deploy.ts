// Deploy and drift between a diagram and NetBox. The plan lists what NetBox lacks of what the
// diagram shows (devices, interfaces named on links, addresses as primary IPs, cables); deploy
// carries the plan out; drift lists devices and links missing on either side and ports or
// addresses that disagree. Devices match by netbox_id when the shape has one, else by name.
import { AppError } from "../errors.ts";
import type { Json, NetboxClient } from "./client.ts";

export interface DiagramDevice {
  cellId: string;
  assetId: string;
  name: string;
  ipAddress: string | null;
  netboxId: number | null;
}
export interface DiagramLink {
  edgeId: string;
  source: { cellId: string; port: string | null };
  target: { cellId: string; port: string | null };
}
export interface DiagramModel {
  devices: DiagramDevice[];
  links: DiagramLink[];
}

export type PlanStep =
  | { action: "create_device"; cellId: string; name: string }
  | { action: "create_interface"; device: string; name: string }
  | { action: "create_ip"; device: string; address: string; interface: string }
  | { action: "set_primary_ip"; device: string; address: string }
  | {
    action: "create_cable";
    a: { device: string; port: string };
    b: { device: string; port: string };
  };

export interface DeployDefaults {
  siteId?: number;
  roleId?: number;
  deviceTypeId?: number;
}

interface NbInterface {
  id: number;
  name: string;
  cablePeers: { device: number | null; name: string | null }[];
  hasCable: boolean;
}
interface NbDevice {
  id: number;
  name: string;
  primaryIp: string | null;
  interfaces: Map<string, NbInterface>;
}

const host = (a: string | null | undefined) => (a ? a.split("/")[0] : null);

async function findDevice(client: NetboxClient, d: DiagramDevice): Promise<Json | null> {
  if (d.netboxId) {
    try {
      return await client.get(`/api/dcim/devices/${d.netboxId}/`);
    } catch (err) {
      if (err instanceof AppError && err.kind === "not_found") return null;
      throw err;
    }
  }
  const found = await client.list("/api/dcim/devices/", { filters: { name: d.name } });
  if (found.length > 1) {
    throw new AppError("conflict", `NetBox has ${found.length} devices named "${d.name}"`);
  }
  return found[0] ?? null;
}

async function loadDevice(client: NetboxClient, dev: Json): Promise<NbDevice> {
  const ifaces = await client.list("/api/dcim/interfaces/", {
    filters: { device_id: Number(dev.id) },
    fields: ["id", "name", "cable", "link_peers"],
  });
  const interfaces = new Map<string, NbInterface>();
  for (const i of ifaces) {
    const peers = Array.isArray(i.link_peers) ? i.link_peers as Json[] : [];
    interfaces.set(String(i.name), {
      id: Number(i.id),
      name: String(i.name),
      hasCable: i.cable !== null && i.cable !== undefined,
      cablePeers: peers.map((p) => ({
        device: typeof (p.device as Json | null)?.id === "number"
          ? (p.device as Json).id as number
          : null,
        name: typeof p.name === "string" ? p.name : null,
      })),
    });
  }
  const primary = dev.primary_ip as Json | null;
  return {
    id: Number(dev.id),
    name: String(dev.name ?? dev.display),
    primaryIp: host(primary?.address as string | undefined),
    interfaces,
  };
}

/** The NetBox side of every diagram device (null when NetBox lacks it), by cell id. */
async function resolve(client: NetboxClient, model: DiagramModel) {
  const byCell = new Map<string, NbDevice | null>();
  for (const d of model.devices) {
    const dev = await findDevice(client, d);
    byCell.set(d.cellId, dev ? await loadDevice(client, dev) : null);
  }
  return byCell;
}

const linkPorts = (model: DiagramModel, cellId: string) => {
  const ports: string[] = [];
  for (const l of model.links) {
    for (const end of [l.source, l.target]) {
      if (end.cellId === cellId && end.port && !ports.includes(end.port)) ports.push(end.port);
    }
  }
  return ports;
};

export async function planDeploy(client: NetboxClient, model: DiagramModel): Promise<PlanStep[]> {
  const nb = await resolve(client, model);
  const steps: PlanStep[] = [];
  const cell = new Map(model.devices.map((d) => [d.cellId, d]));
  for (const d of model.devices) {
    const dev = nb.get(d.cellId);
    if (!dev) steps.push({ action: "create_device", cellId: d.cellId, name: d.name });
    const ports = linkPorts(model, d.cellId);
    for (const p of ports) {
      if (!dev?.interfaces.has(p)) {
        steps.push({ action: "create_interface", device: d.name, name: p });
      }
    }
    if (d.ipAddress && host(d.ipAddress) !== dev?.primaryIp) {
      const iface = ports[0] ?? dev?.interfaces.keys().next().value ?? "mgmt0";
      if (!ports.length && !dev?.interfaces.size) {
        steps.push({ action: "create_interface", device: d.name, name: iface });
      }
      const address = d.ipAddress.includes("/") ? d.ipAddress : `${d.ipAddress}/32`;
      steps.push({ action: "create_ip", device: d.name, address, interface: iface });
      steps.push({ action: "set_primary_ip", device: d.name, address });
    }
  }
  for (const l of model.links) {
    const a = cell.get(l.source.cellId);
    const b = cell.get(l.target.cellId);
    if (!a || !b || !l.source.port || !l.target.port) continue;
    const ia = nb.get(a.cellId)?.interfaces.get(l.source.port);
    const ib = nb.get(b.cellId)?.interfaces.get(l.target.port);
    if (ia?.hasCable || ib?.hasCable) continue;
    steps.push({
      action: "create_cable",
      a: { device: a.name, port: l.source.port },
      b: { device: b.name, port: l.target.port },
    });
  }
  return steps;
}

/** Carries a plan out in order; returns the NetBox objects created. */
export async function applyPlan(
  client: NetboxClient,
  steps: PlanStep[],
  defaults: DeployDefaults,
): Promise<{ step: PlanStep; id: number }[]> {
  const devices = new Map<string, number>();
  const ifaceIds = new Map<string, number>();
  const ipIds = new Map<string, number>();
  const deviceId = async (name: string) => {
    if (devices.has(name)) return devices.get(name)!;
    const found = await client.list("/api/dcim/devices/", { filters: { name } });
    if (found.length !== 1) throw new AppError("conflict", `Cannot find NetBox device "${name}"`);
    devices.set(name, Number(found[0].id));
    return Number(found[0].id);
  };
  const ifaceId = async (device: string, name: string) => {
    const key = `${device}\u0000${name}`;
    if (ifaceIds.has(key)) return ifaceIds.get(key)!;
    const found = await client.list("/api/dcim/interfaces/", {
      filters: { device_id: await deviceId(device), name },
    });
    if (found.length !== 1) {
      throw new AppError("conflict", `Cannot find interface ${name} of NetBox device "${device}"`);
    }
    ifaceIds.set(key, Number(found[0].id));
    return Number(found[0].id);
  };
  const done: { step: PlanStep; id: number }[] = [];
  for (const step of steps) {
    let created: Json | null = null;
    if (step.action === "create_device") {
      if (!defaults.siteId || !defaults.roleId || !defaults.deviceTypeId) {
        throw new AppError(
          "invalid",
          `Cannot create device "${step.name}" in NetBox: give siteId, roleId and deviceTypeId`,
        );
      }
      created = await client.post("/api/dcim/devices/", {
        name: step.name,
        site: defaults.siteId,
        role: defaults.roleId,
        device_type: defaults.deviceTypeId,
        status: "planned",
      });
      devices.set(step.name, Number(created?.id));
    } else if (step.action === "create_interface") {
      created = await client.post("/api/dcim/interfaces/", {
        device: await deviceId(step.device),
        name: step.name,
        type: "other",
      });
      ifaceIds.set(`${step.device}\u0000${step.name}`, Number(created?.id));
    } else if (step.action === "create_ip") {
      created = await client.post("/api/ipam/ip-addresses/", {
        address: step.address,
        status: "active",
        assigned_object_type: "dcim.interface",
        assigned_object_id: await ifaceId(step.device, step.interface),
      });
      ipIds.set(step.address, Number(created?.id));
    } else if (step.action === "set_primary_ip") {
      created = await client.patch(`/api/dcim/devices/${await deviceId(step.device)}/`, {
        primary_ip4: ipIds.get(step.address),
      });
    } else if (step.action === "create_cable") {
      created = await client.post("/api/dcim/cables/", {
        a_terminations: [{
          object_type: "dcim.interface",
          object_id: await ifaceId(step.a.device, step.a.port),
        }],
        b_terminations: [{
          object_type: "dcim.interface",
          object_id: await ifaceId(step.b.device, step.b.port),
        }],
        status: "planned",
      });
    }
    done.push({ step, id: Number(created?.id) });
  }
  return done;
}

export interface DriftReport {
  devices_missing_in_netbox: string[];
  devices_missing_in_diagram: string[];
  links_missing_in_netbox: string[];
  links_missing_in_diagram: string[];
  ports_disagree: string[];
  addresses_disagree: string[];
}

export async function diagramDrift(
  client: NetboxClient,
  model: DiagramModel,
): Promise<DriftReport> {
  const nb = await resolve(client, model);
  const report: DriftReport = {
    devices_missing_in_netbox: [],
    devices_missing_in_diagram: [],
    links_missing_in_netbox: [],
    links_missing_in_diagram: [],
    ports_disagree: [],
    addresses_disagree: [],
  };
  const byNetboxId = new Map<number, DiagramDevice>();
  for (const d of model.devices) {
    const dev = nb.get(d.cellId);
    if (!dev) {
      report.devices_missing_in_netbox.push(d.name);
      continue;
    }
    byNetboxId.set(dev.id, d);
    if (d.ipAddress && host(d.ipAddress) !== dev.primaryIp) {
      report.addresses_disagree.push(
        `${d.name}: diagram ${host(d.ipAddress)}, NetBox ${dev.primaryIp ?? "none"}`,
      );
    }
  }
  const drawn = new Set<string>();
  const cell = new Map(model.devices.map((d) => [d.cellId, d]));
  for (const l of model.links) {
    const a = cell.get(l.source.cellId);
    const b = cell.get(l.target.cellId);
    if (!a || !b) continue;
    const da = nb.get(a.cellId);
    const dbv = nb.get(b.cellId);
    const label = `${a.name}:${l.source.port ?? "?"} - ${b.name}:${l.target.port ?? "?"}`;
    if (!da || !dbv) {
      report.links_missing_in_netbox.push(label);
      continue;
    }
    for (const [d, dev, port] of [[a, da, l.source.port], [b, dbv, l.target.port]] as const) {
      if (port && !dev.interfaces.has(port)) {
        report.ports_disagree.push(`${d.name}: NetBox has no interface ${port}`);
      }
    }
    const ia = l.source.port ? da.interfaces.get(l.source.port) : null;
    const connected = ia
      ? ia.cablePeers.some((p) =>
        p.device === dbv.id && (!l.target.port || p.name === l.target.port)
      )
      : [...da.interfaces.values()].some((i) => i.cablePeers.some((p) => p.device === dbv.id));
    if (!connected) report.links_missing_in_netbox.push(label);
    drawn.add(`${da.id}/${dbv.id}`).add(`${dbv.id}/${da.id}`);
  }
  // NetBox cables from diagram devices that the diagram does not draw.
  for (const d of model.devices) {
    const dev = nb.get(d.cellId);
    if (!dev) continue;
    for (const i of dev.interfaces.values()) {
      for (const p of i.cablePeers) {
        if (p.device === null) continue;
        const peer = byNetboxId.get(p.device);
        if (!peer) {
          const entry = `device ${p.device} (cabled to ${d.name}:${i.name})`;
          if (!report.devices_missing_in_diagram.includes(entry)) {
            report.devices_missing_in_diagram.push(entry);
          }
        } else if (!drawn.has(`${dev.id}/${p.device}`) && dev.id < p.device) {
          report.links_missing_in_diagram.push(`${d.name}:${i.name} - ${peer.name}:${p.name}`);
        }
      }
    }
  }
  return report;
}
