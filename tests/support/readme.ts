// Reads README.md the way its tests need it: the blocks of its walkthrough with what each is
// for, the pipe tables of a section, and a matcher for the outputs the README shows.
//
// In the "## Walkthrough" section every ```sh (or bash) and ```python block runs, in order, and a
// ```text block right after one is what it prints (`…` = any text, `<name>` = a value that
// later blocks use as `<name>`). Exceptions are marked with an HTML comment before the block,
// invisible when the README is rendered:
//
//   <!-- readme-test: server -->                          the block starts the server
//   <!-- readme-test: after stopping the server -->       Ctrl+C the server, then run the block
//   <!-- readme-test: not run: <reason> -->               shown only, for the reason given
//
// Elsewhere, a command or output block must be marked `not run: <reason>`. The parser is strict:
// an unknown marker, a marker that introduces nothing or an output with no command before it is
// an error naming its line, so nothing is skipped without saying so.

export const README_PATH = new URL("../../README.md", import.meta.url);
export const WALKTHROUGH = "Walkthrough";

export async function readReadme(): Promise<string> {
  return await Deno.readTextFile(README_PATH);
}

export type Role =
  | { kind: "run"; stopServer: boolean }
  | { kind: "server" }
  | { kind: "output" }
  | { kind: "not-run"; reason: string };

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language ("sh", "python", "text", "" when none). */
  lang: string;
  text: string;
  /** The `## ` section it is in. */
  section: string;
  /** What the test does with it; null for blocks that are neither commands nor outputs. */
  role: Role | null;
}

const COMMAND_LANGS = new Set(["sh", "bash", "shell", "console", "python"]);
const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

type Marker = { kind: "server" } | { kind: "stop" } | { kind: "not-run"; reason: string };

function parseMarker(text: string, line: number): Marker {
  if (text === "server") return { kind: "server" };
  if (text === "after stopping the server") return { kind: "stop" };
  const notRun = /^not run:\s*(\S.*)$/.exec(text);
  if (notRun) return { kind: "not-run", reason: notRun[1] };
  throw new Error(`README.md:${line}: unknown readme-test marker "${text}"`);
}

/** Every fenced block of the README at the margin, with its section and role. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: ReadmeBlock[] = [];
  let section = "";
  let pending: { marker: Marker; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const marker = MARKER.exec(line.trim());
    if (marker) {
      if (pending) throw new Error(`README.md:${pending.line}: marker introduces no code block`);
      pending = { marker: parseMarker(marker[1], i + 1), line: i + 1 };
      continue;
    }
    const open = /^(`{3,})\s*([\w+-]*)\s*$/.exec(line);
    if (!open) {
      if (line.trim() && pending) {
        throw new Error(`README.md:${pending.line}: marker is not followed by a code block`);
      }
      const heading = /^## (.*?)\s*$/.exec(line);
      if (heading) section = heading[1];
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j].trimEnd() !== open[1]) body.push(lines[j++]);
    if (j >= lines.length) throw new Error(`README.md:${i + 1}: code block is not closed`);
    const lang = open[2].toLowerCase();
    const where = { line: i + 1, lang, text: body.join("\n"), section };
    blocks.push({ ...where, role: roleOf(where, pending?.marker ?? null, blocks.at(-1)) });
    pending = null;
    i = j;
  }
  if (pending) throw new Error(`README.md:${pending.line}: marker introduces no code block`);
  return blocks;
}

function roleOf(
  block: { line: number; lang: string; text: string; section: string },
  marker: Marker | null,
  previous: ReadmeBlock | undefined,
): Role | null {
  const where = `README.md:${block.line}`;
  const command = COMMAND_LANGS.has(block.lang);
  if (marker?.kind === "not-run") {
    if (!command && block.lang !== "text") {
      throw new Error(`${where}: only command and output blocks are marked "not run"`);
    }
    return { kind: "not-run", reason: marker.reason };
  }
  if (block.section !== WALKTHROUGH) {
    if (marker) throw new Error(`${where}: only walkthrough blocks run`);
    if (command || block.lang === "text") {
      throw new Error(
        `${where}: a \`\`\`${block.lang} block outside the walkthrough is marked ` +
          `<!-- readme-test: not run: <reason> -->`,
      );
    }
    return null;
  }
  if (block.lang === "text") {
    if (marker) throw new Error(`${where}: an output block takes no marker`);
    const before = previous?.role?.kind;
    if (previous?.section !== WALKTHROUGH || (before !== "run" && before !== "server")) {
      throw new Error(`${where}: an output block must follow the command block it shows`);
    }
    return { kind: "output" };
  }
  if (!command) {
    throw new Error(
      `${where}: the walkthrough holds command (sh, python) and output (text) blocks`,
    );
  }
  if (marker?.kind === "server") {
    if (block.lang === "python" || block.text.trim().includes("\n")) {
      throw new Error(`${where}: a server block is one shell command`);
    }
    return { kind: "server" };
  }
  return { kind: "run", stopServer: marker?.kind === "stop" };
}

export interface TableRow {
  /** 1-based line in the README. */
  line: number;
  cells: string[];
}

