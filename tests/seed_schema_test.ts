// The design document's own SQL against the migrated schema. The document
// (../shared/seed/000_19f1954894a56429.txt from the repository root, or ARCHIFLOW_SEED_DOC) is
// read and its ```sql blocks parsed here, never retyped: its CREATE TABLEs must describe the
// tables as they are (columns, types, defaults, keys), rows go in through its column lists, its
// views, queries, maintenance and monitoring statements run as written, its indexes exist, and
// (PostgreSQL only) its read-only user, row-level security and backup/restore commands work with
// a database owned by an ordinary role.
// One file, over 400 lines, on purpose: one numbered part per kind of SQL in the document, all
// reading the one parse of it above, so a statement the document adds is checked by the same file.
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Db, Queryable } from "../server/db/db.ts";
import { migrate } from "../server/db/migrate.ts";
import { openPostgres } from "../server/db/postgres.ts";
import { backendName, createTestDb } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";
import {
  blockLedBy,
  blocksUnder,
  type DocBlock,
  type DocCommand,
  findCommand,
  type IndexDef,
  parseCreateIndex,
  parseCreatePolicy,
  parseCreateTable,
  parseCreateView,
  readBlocks,
  replaceWords,
  splitStatements,
  startsWith,
  type Statement,
  statementsOf,
  type TableDef,
  type ViewDef,
} from "./seed/document.ts";
import { insertSamples, SAMPLE_ROWS, type SampleValues } from "./seed/samples.ts";

const DOC_ENV = "ARCHIFLOW_SEED_DOC";
const DOC_PATH = Deno.env.get(DOC_ENV) ??
  decodeURIComponent(
    new URL("../../shared/seed/000_19f1954894a56429.txt", import.meta.url).pathname,
  );

async function readDoc(): Promise<string | null> {
  try {
    return await Deno.readTextFile(DOC_PATH);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

const docText = await readDoc();
const noDoc = docText === null;
if (noDoc) {
  console.warn(
    `seed_schema_test: the design document is missing at ${DOC_PATH}; its schema tests are ` +
      `ignored. Set ${DOC_ENV} to the document's path to run them.`,
  );
  Deno.test({
    name: `design document not found at ${DOC_PATH} (set ${DOC_ENV}): schema tests ignored`,
    ignore: true,
    fn() {},
  });
}
const onPglite = backendName() !== "postgres";

interface Doc {
  blocks: DocBlock[];
  tables: Map<string, TableDef>;
  views: ViewDef[];
  /** "Indexes for Performance" and the partial index of "ArchiFlow (Raw SQL)". */
  indexes: IndexDef[];
  rawSql: Statement[];
  maintenance: Statement[];
  monitoring: Statement[];
  readOnlyUser: Statement[];
  rowLevelSecurity: Statement[];
  dump: DocCommand;
  restore: DocCommand;
}

function parseDoc(text: string): Doc {
  const blocks = readBlocks(text);
  const schema = statementsOf(blocksUnder(blocks, "ArchiFlow Database"));
  const tables = new Map<string, TableDef>();
  for (const s of schema.filter((s) => startsWith(s, "create", "table"))) {
    const t = parseCreateTable(s);
    tables.set(t.name, t);
  }
  const views = schema.filter((s) => startsWith(s, "create", "view")).map(parseCreateView);
  const performance = statementsOf(blocksUnder(blocks, "Indexes for Performance"));
  const rawSql = statementsOf(blocksUnder(blocks, "ArchiFlow (Raw SQL)"));
  for (const s of performance) {
    if (!startsWith(s, "create", "index")) throw new Error(`Not an index: ${s.text}`);
  }
  const indexes = [...performance, ...rawSql.filter((s) => startsWith(s, "create", "index"))]
    .map(parseCreateIndex);
  return {
    blocks,
    tables,
    views,
    indexes,
    rawSql,
    maintenance: statementsOf(blocksUnder(blocks, "Database Maintenance")),
    monitoring: statementsOf(blocksUnder(blocks, "Monitoring Queries")),
    readOnlyUser: splitStatements(blockLedBy(blocks, "User Permissions").text),
    rowLevelSecurity: splitStatements(blockLedBy(blocks, "Row-Level Security").text),
    dump: findCommand(
      blocksUnder(blocks, "Backup Strategies", "bash")[0],
      "pg_dump",
      "-U archiflow_user",
    ),
    restore: findCommand(
      blocksUnder(blocks, "Recovery Procedures", "bash")[0],
      "psql",
      "-U archiflow_user",
    ),
  };
}

/** A freshly migrated database, closed after fn. */
async function withMigrated(fn: (db: Db) => Promise<void>): Promise<void> {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await fn(t.db);
  } finally {
    await t.close();
  }
}

const seed = (db: Db, doc: Doc) => db.transaction((tx) => insertSamples(tx, doc.tables));

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
  }
  assert.fail("expected the statement to fail");
}

// ---------------------------------------------------------------------------------------------
// Normalising what the catalog prints

