// NetBox settings derived from the configuration: the client and the prefix selection.
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import { NetboxClient } from "./client.ts";
import type { PoolSelection } from "./mapping.ts";

const csv = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

export function poolSelectionFrom(config: Config): PoolSelection {
  return {
    roles: csv(config.NETBOX_POOL_ROLES),
    tags: csv(config.NETBOX_POOL_TAGS),
    isPool: config.NETBOX_POOL_IS_POOL,
  };
}

/** A client for the configured NetBox; fails clearly when NETBOX_URL or NETBOX_TOKEN is unset. */
export function netboxClientFrom(config: Config, fetchImpl?: typeof fetch): NetboxClient {
  if (!config.NETBOX_URL || !config.NETBOX_TOKEN) {
    throw new AppError(
      "unavailable",
      "NetBox is not configured: set NETBOX_URL and NETBOX_TOKEN",
    );
  }
  return new NetboxClient({
    url: config.NETBOX_URL,
    token: config.NETBOX_TOKEN,
    timeoutMs: config.NETBOX_TIMEOUT_MS,
    retries: config.NETBOX_RETRIES,
    pageSize: config.NETBOX_PAGE_SIZE,
    fetch: fetchImpl,
  });
}