export interface Table {
  /** The header row's cells, lower-cased. */
  header: string[];
  rows: TableRow[];
}

/** The pipe tables of the `## title` section (until the next `## ` heading). */
export function sectionTables(markdown: string, title: string): Table[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trimEnd() === `## ${title}`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const tables: Table[] = [];
  let current: Table | null = null;
  let inFence = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^`{3,}/.test(line)) inFence = !inFence;
    if (inFence) continue;
    if (/^## /.test(line)) break;
    if (!line.startsWith("|")) {
      current = null;
      continue;
    }
    const cells = splitRow(line);
    if (!current) {
      current = { header: cells.map((c) => c.toLowerCase()), rows: [] };
      tables.push(current);
    } else if (!cells.every((c) => /^:?-+:?$/.test(c))) current.rows.push({ line: i + 1, cells });
  }
  return tables;
}

/** Cells of a pipe-table row; as in GitHub's tables, only `\|` is a pipe inside a cell. */
function splitRow(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/)
    .map((c) => c.trim().replaceAll("\\|", "|"));
}

/**
 * Checks that every non-blank line of `expected` matches a line of `actual`, in order (other
 * lines may come between). `…` matches any text; `<name>` captures a value, or must equal the
 * one captured before. Returns the values captured, or throws saying which line was not found.
 */
export function matchOutput(
  expected: string,
  actual: string,
  known: Record<string, string> = {},
): Record<string, string> {
  const captured: Record<string, string> = { ...known };
  const outLines = actual.split(/\r?\n/).map((l) => l.trimEnd());
  let at = 0;
  for (const want of expected.split(/\r?\n/).map((l) => l.trimEnd()).filter(Boolean)) {
    const names: string[] = [];
    const pattern = want.split(/(…|<[a-z][a-z-]*>)/).map((part) => {
      if (part === "…") return ".*?";
      const name = /^<([a-z][a-z-]*)>$/.exec(part)?.[1];
      if (!name) return escapeRegExp(part);
      if (name in captured) return escapeRegExp(captured[name]);
      // A value named twice on one line must be the same value both times.
      if (names.includes(name)) return `\\${names.indexOf(name) + 1}`;
      names.push(name);
      return "([^\\s\"'<>]+)";
    }).join("");
    const regex = new RegExp(`^${pattern}$`);
    let found = false;
    for (; at < outLines.length; at++) {
      const m = regex.exec(outLines[at]);
      if (!m) continue;
      names.forEach((name, k) => captured[name] = m[k + 1]);
      at++;
      found = true;
      break;
    }
    if (!found) throw new Error(`expected a line matching\n  ${want}\nafter the lines before it`);
  }
  return captured;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
