// What a refresh changed, as a result field and as the change summary of the version it saves
// ("Refresh from inventory: added 2 devices (a, b), 2 links; marked 1 device (c); ...").

/** A device named in a refresh's summary. */
export interface DeviceRef {
  assetId: string;
  name: string;
}

/** A field of a bound shape a refresh updated. */
export type UpdatedField = "name" | "label" | "ip_address" | "netbox_id" | "status";

export interface RefreshSummary {
  added: { devices: DeviceRef[]; links: string[] };
  marked: { devices: DeviceRef[]; links: string[] };
  /** Marked cells whose device or cable is back in the inventory. */
  restored: { devices: DeviceRef[]; links: string[] };
  updated: { devices: (DeviceRef & { fields: UpdatedField[] })[] };
}

/** Names listed per kind of change before the rest are counted. */
const NAMES_LISTED = 10;
/** save-diagram's limit on a change summary. */
const SUMMARY_MAX = 2000;

/**
 * The version's change summary, e.g. "Refresh from inventory: added 2 devices (a, b), 2 links;
 * marked 1 device (c); updated 1 device (d: name)".
 */
export function changeSummaryText(s: RefreshSummary): string {
  const parts: string[] = [];
  const devices = (list: DeviceRef[], detail?: (d: DeviceRef) => string) => {
    if (list.length === 0) return null;
    const shown = list.slice(0, NAMES_LISTED).map((d) => (detail ? detail(d) : d.name));
    if (list.length > NAMES_LISTED) shown.push(`${list.length - NAMES_LISTED} more`);
    return `${count(list.length, "device")} (${shown.join(", ")})`;
  };
  const verb = (word: string, d: string | null, links: number) => {
    const items = [d, links > 0 ? count(links, "link") : null].filter((x) => x !== null);
    if (items.length > 0) parts.push(`${word} ${items.join(", ")}`);
  };
  verb("added", devices(s.added.devices), s.added.links.length);
  verb("marked", devices(s.marked.devices), s.marked.links.length);
  verb("restored", devices(s.restored.devices), s.restored.links.length);
  const fields = new Map(s.updated.devices.map((u) => [u.assetId, u.fields]));
  verb(
    "updated",
    devices(s.updated.devices, (d) => `${d.name}: ${(fields.get(d.assetId) ?? []).join(", ")}`),
    0,
  );
  const text = `Refresh from inventory: ${parts.length === 0 ? "no changes" : parts.join("; ")}`;
  return text.length <= SUMMARY_MAX ? text : text.slice(0, SUMMARY_MAX - 1) + "…";
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
