// Device attributes on draw.io user objects (ARCHITECTURE §4.3): names, how a device record
// maps onto them, how the label shows the address, and the colour of each device status.

/** Attributes that bind a shape to inventory and IPAM; they live in the diagram XML. */
export const DEVICE_ATTRIBUTES = [
  "asset_id",
  "device_type",
  "ip_address",
  "pool_id",
  "netbox_id",
  "site",
] as const;

export interface DeviceRecord {
  asset_id: string;
  device_name?: string | null;
  device_type?: string | null;
  primary_ip?: string | null;
  management_ip?: string | null;
  netbox_id?: number | string | null;
  site?: string | null;
  status?: string | null;
  vendor?: string | null;
  model?: string | null;
  /** A synced NetBox device keeps its role's name under metadata.netbox.role. */
  metadata?: { netbox?: { role?: string | null } | null } | null;
}

/** The user-object attributes a shape for this device carries (empty values left out). */
export function deviceAttributes(device: DeviceRecord): Record<string, string> {
  const attrs: Record<string, string> = { asset_id: device.asset_id };
  const ip = device.primary_ip ?? device.management_ip;
  const add = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && String(v) !== "") attrs[k] = String(v);
  };
  add("device_type", device.device_type);
  // An interface address (10.0.0.5/24) goes on the shape as the address alone.
  add("ip_address", ip?.replace(/\/\d+$/, ""));
  add("netbox_id", device.netbox_id);
  add("site", device.site);
  return attrs;
}

/**
 * A device's name as its shape shows it. A trailing copy of one of the device's addresses is
 * left off: the label shows the address on a line of its own, and a server that takes a
 * device's name from the whole label ("name\naddress") stores "name address".
 */
export function shownName(
  device: DeviceRecord,
  ...addresses: (string | null | undefined)[]
): string {
  let name = (device.device_name ?? "").trim() || device.asset_id;
  const ips = [...addresses, device.primary_ip, device.management_ip]
    .map((a) => a?.replace(/\/\d+$/, ""))
    .filter((a): a is string => Boolean(a));
  for (const ip of ips) {
    if (name.endsWith(` ${ip}`)) name = name.slice(0, -ip.length - 1).trimEnd();
  }
  return name || device.asset_id;
}

/**
 * The label of a device shape: its name, and its address on a second line when it has one.
 * HTML labels (style html=1) break lines with <br>, plain ones with a newline.
 */
export function deviceLabel(name: string, ip?: string | null, html = false): string {
  const base = stripIpLine(name);
  return ip ? `${base}${html ? "<br>" : "\n"}${ip}` : base;
}

/** Removes an address line that deviceLabel() added, keeping what the user wrote. */
export function stripIpLine(label: string): string {
  const m = label.match(/^([\s\S]*?)(?:\n|<br\s*\/?>)([^\n<]*)$/i);
  if (m && looksLikeIp(m[2])) return m[1];
  return label;
}

export function looksLikeIp(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text.trim()) ||
    /^[0-9a-f:]+:[0-9a-f:.]*$/i.test(text.trim());
}

// The inventory's statuses: the design document's (active, inactive, maintenance,
// decommissioned) and NetBox's.
const STATUS_COLOURS: Record<string, { fill: string; stroke: string }> = {
  active: { fill: "#d5e8d4", stroke: "#82b366" },
  planned: { fill: "#dae8fc", stroke: "#6c8ebf" },
  staged: { fill: "#dae8fc", stroke: "#6c8ebf" },
  inventory: { fill: "#f5f5f5", stroke: "#666666" },
  inactive: { fill: "#f5f5f5", stroke: "#666666" },
  decommissioned: { fill: "#f5f5f5", stroke: "#666666" },
  offline: { fill: "#ffe6cc", stroke: "#d79b00" },
  maintenance: { fill: "#ffe6cc", stroke: "#d79b00" },
  decommissioning: { fill: "#ffe6cc", stroke: "#d79b00" },
  failed: { fill: "#f8cecc", stroke: "#b85450" },
};

/** Fill and stroke for a device status; unknown statuses get a neutral grey. */
export function statusColour(status: string | null | undefined): { fill: string; stroke: string } {
  return STATUS_COLOURS[status ?? ""] ?? { fill: "#f5f5f5", stroke: "#666666" };
}

/** Sets key=value in a draw.io style string, replacing an existing value. */
export function setStyle(style: string, key: string, value: string): string {
  const parts = style.split(";").filter((p) => p !== "" && !p.startsWith(`${key}=`));
  parts.push(`${key}=${value}`);
  return parts.join(";") + ";";
}
