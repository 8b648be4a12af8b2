// Logical backup and restore of every ArchiFlow table, on PostgreSQL and PGlite alike.
//
// File format (gzip of UTF-8 lines): line 1 is ["archiflow.backup", 1, header]; each table is a
// line ["table", name] followed by one JSON object per row (PostgreSQL's row_to_json, so every
// type round-trips through json_populate_recordset); the last line is ["end", {counts}], which
// lets restore tell a complete file from a truncated one. The backup reads all tables in one
// REPEATABLE READ transaction, so a backup taken during writes is one consistent instant.
//
// A backup written by the previous release (schema version 150, tables in `public`) restores
// too: its rows load into bare tables of that schema (sql/convert/tables_0150.sql), and the
// conversion a database of that release goes through (sql/convert/from_0150.sql) copies them.
import type { Db, Queryable } from "../db/db.ts";
import {
  copyPreviousSchemaRows,
  PREVIOUS_SCHEMA_VERSION,
  readConversion,
  schemaVersion,
} from "../db/migrate.ts";
import { sql } from "../db/queries.ts";

export const BACKUP_FORMAT = "archiflow.backup";
export const BACKUP_FORMAT_VERSION = 1;
const PAGE = 2000;
const LOAD_BATCH = 500;

export interface BackupHeader {
  schema_version: number;
  created_at: string;
  backend: string;
  tables: string[];
}

export interface BackupResult {
  schemaVersion: number;
  tables: Record<string, number>;
  bytes: number;
}

export interface RestoreResult {
  /** The schema version the backup was written with. */
  schemaVersion: number;
  /** Rows read per table of the backup. */
  tables: Record<string, number>;
  sequencesFixed: number;
  replaced: boolean;
  /** Whether the backup's rows were converted from the previous schema. */
  converted: boolean;
}

/** ArchiFlow's schema, and the one a previous release's backup is loaded into for conversion. */
const SCHEMA = "archiflow";
const PREVIOUS_SCHEMA = "archiflow_0150";

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

/** The tables in an order where every table comes after the tables it refers to. */
export async function backupTables(db: Queryable, schema = SCHEMA): Promise<string[]> {
  const rows = await db.query<{ name: string; refers_to: string[] }>(sql("ListBackupTables"), [
    schema,
  ]);
  const deps = new Map(rows.map((r) => [r.name, new Set(r.refers_to)]));
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < rows.length) {
    const ready = rows.filter((r) =>
      !placed.has(r.name) && [...deps.get(r.name)!].every((d) => placed.has(d) || !deps.has(d))
    );
    // A reference cycle between tables: fall back to name order for the rest.
    const next = ready.length ? ready : rows.filter((r) => !placed.has(r.name));
    for (const r of ready.length ? next : next.slice(0, 1)) {
      ordered.push(r.name);
      placed.add(r.name);
    }
  }
  return ordered;
}

/** Reads every row of one table (inside the caller's transaction), page by page. */
export async function* tableRows(tx: Queryable, table: string): AsyncGenerator<string> {
  for (let offset = 0;; offset += PAGE) {
    const page = await tx.query<{ row: string }>(sql("BackupRows"), [table, offset, PAGE]);
    for (const r of page) yield r.row;
    if (page.length < PAGE) return;
  }
}

/** Writes a gzip-compressed backup of all tables to `out`. */
export async function writeBackup(db: Db, out: WritableStream<Uint8Array>): Promise<BackupResult> {
  const gzip = new CompressionStream("gzip");
  let bytes = 0;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      bytes += chunk.byteLength;
      ctl.enqueue(chunk);
    },
  });
  const piping = gzip.readable.pipeThrough(counted).pipeTo(out);
  const writer = gzip.writable.getWriter();
  const encoder = new TextEncoder();
  let buffered: string[] = [];
  const line = async (text: string) => {
    buffered.push(text);
    if (buffered.length >= 256) {
      await writer.write(encoder.encode(buffered.join("\n") + "\n"));
      buffered = [];
    }
  };
  const counts: Record<string, number> = {};
  let version = 0;
  try {
    await db.transaction(async (tx) => {
      await tx.query(sql("BackupSnapshot"));
      version = await schemaVersion(tx);
      const tables = await backupTables(tx);
      const header: BackupHeader = {
        schema_version: version,
        created_at: new Date().toISOString(),
        backend: db.kind,
        tables,
      };
      await line(JSON.stringify([BACKUP_FORMAT, BACKUP_FORMAT_VERSION, header]));
      for (const table of tables) {
        await line(JSON.stringify(["table", table]));
        let n = 0;
        for await (const row of tableRows(tx, table)) {
          await line(row);
          n++;
        }
        counts[table] = n;
      }
    });
    await line(JSON.stringify(["end", { counts }]));
    if (buffered.length) await writer.write(encoder.encode(buffered.join("\n") + "\n"));
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => {});
    await piping.catch(() => {});
    throw err;
  }
  await piping;
  return { schemaVersion: version, tables: counts, bytes };
}

async function* readLines(input: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const text = input.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  ).pipeThrough(
    new TextDecoderStream(),
  );
  let rest = "";
  for await (const chunk of text) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  if (rest.length) yield rest;
}

/**
 * Loads a backup into a migrated database in one transaction: a backup of the same schema
 * version, or of the previous release's schema (converted on the way). Refuses a database that
 * already holds data unless `force`, which empties the tables first.
 */
