// Pure mappings from NetBox REST objects (4.x shapes) to the flat rows the sync upserts, and the
// prefix selection that decides which NetBox prefixes become IP pools.
import { speedFromKbps } from "../port_speed.ts";
import type { Json } from "./client.ts";

const ref = (v: unknown): Json | null => (v && typeof v === "object" ? v as Json : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const choice = (v: unknown): string | null =>
  typeof v === "string" ? v : str(ref(v)?.value) ?? null;
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const name = (v: unknown) => str(ref(v)?.name);

/** NetBox's device statuses, which network_devices.status takes as they are. */
export const DEVICE_STATUSES = new Set([
  "active",
  "planned",
  "staged",
  "offline",
  "failed",
  "inventory",
  "decommissioning",
]);

/** Which prefixes become pools: any of the roles (slugs, "*" for all), tags, or is_pool. */
export interface PoolSelection {
  roles: string[];
  tags: string[];
  isPool: boolean;
}

export function selectsPrefix(sel: PoolSelection, p: Json): boolean {
  if (sel.roles.includes("*")) return true;
  if (sel.isPool && p.is_pool === true) return true;
  const role = str(ref(p.role)?.slug);
  if (role && sel.roles.includes(role)) return true;
  const tags = Array.isArray(p.tags) ? p.tags.map((t) => str(ref(t)?.slug)) : [];
  return tags.some((t) => t !== null && sel.tags.includes(t));
}

export const FIELDS = {
  sites: [
    "id",
    "name",
    "slug",
    "status",
    "description",
    "region",
    "tenant",
    "time_zone",
    "latitude",
    "longitude",
    "last_updated",
  ],
  vlans: ["id", "vid", "name", "status", "site", "group", "description", "last_updated"],
  devices: [
    "id",
    "name",
    "display",
    "asset_tag",
    "serial",
    "status",
    "role",
    "device_type",
    "platform",
    "site",
    "location",
    "rack",
    "position",
    "primary_ip",
    "tags",
    "last_updated",
  ],
  interfaces: [
    "id",
    "device",
    "name",
    "type",
    "enabled",
    "speed",
    "mac_address",
    "description",
    "untagged_vlan",
    "last_updated",
  ],
  cables: ["id", "status", "label", "a_terminations", "b_terminations", "last_updated"],
  prefixes: [
    "id",
    "prefix",
    "vrf",
    "status",
    "role",
    "is_pool",
    "tags",
    "scope_type",
    "scope",
    "vlan",
    "description",
    "last_updated",
  ],
  ipAddresses: [
    "id",
    "address",
    "vrf",
    "status",
    "dns_name",
    "description",
    "assigned_object_type",
    "assigned_object_id",
    "assigned_object",
    "last_updated",
  ],
};

export function siteRow(s: Json) {
  return {
    netbox_id: s.id,
    name: String(s.name),
    slug: String(s.slug ?? s.name),
    status: choice(s.status) ?? "active",
    description: String(s.description ?? ""),
    region: name(s.region),
    tenant: name(s.tenant),
    time_zone: str(s.time_zone),
    latitude: num(s.latitude),
    longitude: num(s.longitude),
    netbox_updated_at: s.last_updated ?? null,
  };
}

export function vlanRow(v: Json) {
  return {
    netbox_id: v.id,
    vid: v.vid,
    name: String(v.name),
    status: choice(v.status) ?? "active",
    site: name(v.site),
    group_name: name(v.group),
    description: String(v.description ?? ""),
    netbox_updated_at: v.last_updated ?? null,
  };
}

/**
 * The asset id a NetBox device gets when it is new here: its NetBox id, as the design
 * document's sync keys devices (a device already linked by netbox_id keeps the asset id it has).
 */
export function deviceAssetId(d: Json): string {
  return String(d.id);
}

export function deviceRow(d: Json) {
  const status = choice(d.status) ?? "active";
  const primary = str(ref(d.primary_ip)?.address);
  return {
    asset_id: deviceAssetId(d),
    // A local device under the NetBox asset tag is adopted by it (it keeps its asset id).
    asset_tag: str(d.asset_tag),
    device_name: str(d.name) ?? str(d.display) ?? `device ${d.id}`,
    // network_devices.device_type is VARCHAR(50); NetBox slugs may be longer.
    device_type: (str(ref(d.role)?.slug) ?? "other").slice(0, 50),
    vendor: name(ref(d.device_type)?.manufacturer),
    model: str(ref(d.device_type)?.model),
    serial_number: str(d.serial),
    status: DEVICE_STATUSES.has(status) ? status : "active",
    site: name(d.site),
    location: name(d.location),
    // The unit the device sits in within its rack (NetBox's position), as text.
    rack_position: num(d.position) === null ? null : String(d.position),
    primary_ip: primary ? primary.split("/")[0] : null,
    netbox_id: d.id,
    metadata: {
      netbox: {
        role: name(d.role),
        platform: name(d.platform),
        rack: name(d.rack),
        // Tag slugs, which generate-diagram's `tag` scope selects by.
        tags: Array.isArray(d.tags) ? d.tags.map((t) => str(ref(t)?.slug)).filter(Boolean) : [],
        status,
        last_updated: d.last_updated ?? null,
      },
    },
  };
}

export function portRow(i: Json) {
  const vid = num(ref(i.untagged_vlan)?.vid);
  const speed = num(i.speed);
  return {
    netbox_id: i.id,
    device_netbox_id: ref(i.device)?.id,
    port_name: String(i.name),
    port_type: choice(i.type),
    // NetBox gives kbit/s; stored as "1G", "100M".
    speed: speedFromKbps(speed),
    status: i.enabled === false ? "admin-down" : "up",
    mac_address: str(i.mac_address),
    vlan_id: vid !== null && vid >= 1 && vid <= 4094 ? vid : null,
    description: String(i.description ?? ""),
  };
}

export function cableRow(c: Json) {
  const ends = (v: unknown) => (Array.isArray(v) ? v as Json[] : []);
  const ifaces = (v: unknown) =>
    ends(v).filter((t) => t.object_type === "dcim.interface").map((t) => Number(t.object_id))
      .sort((a, b) => a - b);
  const types = (v: unknown) => [...new Set(ends(v).map((t) => String(t.object_type)))].sort();
  return {
    netbox_id: c.id,
    status: choice(c.status) ?? "connected",
    label: String(c.label ?? ""),
    a_interfaces: ifaces(c.a_terminations),
    b_interfaces: ifaces(c.b_terminations),
    a_types: types(c.a_terminations),
    b_types: types(c.b_terminations),
    netbox_updated_at: c.last_updated ?? null,
  };
}

export function prefixRow(p: Json, sel: PoolSelection) {
  const scopeType = str(p.scope_type);
  const vid = num(ref(p.vlan)?.vid);
  return {
    netbox_id: p.id,
    prefix: String(p.prefix),
    vrf: name(p.vrf),
    status: choice(p.status) ?? "active",
    role: str(ref(p.role)?.slug),
    is_pool: p.is_pool === true,
    tags: Array.isArray(p.tags) ? p.tags.map((t) => String(ref(t)?.slug ?? t)) : [],
    site: scopeType === "dcim.site" ? name(p.scope) : name(p.site),
    vlan_vid: vid,
    description: String(p.description ?? ""),
    selected: selectsPrefix(sel, p),
    netbox_updated_at: p.last_updated ?? null,
  };
}

export function ipAddressRow(a: Json) {
  const iface = a.assigned_object_type === "dcim.interface" ? ref(a.assigned_object) : null;
  return {
    netbox_id: a.id,
    address: String(a.address),
    vrf: name(a.vrf),
    status: choice(a.status) ?? "active",
    dns_name: String(a.dns_name ?? ""),
    description: String(a.description ?? ""),
    interface_netbox_id: iface ? num(iface.id) ?? num(a.assigned_object_id) : null,
    device_netbox_id: iface ? num(ref(iface.device)?.id) : null,
    netbox_updated_at: a.last_updated ?? null,
  };
}