const CASTS =
  /::(?:character varying|text|jsonb|json|integer|bigint|smallint|boolean|numeric|inet|cidr|name|regclass|timestamp with time zone|timestamp without time zone)(?:\[\])?/gi;

/** Strips one pair of parentheses enclosing the whole expression. */
function stripOuter(s: string): string {
  for (;;) {
    if (!s.startsWith("(") || !s.endsWith(")")) return s;
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === "(") depth++;
      if (s[i] === ")") depth--;
      if (depth === 0 && i < s.length - 1) return s;
    }
    s = s.slice(1, -1).trim();
  }
}

/** An expression as comparable text: no casts or redundant parentheses, keywords lower-case. */
export function normalizeExpr(expr: string): string {
  let s = expr.trim().replace(CASTS, "");
  // (created_by) -> created_by; a function call f(x) keeps its parentheses.
  for (let prev = ""; prev !== s;) {
    prev = s;
    s = s.replace(/(^|[^\w])\(([A-Za-z_][A-Za-z0-9_]*)\)/g, "$1$2");
  }
  s = stripOuter(s).replace(/\s+/g, " ");
  s = s.replace(/'(?:[^']|'')*'|[^']+/g, (m) => m.startsWith("'") ? m : m.toLowerCase());
  return s === "now()" ? "current_timestamp" : s;
}

/** The type names PostgreSQL prints for a type of the document (first: exact; more: allowed). */
function expectedTypes(t: { name: string; args: number[]; array: boolean; sql: string }): string[] {
  const n = t.args;
  const map: Record<string, string[]> = {
    "VARCHAR": [n.length ? `character varying(${n[0]})` : "character varying"],
    "CHARACTER VARYING": [n.length ? `character varying(${n[0]})` : "character varying"],
    "TEXT": ["text"],
    "INTEGER": ["integer"],
    "INT": ["integer"],
    "INT4": ["integer"],
    "SERIAL": ["integer"],
    "BIGINT": ["bigint"],
    "BIGSERIAL": ["bigint"],
    "BOOLEAN": ["boolean"],
    "BOOL": ["boolean"],
    "JSONB": ["jsonb"],
    "CIDR": ["cidr"],
    "INET": ["inet"],
    "MACADDR": ["macaddr"],
    // The one difference allowed: the schema keeps the time zone (see its "fix:" line).
    "TIMESTAMP": ["timestamp without time zone", "timestamp with time zone"],
    "TIMESTAMPTZ": ["timestamp with time zone"],
    "TIMESTAMP WITH TIME ZONE": ["timestamp with time zone"],
  };
  const names = map[t.name];
  if (!names) throw new Error(`No PostgreSQL type known for the document's ${t.sql}`);
  return t.array ? names.map((x) => `${x}[]`) : names;
}

// ---------------------------------------------------------------------------------------------
// Catalog reads

interface CatalogColumn {
  name: string;
  type: string;
  not_null: boolean;
  identity: string;
  default: string | null;
}

const columnsOf = (db: Queryable, relation: string) =>
  db.query<CatalogColumn>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.attidentity::text AS identity,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'archiflow' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [relation],
  );

interface CatalogConstraint {
  type: string;
  name: string;
  columns: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
}

const constraintsOf = (db: Queryable, table: string) =>
  db.query<CatalogConstraint>(
    `SELECT con.contype::text AS type, con.conname AS name,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
                   ORDER BY k.i) AS columns,
            fn.nspname AS ref_schema, fc.relname AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                   ORDER BY k.i) AS ref_columns,
            con.confdeltype::text AS on_delete
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
       LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE n.nspname = 'archiflow' AND c.relname = $1`,
    [table],
  );

interface CatalogIndex {
  name: string;
  table: string;
  unique: boolean;
  method: string;
  predicate: string | null;
  columns: string[];
}

const indexesOf = (db: Queryable) =>
  db.query<CatalogIndex>(
    `SELECT i.relname AS name, t.relname AS table, ix.indisunique AS unique, am.amname AS method,
            pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                    FROM generate_series(1, ix.indnkeyatts::int) k ORDER BY k) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = 'archiflow'`,
  );

const ON_DELETE: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

/**
 * The document's UNIQUE constraints the schema changes on purpose, each with the constraint that
 * takes its place (the migration says why on its "fix:" line).
 */
const CHANGED_UNIQUES: Record<string, { why: string; columns: string[]; predicate: string }> = {
  "ip_allocations(ip_address,is_active,pool_id)": {
    why: "the document's key allows one released row per address, so an address could be " +
      "released only once; the schema keeps one active row per address and pool",
    columns: ["ip_address", "pool_id"],
    predicate: "is_active",
  },
};

// ---------------------------------------------------------------------------------------------
// The parser itself, on statements written here (runs without the document)

