// Named SQL statements from sql/queries/<area>/*.sql. Each file holds one statement and starts
// with a header `-- name: ListPools :many` and a sentence saying what it does.

const QUERY_DIR = new URL("../../sql/queries/", import.meta.url);

export interface NamedQuery {
  name: string;
  kind: "one" | "many" | "exec";
  file: string;
  text: string;
}

let cache: Map<string, NamedQuery> | null = null;

function* walk(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walk(url);
    else if (entry.name.endsWith(".sql")) yield url;
  }
}

/** Reads and validates every query file once. Throws on a missing header or a duplicate name. */
export function loadQueries(): Map<string, NamedQuery> {
  if (cache) return cache;
  const found = new Map<string, NamedQuery>();
  for (const url of walk(QUERY_DIR)) {
    const file = decodeURIComponent(url.pathname.slice(QUERY_DIR.pathname.length));
    const text = Deno.readTextFileSync(url);
    const header = text.match(/^--\s*name:\s*([A-Za-z][A-Za-z0-9]*)\s+:(one|many|exec)\s*$/m);
    if (!header) {
      throw new Error(`sql/queries/${file} lacks a "-- name: Name :one|:many|:exec" header`);
    }
    const [, name, kind] = header;
    if (found.has(name)) {
      throw new Error(`Query name ${name} is used by both ${found.get(name)!.file} and ${file}`);
    }
    found.set(name, { name, kind: kind as NamedQuery["kind"], file, text: text.trim() });
  }
  cache = found;
  return found;
}

/** The text of a named query; throws when no file defines it. */
export function sql(name: string): string {
  const q = loadQueries().get(name);
  if (!q) throw new Error(`No SQL query named ${name} in sql/queries/`);
  return q.text;
}
