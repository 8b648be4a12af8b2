// Forward-only, checksummed migrations from sql/migrations/NNNN_name.sql, each applied in its
// own transaction under an advisory lock so several processes starting at once are safe.
// Views in sql/views/ are dropped and re-created after the migrations on every run.
import type { Db } from "./db.ts";

const MIGRATION_DIR = new URL("../../sql/migrations/", import.meta.url);
const VIEW_DIR = new URL("../../sql/views/", import.meta.url);
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
}

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
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Applies pending migrations, refuses changed ones, and re-creates the views. */
export async function migrate(
  db: Db,
  options: { migrationDir?: URL; viewDir?: URL } = {},
): Promise<MigrateResult> {
  const files = await readMigrations(options.migrationDir);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await tx.exec(BOOKKEEPING);
  });
  for (const m of files) {
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      const [row] = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE version = $1",
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
        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [m.version, m.name, m.checksum],
      );
      applied.push(m.file);
    });
  }
  const views = await recreateViews(db, options.viewDir ?? VIEW_DIR);
  return { applied, schemaVersion: await schemaVersion(db), views };
}

async function recreateViews(db: Db, dir: URL): Promise<number> {
  const files = listSql(dir);
  if (files.length === 0) return 0;
  const texts = await Promise.all(files.map((f) => Deno.readTextFile(new URL(f, dir))));
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    for (const file of [...files].reverse()) {
      const name = file.replace(/^\d+_/, "").replace(/\.sql$/, "");
      await tx.exec(`DROP VIEW IF EXISTS ${name} CASCADE`);
    }
    for (const text of texts) await tx.exec(text);
  });
  return files.length;
}

/** The highest applied migration number, or 0 for an empty database. */
export async function schemaVersion(db: Db): Promise<number> {
  const [row] = await db.query<{ v: number | null }>(
    "SELECT max(version)::int AS v FROM schema_migrations",
  ).catch(() => [{ v: 0 }]);
  return row?.v ?? 0;
}