Deno.test("the document parser reads tables, views, indexes, policies and commands", () => {
  const [table] = splitStatements(`
    -- a comment; with a semicolon
    CREATE TABLE t (
      id SERIAL PRIMARY KEY,
      code VARCHAR(5) NOT NULL DEFAULT 'a;b' CHECK (length(code) > 0), -- trailing
      at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      tags TEXT[],
      parent_id INTEGER REFERENCES t(id) ON DELETE SET NULL ON UPDATE CASCADE,
      UNIQUE(code, at)
    );`);
  const t = parseCreateTable(table);
  assert.equal(t.name, "t");
  assert.deepEqual(t.columns.map((c) => [c.name, c.type.sql, c.notNull, c.default]), [
    ["id", "SERIAL", false, null],
    ["code", "VARCHAR(5)", true, "'a;b'"],
    ["at", "TIMESTAMP", false, "CURRENT_TIMESTAMP"],
    ["tags", "TEXT[]", false, null],
    ["parent_id", "INTEGER", false, null],
  ]);
  assert.deepEqual(t.primaryKey, ["id"]);
  assert.deepEqual(t.uniques, [["code", "at"]]);
  assert.deepEqual(t.foreignKeys, [{
    columns: ["parent_id"],
    table: "t",
    refColumns: ["id"],
    onDelete: "set null",
    onUpdate: "cascade",
  }]);
  assert.equal(t.checks.length, 1);
  assert.throws(
    () => parseCreateTable(splitStatements("CREATE TABLE x (a INTEGER SOMETHING)")[0]),
    /unexpected modifier of column a/,
  );

  const [view] = splitStatements(
    "CREATE VIEW v AS SELECT p.id as pool_id, p.network, (SELECT count(*) FROM x) - 1 AS n " +
      "FROM ip_pools p",
  );
  assert.deepEqual(parseCreateView(view), { name: "v", columns: ["pool_id", "network", "n"] });

  const [index] = splitStatements("CREATE INDEX i ON t(a, b) WHERE is_active = true;");
  assert.deepEqual(parseCreateIndex(index), {
    name: "i",
    table: "t",
    unique: false,
    method: "btree",
    columns: ["a", "b"],
    where: "is_active = true",
  });

  const [policy] = splitStatements(
    "CREATE POLICY p ON diagrams FOR ALL USING (created_by = current_user);",
  );
  assert.equal(parseCreatePolicy(policy).using, "created_by = current_user");

  const blocks = readBlocks(
    "# A\n## B\n1. **Lead**\n   ```bash\n   pg_dump -h h -U u -d d > f.sql\n   ```\n",
  );
  assert.deepEqual(blocks.map((b) => [b.lang, b.headings, b.lead]), [
    ["bash", ["A", "B"], "1. **Lead**"],
  ]);
  const cmd = findCommand(blocks[0], "pg_dump", "-U u");
  assert.deepEqual([...cmd.options], [["-h", "h"], ["-U", "u"], ["-d", "d"]]);
  assert.equal(cmd.stdoutFile, "f.sql");

  assert.equal(normalizeExpr("((created_by)::text = CURRENT_USER)"), "created_by = current_user");
  assert.equal(normalizeExpr("'static'::character varying"), "'static'");
  assert.equal(normalizeExpr("now()"), "current_timestamp");
  assert.equal(normalizeExpr("(lower(name))"), "lower(name)");
});

// ---------------------------------------------------------------------------------------------
// 1. Tables

