// The inventory as a graph, the common language of generate-diagram and refresh-diagram: the
// devices and cables a scope selects, and the ids and markers by which a generated diagram's
// cells are tied back to them. A person may move, restyle or annotate any cell; these ids and
// attributes are what a refresh recognises a generated cell by.

/** What a generated diagram was drawn from; stored in `diagrams.metadata.generated.scope`. */
export interface DiagramScope {
  /** A site's slug or its name, as NetBox shows either. */
  site?: string;
  tag?: string;
  role?: string;
  deviceIds?: string[];
  /** Also take the devices one cable away from the selected ones. */
  includeNeighbors?: boolean;
  groupBy?: "site" | "rack" | "role" | "none";
}

export interface InventoryDevice {
  assetId: string;
  name: string;
  /** network_devices.device_type (NetBox's role slug for synced devices). */
  deviceType: string;
  role: string | null;
  site: string | null;
  rack: string | null;
  status: string;
  /**
   * Primary IP, no prefix length. Not the management IP: a saved shape's ip_address becomes the
   * device's primary_ip, so drawing a management IP there would change the inventory.
   */
  ip: string | null;
  netboxId: number | null;
}

export interface InventoryLink {
  /** Stable for the same cable: both ends, ordered, joined (see linkKey). */
  key: string;
  sourceAssetId: string;
  sourcePort: string;
  targetAssetId: string;
  targetPort: string;
}

export interface InventoryGraph {
  devices: InventoryDevice[];
  links: InventoryLink[];
}

/** Cell id of a device's shape in a generated diagram. */
export function deviceCellId(assetId: string): string {
  return `af-dev-${assetId}`;
}

/** Cell id of a cable's edge in a generated diagram. */
export function linkCellId(link: InventoryLink): string {
  return `af-link-${link.key}`;
}

/** One key per cable whichever end is named first. */
export function linkKey(a: string, aPort: string, b: string, bPort: string): string {
  const x = `${a}:${aPort}`;
  const y = `${b}:${bPort}`;
  return x < y ? `${x}--${y}` : `${y}--${x}`;
}

/** Attribute on cells a refresh found gone from the inventory (value: ISO time of the refresh). */
export const MISSING_ATTR = "archiflow_missing";
/** Name of the layer that holds cells whose device or cable left the inventory. */
export const MISSING_LAYER = "Not in inventory";
/** Attribute every generated device/link cell carries ("device" | "link"). */
export const GENERATED_ATTR = "archiflow_generated";
