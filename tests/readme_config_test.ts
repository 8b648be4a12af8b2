// The README's "Configuration" table against the settings the server declares: every setting is
// in the table, the table names nothing else, and each default is the server's. The settings come
// from SETTINGS in server/config.ts (name and default as written in the environment); a
// config.ts without that list is read through its zod schema, where a field's default is what
// it parses an absent value to.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import * as config from "../server/config.ts";
import { readReadme, sectionTables, type TableRow } from "./support/readme.ts";

/** How the table writes a default: unset, empty, or a value in backticks. */
type Written = { kind: "unset" } | { kind: "empty" } | { kind: "value"; text: string };

interface Declared {
  name: string;
  /** Whether the README's default is the server's. */
  matches(written: Written): boolean;
  /** The server's default, as the table would write it (for messages). */
  shown: string;
}

type ConfigModule = { configSchema: typeof config.configSchema };

function declaredSettings(module: ConfigModule = config): Declared[] {
  const listed = (module as Record<string, unknown>).SETTINGS;
  if (Array.isArray(listed)) {
    return (listed as { name: string; default: string | null }[]).map((s) => ({
      name: s.name,
      shown: s.default === null ? "unset" : s.default === "" ? "empty" : `\`${s.default}\``,
      matches: (w) =>
        w.kind === "unset"
          ? s.default === null
          : w.kind === "empty"
          ? s.default === ""
          : w.text === s.default,
    }));
  }
  return Object.entries(module.configSchema.shape).map(([name, field]) => {
    const parsed = (value: string | undefined) => {
      const r = field.safeParse(value);
      return r.success ? { value: r.data as unknown } : null;
    };
    const absent = parsed(undefined)?.value;
    return {
      name,
      shown: absent === undefined ? "unset" : absent === "" ? "empty" : `\`${String(absent)}\``,
      matches: (w) => {
        if (w.kind === "unset") return absent === undefined;
        if (w.kind === "empty") return absent === "";
        // A field without a default in the schema may have one applied elsewhere (DB_PORT).
        const given = parsed(w.text);
        return given !== null && (absent === undefined || isDeepStrictEqual(given.value, absent));
      },
    };
  });
}

interface Documented {
  name: string;
  written: Written;
  line: number;
}

function documentedSettings(markdown: string): Documented[] {
  const tables = sectionTables(markdown, "Configuration");
  assert.ok(tables.length > 0, 'README.md: the "Configuration" section has no table');
  const out: Documented[] = [];
  for (const table of tables) {
    assert.deepEqual(
      table.header.slice(0, 2),
      ["variable", "default"],
      `README.md: a Configuration table's columns are "variable | default | meaning"`,
    );
    for (const row of table.rows) {
      const names = [...row.cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      const bad = names.find((n) => !/^[A-Z][A-Z0-9_]*$/.test(n));
      assert.ok(names.length && !bad, `README.md:${row.line}: "${row.cells[0]}" is not a setting`);
      const written = parseDefault(row);
      for (const name of names) out.push({ name, written, line: row.line });
    }
  }
  return out;
}

function parseDefault(row: TableRow): Written {
  const cell = row.cells[1] ?? "";
  if (cell === "unset") return { kind: "unset" };
  if (cell === "empty") return { kind: "empty" };
  const code = /^`([^`]*)`$/.exec(cell);
  assert.ok(code, `README.md:${row.line}: a default is unset, empty or \`value\`, not "${cell}"`);
  return { kind: "value", text: code[1] };
}

Deno.test("the README's configuration table names every setting once, and nothing else", async () => {
  const documented = documentedSettings(await readReadme());
  const declared = declaredSettings().map((s) => s.name);
  const names = documented.map((d) => d.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  assert.deepEqual(twice, [], "settings listed twice in the README's configuration table");
  assert.deepEqual(
    declared.filter((n) => !names.includes(n)),
    [],
    "settings the server reads that the README's configuration table does not list",
  );
  assert.deepEqual(
    documented.filter((d) => !declared.includes(d.name)).map((d) =>
      `README.md:${d.line} ${d.name}`
    ),
    [],
    "settings in the README's configuration table that the server does not read",
  );
});

Deno.test("every default in the README's configuration table is the server's", async () => {
  const declared = new Map(declaredSettings().map((s) => [s.name, s]));
  const wrong = documentedSettings(await readReadme())
    .filter((d) => declared.has(d.name) && !declared.get(d.name)!.matches(d.written))
    .map((d) =>
      `README.md:${d.line} ${d.name}: the server's default is ${declared.get(d.name)!.shown}`
    );
  assert.deepEqual(wrong, []);
});

Deno.test("the table reader refuses what it cannot compare", () => {
  const table = (row: string) =>
    documentedSettings(
      `## Configuration\n\n| variable | default | meaning |\n| - | - | - |\n${row}\n`,
    );
  assert.deepEqual(table("| `PORT`, `HOST` | `1` | x |").map((d) => [d.name, d.written, d.line]), [
    ["PORT", { kind: "value", text: "1" }, 5],
    ["HOST", { kind: "value", text: "1" }, 5],
  ]);
  assert.throws(() => table("| `PORT` | 3333 | x |"), /README.md:5: a default is unset, empty/);
  assert.throws(() => table("| port | `3333` | x |"), /is not a setting/);
  // The same settings whether config.ts lists them or only its schema declares them.
  const fromSchema = declaredSettings({ configSchema: config.configSchema });
  assert.deepEqual(fromSchema.map((s) => s.name), declaredSettings().map((s) => s.name));
  for (const settings of [declaredSettings(), fromSchema]) {
    const port = settings.find((s) => s.name === "PORT")!;
    assert.equal(port.matches({ kind: "value", text: "3333" }), true);
    assert.equal(port.matches({ kind: "value", text: "3334" }), false);
    assert.equal(port.matches({ kind: "unset" }), false);
    const url = settings.find((s) => s.name === "NETBOX_URL")!;
    assert.equal(url.matches({ kind: "unset" }), true);
  }
});