Deno.test({
  name: "every column, type, default, primary and foreign key of the document's tables exists",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    assert.ok(doc.tables.size > 0, "the document's ArchiFlow section has CREATE TABLEs");
    await withMigrated(async (db) => {
      const problems: string[] = [];
      const allIndexes = await indexesOf(db);
      for (const table of doc.tables.values()) {
        const actual = await columnsOf(db, table.name);
        if (actual.length === 0) {
          problems.push(`table archiflow.${table.name} does not exist`);
          continue;
        }
        for (const col of table.columns) {
          const where = `${table.name}.${col.name}`;
          const got = actual.find((a) => a.name === col.name);
          if (!got) {
            problems.push(`${where}: missing`);
            continue;
          }
          const types = expectedTypes(col.type);
          if (!types.includes(got.type)) {
            problems.push(`${where}: type ${got.type}, document ${col.type.sql} (${types[0]})`);
          }
          if ((col.notNull || table.primaryKey.includes(col.name)) && !got.not_null) {
            problems.push(`${where}: NULL allowed, document says NOT NULL`);
          }
          if (col.type.name.endsWith("SERIAL")) {
            // SERIAL: the database numbers rows itself (identity column or a sequence default).
            if (got.identity === "" && !/^nextval\(/.test(got.default ?? "")) {
              problems.push(`${where}: SERIAL but not generated (default ${got.default})`);
            }
          }
          if (col.default !== null) {
            const want = normalizeExpr(col.default);
            const have = got.default === null ? null : normalizeExpr(got.default);
            if (want !== have) {
              problems.push(`${where}: default ${got.default}, document DEFAULT ${col.default}`);
            }
          }
        }

        const constraints = await constraintsOf(db, table.name);
        const pk = constraints.find((c) => c.type === "p");
        if (JSON.stringify(pk?.columns ?? []) !== JSON.stringify(table.primaryKey)) {
          problems.push(
            `${table.name}: primary key (${pk?.columns ?? "none"}), document ` +
              `(${table.primaryKey})`,
          );
        }
        for (const fk of table.foreignKeys) {
          const refColumns = fk.refColumns.length
            ? fk.refColumns
            : doc.tables.get(fk.table)?.primaryKey ?? [];
          const match = constraints.find((c) =>
            c.type === "f" && c.ref_schema === "archiflow" && c.ref_table === fk.table &&
            JSON.stringify(c.columns) === JSON.stringify(fk.columns) &&
            JSON.stringify(c.ref_columns) === JSON.stringify(refColumns)
          );
          const what = `${table.name}(${fk.columns}) REFERENCES ${fk.table}(${refColumns})`;
          if (!match) problems.push(`${what}: no such foreign key`);
          else if (ON_DELETE[match.on_delete] !== fk.onDelete) {
            problems.push(
              `${what}: ON DELETE ${ON_DELETE[match.on_delete]}, document ON DELETE ${fk.onDelete}`,
            );
          }
        }
        const indexes = allIndexes.filter((i) => i.table === table.name);
        for (const cols of table.uniques) {
          const key = `${table.name}(${[...cols].sort()})`;
          const changed = CHANGED_UNIQUES[key];
          const want = changed ? changed.columns : cols;
          const predicate = changed ? changed.predicate : null;
          const found = indexes.some((i) =>
            i.unique &&
            JSON.stringify([...i.columns].sort()) === JSON.stringify([...want].sort()) &&
            (i.predicate === null ? null : normalizeExpr(i.predicate)) === predicate
          );
          if (!found) {
            problems.push(
              changed
                ? `${key}: replaced on purpose (${changed.why}), but UNIQUE (${want}) WHERE ` +
                  `${predicate} is missing`
                : `${key}: no unique constraint or index on these columns`,
            );
          }
        }
      }
      assert.deepEqual(problems, [], problems.join("\n"));
    });
  },
});

// ---------------------------------------------------------------------------------------------
// 2. Rows through the document's column names

Deno.test({
  name: "rows go into every document table through its column names and read back as written",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    assert.deepEqual(
      [...new Set(SAMPLE_ROWS.map((r) => r.table))].sort(),
      [...doc.tables.keys()].sort(),
      "a sample row for every table of the document",
    );
    await withMigrated(async (db) => {
      const rows = await seed(db, doc);
      assert.equal(rows.length, SAMPLE_ROWS.length);
      for (const table of doc.tables.keys()) {
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        const samples = SAMPLE_ROWS.filter((r) => r.table === table).length;
        // templates also holds the templates the migration ships.
        assert.ok(n >= samples, `${table}: ${n} rows, ${samples} written`);
      }
    });
  },
});

// ---------------------------------------------------------------------------------------------
// 3. Views

function ipv4(text: string): number {
  const parts = text.split("/")[0].split(".").map(Number);
  assert.equal(parts.length, 4, `IPv4 address ${text}`);
  return parts.reduce((a, b) => a * 256 + b, 0);
}

/** What ip_pool_usage says of a pool, per sql/views/10_ip_pool_usage.sql, from the samples. */
function expectedUsage(pool: SampleValues) {
  const [, bits] = pool.network!.split("/");
  const len = Number(bits);
  const size = 2 ** (32 - len);
  const first = ipv4(pool.network!);
  const last = first + size - 1;
  const edges = len < 31 ? 2 : 0;
  const dns = pool.dns_servers!.replace(/[{}]/g, "").split(",").filter(Boolean);
  const excluded = new Set(
    [pool.gateway, ...dns].filter((x): x is string => !!x).map(ipv4)
      .filter((a) => a >= first && a <= last && !(edges && (a === first || a === last))),
  ).size;
  const allocated = new Set(
    SAMPLE_ROWS.filter((r) =>
      r.table === "ip_allocations" && r.values.pool_id === pool.id && r.values.is_active === "true"
    ).map((r) => r.values.ip_address),
  ).size;
  const usable = size - edges - excluded;
  return {
    pool_id: pool.id,
    pool_name: pool.name,
    network: pool.network,
    gateway: pool.gateway,
    allocated_count: allocated,
    available_count: Math.max(usable - allocated, 0),
    usage_percentage: usable <= 0 ? "100.00" : (allocated / usable * 100).toFixed(2),
  };
}

function expectedConnections() {
  const name = (asset: string | null) =>
    SAMPLE_ROWS.find((r) => r.table === "network_devices" && r.values.asset_id === asset)
      ?.values.device_name ?? null;
  return SAMPLE_ROWS.filter((r) => r.table === "device_ports" && r.values.connected_to_device)
    .map(({ values: p }) => ({
      source_device: p.device_id,
      source_name: name(p.device_id),
      source_port: p.port_name,
      target_device: p.connected_to_device,
      target_name: name(p.connected_to_device),
      target_port: p.connected_to_port,
      connection_status: p.status,
    }));
}

