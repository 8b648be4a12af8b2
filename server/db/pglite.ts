// The embedded backend: PGlite (PostgreSQL compiled to WASM) in a data folder or in memory.
// A single connection: PGlite serialises queries and transactions itself.
//
// PGlite is PostgreSQL in one process, with no postmaster to arbitrate: a second process on the
// same folder works on its own copy and its writes are lost (or the files are damaged). So the
// folder is held with an exclusive advisory lock on `archiflow.lock` inside it for as long as it
// is open. The kernel drops the lock when its holder exits, even by SIGKILL, so a lock is never
// stale and a reused pid cannot hold one; the file only records who holds it, for the refusal.
import { PGlite } from "@electric-sql/pglite";
import { checkParams, type Db, runTransaction, SEARCH_PATH, statementText } from "./db.ts";

/** Kept in the data folder, never removed: removing it would let two holders lock two files. */
export const LOCK_FILE = "archiflow.lock";

/** Another process (or another open in this one) holds the data folder. */
export class DatabaseInUseError extends Error {
  constructor(readonly dataDir: string, readonly holder: LockHolder | null) {
    const who = holder
      ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`
      : "another process";
    super(
      `ArchiFlow's embedded database in ${dataDir} is in use by ${who}, and PGlite allows one ` +
        `process per data folder. Stop it first, then run this again; or set DATABASE_URL to ` +
        `use PostgreSQL, which the server and the tasks can share.`,
    );
    this.name = "DatabaseInUseError";
  }
}

export interface LockHolder {
  pid: number;
  /** The holder's main module, relative to its working directory when inside it. */
  command?: string;
}

/** Opens PGlite in dataDir, or in memory when dataDir is undefined. */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const lock = dataDir ? await lockDataDir(dataDir) : null;
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir);
    await pg.exec(`SET search_path TO ${SEARCH_PATH}`);
  } catch (err) {
    lock?.close();
    throw err;
  }
  return {
    kind: "pglite",
    query: async (statement, params = []) => {
      checkParams(statement, params);
      // deno-lint-ignore no-explicit-any
      return (await pg.query(statementText(statement), params as any[])).rows as any[];
    },
    exec: async (script) => {
      await pg.exec(script);
    },
    transaction: (fn) =>
      pg.transaction((tx) =>
        runTransaction({
          query: async (statement, params = []) => {
            checkParams(statement, params);
            // deno-lint-ignore no-explicit-any
            return (await tx.query(statementText(statement), params as any[])).rows as any[];
          },
          exec: async (script) => {
            await tx.exec(script);
          },
        }, fn)
      ),
    async listen(channel, onPayload) {
      const unsub = await pg.listen(channel, onPayload);
      return async () => {
        await unsub();
      };
    },
    stats: () => ({ kind: "pglite", maxConnections: 1 }),
    async close() {
      try {
        await pg.close();
      } finally {
        // Only after PGlite has flushed and closed its files may another process open them.
        lock?.close();
      }
    },
  };
}

/**
 * Takes the folder's lock without waiting, or throws DatabaseInUseError. The lock belongs to this
 * open file (flock semantics), so a second open in the same process is refused as well.
 */
async function lockDataDir(dataDir: string): Promise<Deno.FsFile> {
  const path = `${dataDir}/${LOCK_FILE}`;
  // No truncate here: until the lock is ours, the file describes the current holder.
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
    if (!locked) throw new DatabaseInUseError(dataDir, await readHolder(file));
    await file.truncate(0);
    const holder: LockHolder = { pid: Deno.pid, command: mainModule() };
    const bytes = new TextEncoder().encode(JSON.stringify(holder) + "\n");
    for (let n = 0; n < bytes.length;) n += await file.write(bytes.subarray(n));
    return file;
  } catch (err) {
    file.close();
    throw err;
  }
}

async function readHolder(file: Deno.FsFile): Promise<LockHolder | null> {
  try {
    const text = new TextDecoder().decode(await readAll(file)).trim();
    const holder = JSON.parse(text) as LockHolder;
    if (!Number.isSafeInteger(holder.pid) || !(await mayBeAlive(holder.pid))) return null;
    return { pid: holder.pid, command: typeof holder.command === "string" ? holder.command : "" };
  } catch {
    // The holder has locked the file but not written it yet, or wrote something else.
    return null;
  }
}

async function readAll(file: Deno.FsFile): Promise<Uint8Array> {
  const buf = new Uint8Array(4096);
  let n = 0;
  while (n < buf.length) {
    const read = await file.read(buf.subarray(n));
    if (read === null) break;
    n += read;
  }
  return buf.subarray(0, n);
}

/**
 * False when /proc shows the pid is gone: then the file still names an earlier holder (the
 * current one has not written it yet) and naming that pid would mislead. Elsewhere: unknown.
 */
async function mayBeAlive(pid: number): Promise<boolean> {
  try {
    await Deno.stat("/proc/self");
  } catch {
    return true;
  }
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function mainModule(): string {
  try {
    const path = new URL(Deno.mainModule).pathname;
    const cwd = Deno.cwd() + "/";
    return path.startsWith(cwd) ? path.slice(cwd.length) : path;
  } catch {
    return "";
  }
}
