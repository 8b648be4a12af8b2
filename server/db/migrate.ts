// Forward-only, checksummed migrations from sql/migrations/NNNN_name.sql, each applied in its
// own transaction under an advisory lock so several processes starting at once are safe.
// Views in sql/views/ are dropped and re-created after the migrations on every run.
//
// A database made by the previous schema (tables in `public`, bookkeeping in
// public.schema_migrations, last version 150) is converted once, in one transaction: its tables
// are set aside, the baseline is applied, their rows are copied over by sql/convert/ and the old
// objects are dropped. Restoring a backup of that release runs the same copy (ops/backup.ts).
import type { Db, Queryable } from "./db.ts";

const MIGRATION_DIR = new URL("../../sql/migrations/", import.meta.url);
const VIEW_DIR = new URL("../../sql/views/", import.meta.url);
const CONVERT_DIR = new URL("../../sql/convert/", import.meta.url);
/** Arbitrary constant naming ArchiFlow's migration lock. */
const LOCK_KEY = 727_400_001;

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  text: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  schemaVersion: number;
  views: number;
  /** The previous schema's version when this run converted a database made by it, else null. */
  convertedFrom: number | null;
}

/** The last version of the previous schema; its databases and backups are converted. */
export const PREVIOUS_SCHEMA_VERSION = 150;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

async function sha256(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text.replace(/\r\n/g, "\n"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function listSql(dir: URL): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".sql"))
      .map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

export async function readMigrations(dir: URL = MIGRATION_DIR): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of listSql(dir)) {
    const m = file.match(/^(\d{4})_([a-z0-9_]+)\.sql$/);
    if (!m) throw new MigrationError(`Migration file name ${file} must look like 0001_name.sql`);
    const version = Number(m[1]);
    if (seen.has(version)) {
      throw new MigrationError(`Migrations ${seen.get(version)} and ${file} share number ${m[1]}`);
    }
    seen.set(version, file);
    const text = await Deno.readTextFile(new URL(file, dir));
    files.push({ version, name: m[2], file, text, checksum: await sha256(text) });
  }
  return files;
}