/** The document's query of a view: its own column list, from the view. */
const viewQuery = (v: ViewDef) => `SELECT ${v.columns.join(", ")} FROM ${v.name}`;

const sortRows = <T>(rows: T[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function readViews(db: Queryable, doc: Doc) {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const v of doc.views) {
    out[v.name] = sortRows(
      (await db.query(viewQuery(v))).map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, x]) => [
            k,
            // Counts arrive as number, bigint or numeric text depending on driver and type.
            /_count$/.test(k) ? Number(x) : k === "usage_percentage" ? Number(x).toFixed(2) : x,
          ]),
        )
      ),
    );
  }
  return out;
}

Deno.test({
  name: "both views answer the document's queries with the right values",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    assert.deepEqual(doc.views.map((v) => v.name).sort(), ["device_connections", "ip_pool_usage"]);
    await withMigrated(async (db) => {
      for (const v of doc.views) {
        // The document's columns come first, in its order (ip_pool_usage adds pool columns).
        const cols = (await columnsOf(db, v.name)).map((c) => c.name);
        assert.deepEqual(cols.slice(0, v.columns.length), v.columns, `columns of ${v.name}`);
      }
      await seed(db, doc);
      const got = await readViews(db, doc);
      const activePools = SAMPLE_ROWS.filter((r) =>
        r.table === "ip_pools" && r.values.is_active === "true"
      );
      assert.ok(activePools.length < SAMPLE_ROWS.filter((r) => r.table === "ip_pools").length);
      // Only active pools; a /24 with a gateway and one DNS server inside, 2 active and one
      // released allocation: allocated 2, available 256 - 2 edges - 2 excluded - 2 = 250.
      assert.deepEqual(
        got.ip_pool_usage,
        sortRows(activePools.map((r) => expectedUsage(r.values))),
      );
      assert.equal(got.ip_pool_usage[0].allocated_count, 2);
      assert.deepEqual(got.device_connections, sortRows(expectedConnections()));
      assert.equal(got.device_connections.length, 2, "a cable appears once from each end");
    });
  },
});

// ---------------------------------------------------------------------------------------------
// 4. Queries, maintenance and monitoring as written

/** Waits until the statistics show table blocks read, so the cache hit ratio has a divisor. */
async function waitForBlockStats(db: Queryable): Promise<void> {
  await waitFor("table block statistics after reading and writing tables", async () => {
    // PostgreSQL 15+ sends a backend's statistics at its next idle moment when asked.
    await db.query("SELECT pg_stat_force_next_flush()").catch(() => {});
    const [{ n }] = await db.query<{ n: string | number | null }>(
      `SELECT coalesce(sum(heap_blks_hit) + sum(heap_blks_read), 0) AS n
         FROM pg_statio_user_tables`,
    );
    return Number(n) > 0;
  });
}

Deno.test({
  name: "the pool_stats query, maintenance and monitoring statements run as written",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    await withMigrated(async (db) => {
      await seed(db, doc);

      // "ArchiFlow (Raw SQL)": the CTE query; its CREATE INDEX is checked with the indexes.
      const queries = doc.rawSql.filter((s) => startsWith(s, "with") || startsWith(s, "select"));
      assert.equal(
        queries.length + doc.rawSql.filter((s) => startsWith(s, "create", "index"))
          .length,
        doc.rawSql.length,
        "every statement of the block is a query or an index",
      );
      assert.equal(queries.length, 1);
      const stats = await db.query<{ id: string; allocated: unknown }>(queries[0].text);
      const pools = SAMPLE_ROWS.filter((r) => r.table === "ip_pools");
      assert.deepEqual(
        stats.map((r) => [r.id, Number(r.allocated)]).sort(),
        pools.map((p) => [
          p.values.id,
          SAMPLE_ROWS.filter((r) =>
            r.table === "ip_allocations" && r.values.pool_id === p.values.id &&
            r.values.is_active === "true"
          ).length,
        ]).sort(),
      );
      assert.ok("network" in stats[0] && "created_by" in stats[0], "p.* gives the pool columns");

      // "Database Maintenance": ANALYZE, VACUUM, REINDEX run; pg_stat_statements is an
      // extension that must be preloaded, so its query either answers or names the missing
      // relation (this test database never creates the extension: the second is expected).
      assert.ok(doc.maintenance.length >= 4);
      let statementsChecked = 0;
      for (const s of doc.maintenance) {
        if (s.tokens.some((t) => t.value === "pg_stat_statements")) {
          try {
            const rows = await db.query(s.text);
            assert.ok(Array.isArray(rows));
          } catch (err) {
            assert.equal(errorCode(err), "42P01", String(err));
            assert.match((err as Error).message, /relation "pg_stat_statements" does not exist/);
          }
          statementsChecked++;
        } else {
          await db.query(s.text);
        }
      }
      assert.equal(statementsChecked, 1, "one pg_stat_statements query");

      // "Monitoring Queries": each runs; what each returns is checked where it is knowable.
      assert.equal(doc.monitoring.length, 4);
      const uses = (s: Statement, word: string) => s.tokens.some((t) => t.value === word);
      const kinds = new Set<string>();
      for (const s of doc.monitoring) {
        if (uses(s, "pg_statio_user_tables")) {
          kinds.add("cache hit ratio");
          // On a database whose tables were never read the query divides by zero; these were.
          await waitForBlockStats(db);
          const [row] = await db.query<{ cache_hit_ratio: unknown }>(s.text);
          const ratio = Number(row.cache_hit_ratio);
          assert.ok(ratio >= 0 && ratio <= 1, `cache hit ratio ${row.cache_hit_ratio}`);
        } else if (uses(s, "pg_tables")) {
          kinds.add("table sizes");
          const rows = await db.query<{ schemaname: string; tablename: string; size: string }>(
            s.text,
          );
          for (const table of doc.tables.keys()) {
            const row = rows.find((r) => r.schemaname === "archiflow" && r.tablename === table);
            assert.ok(row && /\d+ (bytes|kB|MB)$/.test(row.size), `size of ${table}`);
          }
        } else if (uses(s, "interval")) {
          kinds.add("long-running");
          const rows = await db.query(s.text);
          for (const r of rows) assert.ok("pid" in r && "duration" in r && "query" in r);
        } else if (uses(s, "pg_stat_activity")) {
          kinds.add("connections");
          const [row] = await db.query<{ count: unknown }>(s.text);
          assert.ok(Number(row.count) >= 1, "this session is counted");
        }
      }
      assert.equal(kinds.size, 4, [...kinds].join(", "));
    });
  },
});

