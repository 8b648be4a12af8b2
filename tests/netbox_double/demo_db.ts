// Test databases holding the NetBox 4.2 demo data. The dump is loaded once into the template
// database archiflow_netbox_demo_tpl (psql -f, serialised by an advisory lock); each test then gets
// its own copy with CREATE DATABASE ... TEMPLATE, which takes a fraction of a second.
import postgres from "postgres";
import { corpusDir } from "../support/corpus.ts";

export const TEMPLATE_DB = "archiflow_netbox_demo_tpl";
const DUMP = "netbox/demo-data/sql/netbox-demo-v4.2.sql";

/** The PostgreSQL server tests may use: NETBOX_TEST_DATABASE_URL, DATABASE_URL or the local one. */
export async function netboxTestServerUrl(): Promise<string | null> {
  const url = Deno.env.get("NETBOX_TEST_DATABASE_URL") ?? Deno.env.get("DATABASE_URL") ??
    "postgres://postgres@127.0.0.1:5432/postgres";
  const probe = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
    return url;
  } catch {
    return null;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

/** Why NetBox demo tests cannot run here, or null when they can. */
export async function netboxDemoMissing(what: string): Promise<boolean> {
  const dir = corpusDir();
  let reason: string | null = null;
  if (!dir) reason = "../shared/corpus is absent (set ARCHIFLOW_CORPUS to its path)";
  else if (!(await netboxTestServerUrl())) {
    reason = "no PostgreSQL server (set NETBOX_TEST_DATABASE_URL or DATABASE_URL)";
  } else {
    try {
      Deno.statSync(`${dir}/${DUMP}`);
    } catch {
      reason = `${DUMP} is missing from the corpus`;
    }
  }
  if (reason) console.warn(`SKIPPED ${what}: ${reason}`);
  return reason !== null;
}

export interface NetboxDemoDb {
  url: string;
  name: string;
  drop(): Promise<void>;
}

const withDb = (base: string, name: string) => {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
};

async function ensureTemplate(base: string): Promise<void> {
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin`SELECT pg_advisory_lock(727001)`;
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${TEMPLATE_DB}`;
    if (exists) return;
    await admin.unsafe(
      `DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'netbox')
       THEN CREATE ROLE netbox; END IF; END$$`,
    );
    const loading = `${TEMPLATE_DB}_loading`;
    await admin.unsafe(`DROP DATABASE IF EXISTS ${loading}`);
    await admin.unsafe(`CREATE DATABASE ${loading}`);
    const out = await new Deno.Command("psql", {
      args: [
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        withDb(base, loading),
        "-f",
        `${corpusDir()}/${DUMP}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${loading}`);
      throw new Error(
        `Loading the NetBox demo dump failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    await admin.unsafe(`ALTER DATABASE ${loading} RENAME TO ${TEMPLATE_DB}`);
  } finally {
    await admin`SELECT pg_advisory_unlock(727001)`.catch(() => {});
    await admin.end();
  }
}

/** A fresh database with the NetBox 4.2 demo data; drop() removes it. */
export async function createNetboxDemoDb(): Promise<NetboxDemoDb> {
  const base = await netboxTestServerUrl();
  if (!base) throw new Error("No PostgreSQL server for the NetBox double");
  await ensureTemplate(base);
  const name = `archiflow_nbdemo_${Date.now().toString(36)}_${
    crypto.randomUUID().replaceAll("-", "").slice(0, 6)
  }`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin`SELECT pg_advisory_lock(727001)`;
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin`SELECT pg_advisory_unlock(727001)`.catch(() => {});
    await admin.end();
  }
  return {
    url: withDb(base, name),
    name,
    async drop() {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
