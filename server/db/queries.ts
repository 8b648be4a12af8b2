// Named SQL statements from sql/queries/<area>/*.sql. Each file holds one statement and starts
// with a header `-- name: ListPools :many` and a sentence saying what it does.
//
// A header line `-- plan: per call` marks a bulk statement whose best plan depends on the size
// of the arrays it is given (ten rows or fifty thousand): the PostgreSQL backend then has it
// planned with its arguments on every call, never with the generic plan a prepared statement
// switches to after a few calls, which assumes a few rows and can turn a hash join into a
// nested loop over tens of thousands.

const QUERY_DIR = new URL("../../sql/queries/", import.meta.url);

export interface NamedQuery {
  name: string;
  kind: "one" | "many" | "exec";
  file: string;
  text: string;
  /** Planned with its arguments on every call (`-- plan: per call`), never with a generic plan. */
  perCall: boolean;
}

let cache: Map<string, NamedQuery> | null = null;
let perCallTexts: Set<string> | null = null;

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
    const perCall = /^--\s*plan:\s*per call\s*$/m.test(text);
    found.set(name, { name, kind: kind as NamedQuery["kind"], file, text: text.trim(), perCall });
  }
  cache = found;
  perCallTexts = new Set([...found.values()].filter((q) => q.perCall).map((q) => q.text));
  return found;
}

/** Whether a statement's text is that of a query marked `-- plan: per call`. */
export function plannedPerCall(text: string): boolean {
  if (!perCallTexts) loadQueries();
  return perCallTexts!.has(text);
}

/** The text of a named query; throws when no file defines it. */
export function sql(name: string): string {
  const q = loadQueries().get(name);
  if (!q) throw new Error(`No SQL query named ${name} in sql/queries/`);
  return q.text;
}