// ---------------------------------------------------------------------------------------------
// 5. Indexes

Deno.test({
  name: "every index of the document exists on the table, columns and predicate written",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    assert.ok(doc.indexes.some((i) => i.name === "idx_active_allocations" && i.where));
    assert.ok(doc.indexes.length > 1);
    await withMigrated(async (db) => {
      const actual = await indexesOf(db);
      const problems: string[] = [];
      for (const want of doc.indexes) {
        const got = actual.find((i) => i.name === want.name);
        if (!got) {
          problems.push(`${want.name}: missing`);
          continue;
        }
        const have = {
          table: got.table,
          unique: got.unique,
          method: got.method,
          columns: got.columns,
          where: got.predicate === null ? null : normalizeExpr(got.predicate),
        };
        const expect = {
          table: want.table,
          unique: want.unique,
          method: want.method,
          columns: want.columns,
          where: want.where === null ? null : normalizeExpr(want.where),
        };
        if (JSON.stringify(have) !== JSON.stringify(expect)) {
          problems.push(
            `${want.name}: ${JSON.stringify(have)}, document ${JSON.stringify(expect)}`,
          );
        }
      }
      assert.deepEqual(problems, [], problems.join("\n"));
    });
  },
});

// ---------------------------------------------------------------------------------------------
// 6. Row-level security, the read-only user, backup and restore

Deno.test({
  name: "the document's row-level security on diagrams is in effect",
  ignore: noDoc,
  async fn() {
    const doc = parseDoc(docText!);
    const policies = doc.rowLevelSecurity.filter((s) => startsWith(s, "create", "policy"))
      .map(parseCreatePolicy);
    const enable = doc.rowLevelSecurity.filter((s) => startsWith(s, "alter", "table"));
    assert.equal(policies.length + enable.length, doc.rowLevelSecurity.length);
    assert.ok(policies.length >= 1 && enable.length >= 1);
    await withMigrated(async (db) => {
      for (const p of policies) {
        const rows = await db.query<
          { cmd: string; permissive: string; roles: string[]; qual: string; with_check: null }
        >(
          `SELECT cmd, permissive, roles::text[] AS roles, qual, with_check FROM pg_policies
            WHERE schemaname = 'archiflow' AND tablename = $1 AND policyname = $2`,
          [p.table, p.name],
        );
        assert.equal(rows.length, 1, `policy ${p.name} on ${p.table}`);
        assert.equal(rows[0].cmd, p.command.toUpperCase());
        assert.equal(rows[0].permissive, "PERMISSIVE");
        assert.deepEqual(rows[0].roles, ["public"]);
        assert.equal(normalizeExpr(rows[0].qual), normalizeExpr(p.using!));
        assert.equal(rows[0].with_check, null);
      }
      for (const table of new Set(policies.map((p) => p.table))) {
        const [rel] = await db.query<{ on: boolean; forced: boolean }>(
          `SELECT relrowsecurity AS on, relforcerowsecurity AS forced FROM pg_class
            WHERE oid = ('archiflow.' || $1)::regclass`,
          [table],
        );
        // Enabled as the document writes, and not forced (it says nothing of FORCE).
        assert.deepEqual(rel, { on: true, forced: false });
      }
      // Already in effect: enabling again changes nothing, the policy exists already.
      for (const s of enable) await db.query(s.text);
      for (const s of doc.rowLevelSecurity.filter((s) => startsWith(s, "create", "policy"))) {
        const err = await failure(db.query(s.text));
        assert.equal(err.code, "42710", err.message);
      }
    });
  },
});

