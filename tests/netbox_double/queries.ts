// The NetBox double's own SQL: named statements in tests/netbox_double/sql/, read with the same
// rules as the server's sql/queries/ but kept apart from them, so the server never loads them.
import { type NamedQuery, readQueryDir } from "../../server/db/queries.ts";

const DIR = new URL("./sql/", import.meta.url);

let cache: Map<string, NamedQuery> | null = null;

/** A named query of the double; throws when no file defines it. */
export function sql(name: string): NamedQuery {
  cache ??= readQueryDir(DIR, "tests/netbox_double/sql/");
  const q = cache.get(name);
  if (!q) throw new Error(`No SQL query named ${name} in tests/netbox_double/sql/`);
  return q;
}
