// Named SQL statements from sql/queries/<area>/*.sql. Each file holds one statement and starts
// with a header `-- name: ListPools :many` and a sentence saying what it does.
//
// A header line `-- plan: per call` marks a bulk statement whose best plan depends on the size
// of the arrays it is given (ten rows or fifty thousand): the PostgreSQL backend then has it
// planned with its arguments on every call, never with the generic plan a prepared statement
// switches to after a few calls, which assumes a few rows and can turn a hash join into a
// nested loop over tens of thousands. The mark travels with the statement: `sql(name)` returns
// the named query itself, which every Db's `query` takes in place of a string.

const QUERY_DIR = new URL("../../sql/queries/", import.meta.url);

/** One statement read from a query file. Its string form is its text. */
export class NamedQuery {
  constructor(
    readonly name: string,
    readonly kind: "one" | "many" | "exec",
    /** Path below the folder it was read from. */
    readonly file: string,
    readonly text: string,
    /** Planned with its arguments on every call (`-- plan: per call`), never with a generic plan. */
    readonly perCall: boolean,
  ) {}

  toString(): string {
    return this.text;
  }
}

let cache: Map<string, NamedQuery> | null = null;

function* walk(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walk(url);
    else if (entry.name.endsWith(".sql")) yield url;
  }
}

/**
 * Reads and validates every .sql file below `dir` (a folder URL ending in "/"). Throws on a
 * missing header or a duplicate name; `label` names the folder in those messages.
 */
export function readQueryDir(dir: URL, label: string): Map<string, NamedQuery> {
  const found = new Map<string, NamedQuery>();
  for (const url of walk(dir)) {
    const file = decodeURIComponent(url.pathname.slice(dir.pathname.length));
    const text = Deno.readTextFileSync(url);
    const header = text.match(/^--\s*name:\s*([A-Za-z][A-Za-z0-9]*)\s+:(one|many|exec)\s*$/m);
    if (!header) {
      throw new Error(`${label}${file} lacks a "-- name: Name :one|:many|:exec" header`);
    }
    const [, name, kind] = header;
    if (found.has(name)) {
      throw new Error(`Query name ${name} is used by both ${found.get(name)!.file} and ${file}`);
    }
    const perCall = /^--\s*plan:\s*per call\s*$/m.test(text);
    found.set(
      name,
      new NamedQuery(name, kind as NamedQuery["kind"], file, text.trim(), perCall),
    );
  }
  return found;
}

/** Reads and validates the server's query files once. */
export function loadQueries(): Map<string, NamedQuery> {
  cache ??= readQueryDir(QUERY_DIR, "sql/queries/");
  return cache;
}

/** A named query, to hand to a Db's `query`; throws when no file defines it. */
export function sql(name: string): NamedQuery {
  const q = loadQueries().get(name);
  if (!q) throw new Error(`No SQL query named ${name} in sql/queries/`);
  return q;
}

/** The text of a named query, for building other statements from it. */
export function sqlText(name: string): string {
  return sql(name).text;
}