const randomSuffix = () => crypto.randomUUID().replaceAll("-", "").slice(0, 10);

function urlFor(base: string, database: string, user?: string, password?: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  if (user !== undefined) {
    url.username = user;
    url.password = password ?? "";
  }
  return url.toString();
}

/** Runs a document command line with its host, role and database replaced by ours. */
async function runCommand(
  cmd: DocCommand,
  target: { host: string; port: string; user: string; password: string; database: string },
  extra: string[],
  stdin?: Uint8Array,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const args: string[] = [];
  for (const [opt, value] of cmd.options) {
    if (opt === "-h") args.push("-h", target.host, "-p", target.port);
    else if (opt === "-U") args.push("-U", target.user);
    else if (opt === "-d") args.push("-d", target.database);
    else throw new Error(`Unexpected option ${opt} ${value} in "${cmd.line}"`);
  }
  const child = new Deno.Command(cmd.program, {
    args: [...args, ...extra],
    env: { PGPASSWORD: target.password },
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

async function tableCounts(db: Queryable): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'archiflow' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM archiflow."${name}"`,
    );
    out[name] = n;
  }
  return out;
}

Deno.test({
  name: "an ordinary owning role migrates, the document's read-only user reads everything and " +
    "writes nothing, its policy filters diagrams, and pg_dump/psql restore as the owner " +
    "(PostgreSQL only: roles, pg_dump and psql; ignored on PGlite)",
  ignore: noDoc || onPglite,
  async fn() {
    const doc = parseDoc(docText!);
    const base = Deno.env.get("DATABASE_URL")!;
    const baseUrl = new URL(base);
    const host = baseUrl.hostname || "127.0.0.1";
    const port = baseUrl.port || "5432";
    const suffix = randomSuffix();
    // The document's owner is archiflow_user and its database archiflow; both are unique here
    // so that runs in parallel and leftovers never meet.
    const owner = `archiflow_user_${suffix}`;
    const ownerPassword = `pw_${randomSuffix()}`;
    const database = `archiflow_seed_${suffix}`;
    const restored = `${database}_restored`;
    const readonly = `readonly_${suffix}`;

    const admin = postgres(base, { max: 1, onnotice: () => {} });
    const closers: (() => Promise<unknown>)[] = [];
    const dir = await Deno.makeTempDir({ prefix: "archiflow_seed_" });
    try {
      await admin.unsafe(`CREATE ROLE ${owner} LOGIN PASSWORD '${ownerPassword}'`);
      await admin.unsafe(`CREATE DATABASE ${database} OWNER ${owner}`);

      // Migrated by the owning role itself, connected as that role.
      const ownerDb = openPostgres(urlFor(base, database, owner, ownerPassword), { max: 2 });
      closers.push(() => ownerDb.close());
      await migrate(ownerDb);
      const [who] = await ownerDb.query<{ user: string; superuser: boolean; dba: string }>(
        `SELECT current_user AS user, r.rolsuper AS superuser,
                (SELECT pg_get_userbyid(datdba) FROM pg_database
                  WHERE datname = current_database()) AS dba
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      assert.deepEqual(who, { user: owner, superuser: false, dba: owner });
      const owners = await ownerDb.query<{ tableowner: string }>(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'archiflow'",
      );
      assert.deepEqual(owners.map((o) => o.tableowner), [owner]);
      await seed(ownerDb, doc);

      // The document's read-only user script as written, run by a superuser in the new
      // database; only the role name `readonly` and the database name `archiflow` (after ON
      // DATABASE; the schema archiflow stays) are replaced, by unique names.
      const su = postgres(urlFor(base, database), { max: 1, onnotice: () => {} });
      closers.push(() => su.end());
      let roPassword: string | undefined;
      for (const s of doc.readOnlyUser) {
        const text = replaceWords(s, (t, i, all) => {
          if (t.value === "readonly") return readonly;
          if (t.value === "archiflow" && all[i - 1]?.value === "database") return database;
        });
        const pw = s.tokens.findIndex((t) => t.value === "password");
        if (pw >= 0) roPassword = s.tokens[pw + 1].value;
        await su.unsafe(text);
      }
      assert.ok(roPassword, "the script gives the user a password");

      // The policy in effect: the owner (not forced) sees every diagram, another role only its own.
      for (const [id, by] of [["rls-readonly", readonly], ["rls-other", "someone-else"]]) {
        await ownerDb.query("INSERT INTO diagrams (id, name, created_by) VALUES ($1, $1, $2)", [
          id,
          by,
        ]);
      }
      const allDiagrams = SAMPLE_ROWS.filter((r) => r.table === "diagrams").length + 2;
      const [{ n: ownerSees }] = await ownerDb.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM diagrams",
      );
      assert.equal(ownerSees, allDiagrams);

      const ro = postgres(urlFor(base, database, readonly, roPassword), {
        max: 1,
        onnotice: () => {},
      });
      closers.push(() => ro.end());
      const seen = await ro.unsafe("SELECT id FROM diagrams ORDER BY id");
      assert.deepEqual(seen.map((r) => r.id), ["rls-readonly"]);

      // Every table and view of the schema: SELECT works, nothing else is granted or works.
      const relations = await su.unsafe<{ name: string; kind: string; privileges: string[] }[]>(
        `SELECT c.relname AS name, c.relkind::text AS kind,
                ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE',
                                                  'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
                       WHERE has_table_privilege($1, c.oid, p)) AS privileges
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'archiflow' AND c.relkind IN ('r', 'p', 'v', 'm')
          ORDER BY 1`,
        [readonly],
      );
      const names = relations.map((r) => r.name);
      for (const t of [...doc.tables.keys(), ...doc.views.map((v) => v.name)]) {
        assert.ok(names.includes(t), `${t} is in schema archiflow`);
      }
      for (const rel of relations) {
        assert.deepEqual(rel.privileges, ["SELECT"], `privileges of ${readonly} on ${rel.name}`);
        await ro.unsafe(`SELECT count(*) FROM archiflow."${rel.name}"`);
        if (rel.kind === "v" || rel.kind === "m") continue;
        const [firstColumn] = await columnsOf(ownerDb, rel.name);
        for (
          const write of [
            `INSERT INTO archiflow."${rel.name}" DEFAULT VALUES`,
            `UPDATE archiflow."${rel.name}" SET "${firstColumn.name}" = "${firstColumn.name}"
              WHERE false`,
            `DELETE FROM archiflow."${rel.name}" WHERE false`,
          ]
        ) {
          const err = await failure(ro.unsafe(write));
          assert.equal(err.code, "42501", `${write}: ${err.message}`);
        }
      }
      // Unqualified, as the document queries: the database's search path finds the schema.
      const roViews = await readViews(
        {
          query: (q) => ro.unsafe(typeof q === "string" ? q : q.text) as never,
          exec: () => Promise.resolve(),
        },
        doc,
      );
      assert.deepEqual(roViews, await readViews(ownerDb, doc));

      // The document's backup command as the owning role: no row-level security error (the
      // owner is not subject to the policy), and the policy itself is in the dump.
      const dumped = await runCommand(doc.dump, {
        host,
        port,
        user: owner,
        password: ownerPassword,
        database,
      }, []);
      assert.equal(dumped.code, 0, dumped.stderr);
      assert.equal(dumped.stderr, "");
      const dumpFile = `${dir}/${doc.dump.stdoutFile}`;
      await Deno.writeFile(dumpFile, dumped.stdout);
      const dumpText = new TextDecoder().decode(dumped.stdout);
      assert.match(dumpText, /CREATE POLICY user_diagrams ON archiflow\.diagrams/);
      assert.match(dumpText, /ALTER TABLE archiflow\.diagrams ENABLE ROW LEVEL SECURITY/);

      // The document's restore command into a fresh database of the same owner, stopping at
      // the first error.
      await admin.unsafe(`CREATE DATABASE ${restored} OWNER ${owner}`);
      assert.equal(doc.restore.stdinFile, doc.dump.stdoutFile);
      const restore = await runCommand(
        doc.restore,
        {
          host,
          port,
          user: owner,
          password: ownerPassword,
          database: restored,
        },
        ["-X", "-q", "-v", "ON_ERROR_STOP=1"],
        await Deno.readFile(dumpFile),
      );
      assert.equal(restore.code, 0, restore.stderr);
      assert.doesNotMatch(restore.stderr, /ERROR/);

      const restoredDb = openPostgres(urlFor(base, restored, owner, ownerPassword), { max: 2 });
      closers.push(() => restoredDb.close());
      const before = await tableCounts(ownerDb);
      const after = await tableCounts(restoredDb);
      assert.deepEqual(after, before);
      for (const table of doc.tables.keys()) assert.ok(before[table] > 0, `${table} has rows`);
      assert.deepEqual(await readViews(restoredDb, doc), await readViews(ownerDb, doc));
      const [{ n: policies }] = await restoredDb.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_policies WHERE policyname = 'user_diagrams'",
      );
      assert.equal(policies, 1);
    } finally {
      for (const close of closers.reverse()) await close().catch(() => {});
      for (
        const stmt of [
          `DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`,
          `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
          `DROP ROLE IF EXISTS ${readonly}`,
          `DROP ROLE IF EXISTS ${owner}`,
        ]
      ) {
        await admin.unsafe(stmt).catch((err) => console.error(`cleanup: ${stmt}: ${err}`));
      }
      await admin.end();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
