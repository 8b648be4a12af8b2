// Small pieces shared by the tool modules: argument schemas and SQL helpers.
import { z } from "zod";

/** A server-numbered id (allocations, ports, alerts, versions, tokens). */
export const id = z.coerce.number().int().positive();

/**
 * A client-chosen text id, as the design document has them ("pool-1", "diagram-1"): any
 * printable text without surrounding blanks, up to `max` characters (the column's VARCHAR);
 * a number is taken as its text.
 */
export const textId = (max: number) =>
  z.union([z.string(), z.number().int().nonnegative()])
    .transform((v) => String(v))
    .pipe(
      z.string().min(1, "must not be empty").max(max).refine(
        (v) => v === v.trim() && !/\p{Cc}/u.test(v),
        "must be printable text without surrounding blanks",
      ),
    );

/** ip_pools.id VARCHAR(50). */
export const poolId = textId(50);
/** diagrams.id VARCHAR(100). */
export const diagramId = textId(100);
/** templates.id VARCHAR(100). */
export const templateId = textId(100);
/** network_devices.asset_id VARCHAR(100). */
export const assetId = textId(100);

export const shortText = (max = 200) => z.string().trim().min(1).max(max);
export const limit = z.number().int().min(1).max(1000).default(50);
export const offset = z.number().int().min(0).default(0);

/** Escapes LIKE/ILIKE wildcards so user text matches literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}
