// Small pieces shared by the tool modules: argument schemas and SQL helpers.
import { z } from "zod";

export const id = z.coerce.number().int().positive();
export const shortText = (max = 200) => z.string().trim().min(1).max(max);
export const limit = z.number().int().min(1).max(1000).default(50);
export const offset = z.number().int().min(0).default(0);

/** Escapes LIKE/ILIKE wildcards so user text matches literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}