export async function restoreBackup(
  db: Db,
  input: ReadableStream<Uint8Array>,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const lines = readLines(input);
  const first = await lines.next();
  let header: BackupHeader;
  try {
    const parsed = JSON.parse(first.value ?? "");
    if (parsed[0] !== BACKUP_FORMAT) throw new Error("not a backup");
    if (parsed[1] !== BACKUP_FORMAT_VERSION) {
      throw new BackupError(`Backup format version ${parsed[1]} is not supported`);
    }
    header = parsed[2];
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError("Cannot restore: the file is not an ArchiFlow backup");
  }
  const target = await schemaVersion(db);
  const converting = header.schema_version === PREVIOUS_SCHEMA_VERSION;
  if (target !== header.schema_version && !converting) {
    throw new BackupError(
      `Cannot restore: the backup has schema version ${header.schema_version} but the database ` +
        `has ${target}. Restore with the ArchiFlow release that wrote the backup ` +
        `(migrated to the same version), then upgrade.`,
    );
  }
  const tables = await backupTables(db);
  if (!converting) checkKnown(header.tables, tables);
  try {
    return await db.transaction((tx) => load(tx, lines, header, tables, converting, options));
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      `Cannot restore, nothing was written: ${err instanceof Error ? err.message : err}`,
    );
  }
}

function checkKnown(backedUp: string[], tables: string[]) {
  const unknown = backedUp.filter((t) => !tables.includes(t));
  if (unknown.length) {
    throw new BackupError(`Cannot restore: the database lacks tables ${unknown.join(", ")}`);
  }
}

async function load(
  tx: Queryable,
  lines: AsyncGenerator<string>,
  header: BackupHeader,
  tables: string[],
  converting: boolean,
  options: { force?: boolean },
): Promise<RestoreResult> {
  let replaced = false;
  const nonEmpty: string[] = [];
  for (const t of tables) {
    const [r] = await tx.query<{ has_rows: boolean }>(sql("TableHasRows"), [t]);
    if (r.has_rows) nonEmpty.push(t);
  }
  // A freshly migrated database holds the templates ArchiFlow ships; it still counts as empty,
  // and those rows make way for the backup's own copy of the templates.
  if (nonEmpty.includes("templates")) {
    const [t] = await tx.query<{ only_shipped: boolean }>(sql("OnlyShippedTemplates"));
    if (t.only_shipped) {
      nonEmpty.splice(nonEmpty.indexOf("templates"), 1);
      if (nonEmpty.length === 0) await tx.query(sql("DeleteShippedTemplates"));
    }
  }
  if (nonEmpty.length) {
    if (!options.force) {
      throw new BackupError(
        `Cannot restore: the database is not empty (${nonEmpty.join(", ")} hold rows). ` +
          `Restore into an empty database, or pass --force to replace its contents.`,
      );
    }
    await tx.query(sql("TruncateForRestore"), [tables]);
    replaced = true;
  }
  await tx.query(sql("RestoreLinksAtCommit"));
  // A previous release's rows go into bare tables of its schema first.
  let into = (table: string) => table;
  if (converting) {
    await tx.exec(await readConversion("tables_0150.sql"));
    checkKnown(header.tables, await backupTables(tx, PREVIOUS_SCHEMA));
    into = (table) => `${PREVIOUS_SCHEMA}.${table}`;
  }
  const counts: Record<string, number> = {};
  let table: string | null = null;
  let batch: string[] = [];
  let ended: { counts: Record<string, number> } | null = null;
  const flush = async () => {
    if (!table || batch.length === 0) return;
    const [r] = await tx.query<{ loaded: number }>(sql("RestoreRows"), [
      into(table),
      `[${batch.join(",")}]`,
    ]);
    counts[table] += r.loaded;
    batch = [];
  };
  for await (const text of lines) {
    if (text === "") continue;
    if (ended) throw new BackupError("Cannot restore: data after the end marker");
    if (text.startsWith("[")) {
      const marker = JSON.parse(text);
      if (marker[0] === "table") {
        await flush();
        table = String(marker[1]);
        if (!header.tables.includes(table)) {
          throw new BackupError(`Cannot restore: table ${table} is not in the header`);
        }
        counts[table] = 0;
        // Pool state is kept by triggers on ip_pools and ip_allocations; what they made while
        // those tables loaded gives way to the backup's rows (the counters are re-checked below).
        if (table === "ip_pool_state" && !converting) await tx.query(sql("ClearPoolState"));
      } else if (marker[0] === "end") {
        await flush();
        ended = marker[1];
      } else {
        throw new BackupError(`Cannot restore: unknown marker ${String(marker[0])}`);
      }
      continue;
    }
    if (!table) throw new BackupError("Cannot restore: row before any table");
    batch.push(text);
    if (batch.length >= LOAD_BATCH) await flush();
  }
  if (!ended) {
    throw new BackupError("Cannot restore: the backup is truncated (no end marker)");
  }
  for (const [t, n] of Object.entries(ended.counts)) {
    if (counts[t] !== n) {
      throw new BackupError(`Cannot restore: ${t} has ${counts[t]} rows, the backup says ${n}`);
    }
  }
  if (converting) await copyPreviousSchemaRows(tx);
  else if (tables.includes("ip_pool_state")) await tx.query(sql("RecountPoolState"));
  const [fixed] = await tx.query<{ fixed: number }>(sql("RestoreFixSequences"));
  return {
    schemaVersion: header.schema_version,
    tables: counts,
    sequencesFixed: fixed.fixed,
    replaced,
    converted: converting,
  };
}