const BOOKKEEPING = `
CREATE SCHEMA IF NOT EXISTS archiflow;
CREATE TABLE IF NOT EXISTS archiflow.schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Reads one script of sql/convert/. */
export function readConversion(file: string): Promise<string> {
  return Deno.readTextFile(new URL(file, CONVERT_DIR));
}

/**
 * Copies the rows of the previous schema's tables, set aside in the schema archiflow_0150,
 * into the empty tables of the baseline, then drops the old tables.
 */
export async function copyPreviousSchemaRows(tx: Queryable): Promise<void> {
  await tx.exec(await readConversion("from_0150.sql"));
  await tx.exec(await readConversion("drop_0150.sql"));
}

/**
 * The version of the previous schema when the database was made by it and not converted yet
 * (ArchiFlow's bookkeeping and tables in `public`, none in `archiflow`), else null.
 */
async function previousSchemaVersion(tx: Queryable): Promise<number | null> {
  const [found] = await tx.query<{ previous: boolean }>(
    `SELECT to_regclass('archiflow.schema_migrations') IS NULL
        AND to_regclass('public.ip_pools') IS NOT NULL
        AND EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = 'schema_migrations'
                       AND column_name = 'checksum') AS previous`,
  );
  if (!found.previous) return null;
  const [row] = await tx.query<{ v: number | null }>(
    "SELECT max(version)::int AS v FROM public.schema_migrations",
  );
  return row.v ?? 0;
}

/** Converts a database of the previous schema in place, inside the caller's transaction. */
async function convertPreviousSchema(
  tx: Queryable,
  version: number,
  baseline: MigrationFile | undefined,
): Promise<void> {
  if (version !== PREVIOUS_SCHEMA_VERSION) {
    throw new MigrationError(
      `This database was made by an older ArchiFlow release (schema version ${version}). ` +
        `Run the previous release (schema version ${PREVIOUS_SCHEMA_VERSION}) on it first, ` +
        `so that it migrates the database to version ${PREVIOUS_SCHEMA_VERSION}; this release ` +
        `converts that version.`,
    );
  }
  if (!baseline || baseline.version !== 1) {
    throw new MigrationError("Converting the previous schema needs the baseline migration 0001");
  }
  try {
    await tx.exec(await readConversion("move_0150.sql"));
    await tx.exec(BOOKKEEPING);
    await tx.exec(baseline.text);
    await tx.query(
      "INSERT INTO archiflow.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
      [baseline.version, baseline.name, baseline.checksum],
    );
    await copyPreviousSchemaRows(tx);
  } catch (err) {
    // PostgreSQL names the objects in the way (a view built on an old table) in the detail.
    const detail = (err as { detail?: unknown })?.detail;
    throw new MigrationError(
      `Converting the database of schema version ${version} failed, nothing was changed: ` +
        (err instanceof Error ? err.message : String(err)) +
        (typeof detail === "string" && detail ? ` (${detail})` : ""),
    );
  }
}

/** Applies pending migrations, refuses changed ones, and re-creates the views. */
export async function migrate(
  db: Db,
  options: { migrationDir?: URL; viewDir?: URL } = {},
): Promise<MigrateResult> {
  const files = await readMigrations(options.migrationDir);
  const applied: string[] = [];
  let convertedFrom: number | null = null;
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    // Under the lock: a second process starting at once finds the conversion done.
    const previous = await previousSchemaVersion(tx);
    if (previous !== null) {
      await convertPreviousSchema(tx, previous, files[0]);
      applied.push(files[0].file);
      convertedFrom = previous;
    }
    await tx.exec(BOOKKEEPING);
  });
  for (const m of files) {
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      const [row] = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM archiflow.schema_migrations WHERE version = $1",
        [m.version],
      );
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `Migration ${m.file} was changed after it was applied (recorded checksum ` +
              `${row.checksum.slice(0, 12)}…, file now ${m.checksum.slice(0, 12)}…). ` +
              `Applied migrations are never edited: restore the file and add a new migration.`,
          );
        }
        return;
      }
      await tx.exec(m.text);
      await tx.query(
        "INSERT INTO archiflow.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [m.version, m.name, m.checksum],
      );
      applied.push(m.file);
    });
  }
  const views = await recreateViews(db, options.viewDir ?? VIEW_DIR);
  return { applied, schemaVersion: await schemaVersion(db), views, convertedFrom };
}

/**
 * Re-creates the views when a view file changed. Each view carries its file's checksum as its
 * comment, so an unchanged view is left alone and keeps what was granted on it (the design
 * document's read-only user is granted SELECT on the tables and views that exist when its
 * script runs). A view that is re-created gets its grants back.
 */
async function recreateViews(db: Db, dir: URL): Promise<number> {
  const files = listSql(dir);
  if (files.length === 0) return 0;
  const views = await Promise.all(files.map(async (file) => {
    const text = await Deno.readTextFile(new URL(file, dir));
    const name = file.replace(/^\d+_/, "").replace(/\.sql$/, "");
    return { name, text, note: `archiflow view ${await sha256(text)}` };
  }));
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    const notes = await tx.query<{ note: string | null }>(
      "SELECT obj_description(to_regclass('archiflow.' || n), 'pg_class') AS note " +
        "FROM unnest($1::text[]) WITH ORDINALITY AS v (n, i) ORDER BY i",
      [views.map((v) => v.name)],
    );
    if (notes.every((row, i) => row.note === views[i].note)) {
      await tx.exec(DATABASE_SEARCH_PATH);
      return;
    }
    const grants = await tx.query<{ view: string; grantee: string; privilege: string }>(
      `SELECT c.relname::text AS view, a.privilege_type AS privilege,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
         FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.relnamespace = 'archiflow'::regnamespace AND c.relkind = 'v'
          AND a.grantee <> c.relowner`,
    );
    for (const v of [...views].reverse()) {
      await tx.exec(`DROP VIEW IF EXISTS archiflow.${v.name} CASCADE`);
    }
    for (const v of views) {
      await tx.exec(v.text);
      await tx.exec(`COMMENT ON VIEW archiflow.${v.name} IS '${v.note}'`);
    }
    for (const g of grants) {
      if (!views.some((v) => v.name === g.view)) continue;
      // Grantee names come quoted from regrole; privileges are PostgreSQL's own keywords.
      await tx.exec(`GRANT ${g.privilege} ON archiflow.${g.view} TO ${g.grantee}`);
    }
    // Sessions that set no search path (psql, a read-only user) find the tables unqualified
    // too. Set on every change, as pg_dump does not carry it into a restored database.
    await tx.exec(DATABASE_SEARCH_PATH);
  });
  return files.length;
}

/** Only the database's owner may set this; others leave it as it is. */
const DATABASE_SEARCH_PATH = `
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path = archiflow, public', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'search_path of the database left as it is (not its owner)';
END
$$`;

/** The highest applied migration number, or 0 for an empty database. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const [row] = await db.query<{ v: number | null }>(
    "SELECT max(version)::int AS v FROM archiflow.schema_migrations",
  ).catch((err) => {
    // No migrations table (or schema) yet: a database never migrated. Anything else (the
    // database unreachable, a transaction already failed) is the caller's to see.
    if (
      (err as { code?: string }).code === "42P01" || (err as { code?: string }).code === "3F000"
    ) {
      return [{ v: 0 }];
    }
    throw err;
  });
  return row?.v ?? 0;
}
