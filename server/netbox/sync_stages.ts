// The stages of a NetBox sync, in the order they run (a device's site before the device, a
// prefix before the addresses in it): what each lists from NetBox, how an object becomes a row,
// the named queries that write and sweep it, and the follow-up work on pools and cables.
import { sql } from "../db/queries.ts";
import {
  cableRow,
  deviceRow,
  FIELDS,
  ipAddressRow,
  portRow,
  prefixRow,
  siteRow,
  vlanRow,
} from "./mapping.ts";
import { releaseAllocations, retirePools, syncAllocations, syncPools } from "./sync_pools.ts";
import type { Stage } from "./sync_page.ts";

export const STAGES: Stage[] = [
  {
    name: "sites",
    objectType: "dcim.site",
    path: "/api/dcim/sites/",
    fields: FIELDS.sites,
    entity: "site",
    toRow: siteRow,
    upsert: "NbSyncUpsertSites",
    sweep: "NbSyncSweepSites",
  },
  {
    name: "vlans",
    objectType: "ipam.vlan",
    path: "/api/ipam/vlans/",
    fields: FIELDS.vlans,
    entity: "vlan",
    toRow: vlanRow,
    upsert: "NbSyncUpsertVlans",
    sweep: "NbSyncSweepVlans",
  },
  {
    name: "devices",
    objectType: "dcim.device",
    path: "/api/dcim/devices/",
    fields: FIELDS.devices,
    entity: "device",
    toRow: deviceRow,
    adopt: "NbSyncAdoptDevices",
    upsert: "NbSyncUpsertDevices",
    sweep: "NbSyncSweepDevices",
  },
  {
    name: "interfaces",
    objectType: "dcim.interface",
    path: "/api/dcim/interfaces/",
    fields: FIELDS.interfaces,
    entity: "port",
    toRow: portRow,
    adopt: "NbSyncAdoptPorts",
    upsert: "NbSyncUpsertPorts",
    sweep: "NbSyncSweepPorts",
  },
  {
    name: "cables",
    objectType: "dcim.cable",
    path: "/api/dcim/cables/",
    fields: FIELDS.cables,
    entity: "netbox_cable",
    toRow: cableRow,
    upsert: "NbSyncUpsertCables",
    sweep: "NbSyncSweepCables",
    afterPage: async (ctx, ids) => {
      await ctx.tx.query(sql("NbSyncLinkCables"), [ids]);
    },
    afterSweep: async (ctx, removed) => {
      await ctx.tx.query(sql("NbSyncLinkCables"), [removed]);
    },
  },
  {
    name: "prefixes",
    objectType: "ipam.prefix",
    path: "/api/ipam/prefixes/",
    fields: FIELDS.prefixes,
    entity: "netbox_prefix",
    toRow: prefixRow,
    upsert: "NbSyncUpsertPrefixes",
    sweep: "NbSyncSweepPrefixes",
    afterPage: syncPools,
    afterSweep: async (ctx) => {
      await retirePools(ctx);
      await releaseAllocations(ctx);
    },
  },
  {
    name: "ip_addresses",
    objectType: "ipam.ipaddress",
    path: "/api/ipam/ip-addresses/",
    fields: FIELDS.ipAddresses,
    entity: "netbox_ip_address",
    toRow: ipAddressRow,
    upsert: "NbSyncUpsertIpAddresses",
    sweep: "NbSyncSweepIpAddresses",
    afterPage: syncAllocations,
    afterSweep: releaseAllocations,
  },
];
