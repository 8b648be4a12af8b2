// Reads the design document's Markdown: its fenced code blocks (with the headings they sit
// under), its SQL split into statements, and the statements the schema tests need parsed
// (CREATE TABLE, CREATE VIEW, CREATE INDEX, CREATE POLICY). The parser is small but strict: a
// construct it does not know is an error, so a changed document fails loudly instead of being
// half-read.
// Over 400 lines on purpose: one small parser for the one document, whose parts (blocks,
// statements, each statement kind) are read together and fail together.

export interface DocBlock {
  /** The fence's language ("sql", "bash", "" when none). */
  lang: string;
  /** Titles of the headings the block sits under, outermost first. */
  headings: string[];
  /** The last non-blank line before the fence (e.g. "2. **User Permissions**"). */
  lead: string;
  /** The block's content, with the fence's indentation removed. */
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced code block of a Markdown text, indented ones (inside list items) included. */
export function readBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  const stack: { level: number; title: string }[] = [];
  let lead = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
      stack.push({ level, title: heading[2] });
      lead = heading[2];
      continue;
    }
    const open = /^(\s*)```\s*([\w+-]*)\s*$/.exec(line);
    if (!open) {
      if (line.trim()) lead = line.trim();
      continue;
    }
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) {
      const l = lines[j];
      const blank = l.slice(0, indent);
      body.push(blank.trim() === "" ? l.slice(indent) : l.trimStart());
      j++;
    }
    if (j >= lines.length) throw new Error(`The code block at line ${i + 1} is not closed`);
    blocks.push({
      lang: open[2].toLowerCase(),
      headings: stack.map((h) => h.title),
      lead,
      text: body.join("\n"),
      line: i + 1,
    });
    i = j;
  }
  return blocks;
}

/** The blocks of one language under a heading with exactly this title; at least one. */
export function blocksUnder(blocks: DocBlock[], title: string, lang = "sql"): DocBlock[] {
  const found = blocks.filter((b) => b.lang === lang && b.headings.includes(title));
  if (found.length === 0) {
    throw new Error(`The document has no \`\`\`${lang} block under a heading "${title}"`);
  }
  return found;
}

/** The one block of a language whose lead line contains `lead` (e.g. "User Permissions"). */
export function blockLedBy(blocks: DocBlock[], lead: string, lang = "sql"): DocBlock {
  const found = blocks.filter((b) => b.lang === lang && b.lead.includes(lead));
  if (found.length !== 1) {
    throw new Error(
      `Expected one \`\`\`${lang} block introduced by "${lead}", found ${found.length}`,
    );
  }
  return found[0];
}

// ---------------------------------------------------------------------------------------------
// Tokens

export type TokenKind = "word" | "quoted" | "string" | "number" | "param" | "punct" | "op";

export interface Token {
  kind: TokenKind;
  /** The token as written. */
  text: string;
  /** Words lower-cased; quoted identifiers and strings unquoted. */
  value: string;
  start: number;
  end: number;
}

const OP_CHARS = "+-*/<>=~!@#%^&|`?:";

/** Splits SQL into tokens, skipping blanks and comments (-- to the line end, nested block). */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string) =>
    out.push({
      kind,
      text: sql.slice(start, end),
      value: value ?? sql.slice(start, end),
      start,
      end,
    });
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith("--", i)) {
      const eol = sql.indexOf("\n", i);
      i = eol < 0 ? n : eol + 1;
    } else if (sql.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (sql.startsWith("/*", i)) depth++, i += 2;
        else if (sql.startsWith("*/", i)) depth--, i += 2;
        else if (i >= n) throw new Error("Unterminated /* comment in SQL");
        else i++;
      } while (depth > 0);
    } else if (c === "'" || c === '"') {
      const start = i++;
      let value = "";
      for (;;) {
        if (i >= n) throw new Error(`Unterminated ${c} quote in SQL at offset ${start}`);
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i++];
      }
      push(c === "'" ? "string" : "quoted", start, i, value);
    } else if (c === "$") {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const param = /^\$\d+/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new Error(`Unterminated ${tag[0]} quote in SQL`);
        push("string", i, close + tag[0].length, sql.slice(i + tag[0].length, close));
        i = close + tag[0].length;
      } else if (param) {
        push("param", i, i + param[0].length);
        i += param[0].length;
      } else {
        throw new Error(`Unexpected $ in SQL at offset ${i}`);
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      push("word", i, i + m[0].length, m[0].toLowerCase());
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i))!;
      push("number", i, i + m[0].length);
      i += m[0].length;
    } else if ("(),;[].".includes(c)) {
      push("punct", i, i + 1);
      i++;
    } else if (OP_CHARS.includes(c)) {
      const start = i;
      while (
        i < n && OP_CHARS.includes(sql[i]) && !sql.startsWith("--", i) && !sql.startsWith("/*", i)
      ) i++;
      push("op", start, i);
    } else {
      throw new Error(`Unexpected character ${JSON.stringify(c)} in SQL at offset ${i}`);
    }
  }
  return out;
}

export interface Statement {
  /** The statement as written, from its first token to its last (no trailing semicolon). */
  text: string;
  /** Its tokens, offsets relative to `text`. */
  tokens: Token[];
}

/** Splits a script at top-level semicolons; comment-only pieces are dropped. */
export function splitStatements(script: string): Statement[] {
  const tokens = tokenize(script);
  const out: Statement[] = [];
  let current: Token[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const base = current[0].start;
    out.push({
      text: script.slice(base, current[current.length - 1].end),
      tokens: current.map((t) => ({ ...t, start: t.start - base, end: t.end - base })),
    });
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === ";") flush();
    else current.push(t);
  }
  flush();
  return out;
}

/** The statements of several blocks, in order. */
export function statementsOf(blocks: DocBlock[]): Statement[] {
  return blocks.flatMap((b) => splitStatements(b.text));
}

/** True when the statement starts with these words (case-insensitive). */
export function startsWith(stmt: Statement, ...words: string[]): boolean {
  return words.every((w, i) => stmt.tokens[i]?.kind === "word" && stmt.tokens[i].value === w);
}

/** The statement's text with some unquoted words replaced, everything else kept as written. */
export function replaceWords(
  stmt: Statement,
  replace: (token: Token, index: number, tokens: Token[]) => string | undefined,
): string {
  let out = "";
  let at = 0;
  stmt.tokens.forEach((t, i) => {
    if (t.kind !== "word") return;
    const r = replace(t, i, stmt.tokens);
    if (r === undefined) return;
    out += stmt.text.slice(at, t.start) + r;
    at = t.end;
  });
  return out + stmt.text.slice(at);
}

// ---------------------------------------------------------------------------------------------
// A cursor over one statement's tokens

class Cursor {
  pos = 0;
  constructor(readonly tokens: Token[], readonly text: string, readonly what: string) {}

  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }
  done(): boolean {
    return this.pos >= this.tokens.length;
  }
  isWord(...words: string[]): boolean {
    return words.every((w, i) => {
      const t = this.peek(i);
      return t?.kind === "word" && t.value === w;
    });
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t?.kind === "punct" && t.text === p;
  }
  takeWord(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.pos += words.length;
    return true;
  }
  expectWord(...words: string[]): void {
    if (!this.takeWord(...words)) this.fail(`expected ${words.join(" ").toUpperCase()}`);
  }
  expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(`expected "${p}"`);
    this.pos++;
  }
  /** An identifier (plain word or quoted); a qualified a.b yields b. */
  name(): string {
    const t = this.peek();
    if (t?.kind !== "word" && t?.kind !== "quoted") this.fail("expected a name");
    this.pos++;
    if (this.isPunct(".")) {
      this.pos++;
      return this.name();
    }
    return t!.value;
  }
  /** Consumes "( ... )" and returns the tokens inside. */
  group(): Token[] {
    this.expectPunct("(");
    const start = this.pos;
    let depth = 1;
    while (!this.done()) {
      const t = this.peek()!;
      if (t.kind === "punct" && (t.text === "(" || t.text === "[")) depth++;
      if (t.kind === "punct" && (t.text === ")" || t.text === "]")) depth--;
      if (depth === 0) {
        const inner = this.tokens.slice(start, this.pos);
        this.pos++;
        return inner;
      }
      this.pos++;
    }
    return this.fail("unbalanced parentheses");
  }
  /** A parenthesised, comma-separated list of names. */
  nameList(): string[] {
    return splitTopLevel(this.group()).map((part) => {
      const c = new Cursor(part, this.text, this.what);
      const name = c.name();
      if (!c.done()) c.fail("expected a plain column name");
      return name;
    });
  }
  raw(tokens: Token[]): string {
    return tokens.length ? this.text.slice(tokens[0].start, tokens[tokens.length - 1].end) : "";
  }
  fail(message: string): never {
    const t = this.peek();
    const where = t ? `at "${this.text.slice(t.start, t.start + 40)}"` : "at the end";
    throw new Error(`Cannot read ${this.what}: ${message} ${where}`);
  }
}

/** Splits tokens at commas outside parentheses and brackets. */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && (t.text === "(" || t.text === "[")) depth++;
    if (t.kind === "punct" && (t.text === ")" || t.text === "]")) depth--;
    if (depth === 0 && t.kind === "punct" && t.text === ",") parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
}

// ---------------------------------------------------------------------------------------------
// CREATE TABLE

export interface DocType {
  /** Upper-case type name, multi-word ones joined ("TIMESTAMP WITH TIME ZONE"). */
  name: string;
  args: number[];
  array: boolean;
  /** The type as SQL, usable in a cast ("VARCHAR(50)", "TEXT[]"). */
  sql: string;
}

export type RefAction = "no action" | "restrict" | "cascade" | "set null" | "set default";

export interface ForeignKeyDef {
  columns: string[];
  table: string;
  /** Empty when the document names only the table (its primary key is meant). */
  refColumns: string[];
  onDelete: RefAction;
  onUpdate: RefAction;
}

export interface ColumnDef {
  name: string;
  type: DocType;
  notNull: boolean;
  primaryKey: boolean;
  unique: boolean;
  /** The DEFAULT expression as written, or null. */
  default: string | null;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  primaryKey: string[];
  uniques: string[][];
  foreignKeys: ForeignKeyDef[];
  checks: string[];
}

const COLUMN_STOP = new Set([
  "not",
  "null",
  "primary",
  "unique",
  "references",
  "check",
  "constraint",
  "default",
  "collate",
  "generated",
]);

function readType(c: Cursor): DocType {
  const first = c.peek();
  if (first?.kind !== "word") c.fail("expected a type");
  c.pos++;
  let name = first!.value.toUpperCase();
  const follow: Record<string, string> = {
    DOUBLE: "precision",
    CHARACTER: "varying",
    BIT: "varying",
  };
  if (follow[name] && c.takeWord(follow[name])) name += ` ${follow[name].toUpperCase()}`;
  let args: number[] = [];
  if (c.isPunct("(")) {
    args = splitTopLevel(c.group()).map((p) => {
      if (p.length !== 1 || p[0].kind !== "number") c.fail("expected a number in a type modifier");
      return Number(p[0].text);
    });
  }
  if ((name === "TIMESTAMP" || name === "TIME") && c.isWord("with", "time", "zone")) {
    c.pos += 3;
    name += " WITH TIME ZONE";
  } else if ((name === "TIMESTAMP" || name === "TIME") && c.isWord("without", "time", "zone")) {
    c.pos += 3;
  }
  let array = false;
  while (c.isPunct("[")) {
    c.pos++;
    if (c.peek()?.kind === "number") c.pos++;
    c.expectPunct("]");
    array = true;
  }
  const sql = name + (args.length ? `(${args.join(", ")})` : "") + (array ? "[]" : "");
  return { name, args, array, sql };
}

function readAction(c: Cursor): RefAction {
  if (c.takeWord("cascade")) return "cascade";
  if (c.takeWord("restrict")) return "restrict";
  if (c.takeWord("no", "action")) return "no action";
  if (c.takeWord("set", "null")) return "set null";
  if (c.takeWord("set", "default")) return "set default";
  return c.fail("expected a referential action");
}

function readReferences(c: Cursor, columns: string[]): ForeignKeyDef {
  c.expectWord("references");
  const table = c.name();
  const refColumns = c.isPunct("(") ? c.nameList() : [];
  const fk: ForeignKeyDef = {
    columns,
    table,
    refColumns,
    onDelete: "no action",
    onUpdate: "no action",
  };
  for (;;) {
    if (c.takeWord("on", "delete")) fk.onDelete = readAction(c);
    else if (c.takeWord("on", "update")) fk.onUpdate = readAction(c);
    else if (c.takeWord("match")) c.name();
    else if (c.takeWord("not", "deferrable") || c.takeWord("deferrable")) continue;
    else if (c.takeWord("initially")) c.name();
    else return fk;
  }
}

export function parseCreateTable(stmt: Statement): TableDef {
  const c = new Cursor(stmt.tokens, stmt.text, "a CREATE TABLE statement");
  c.expectWord("create", "table");
  c.takeWord("if", "not", "exists");
  const table: TableDef = {
    name: c.name(),
    columns: [],
    primaryKey: [],
    uniques: [],
    foreignKeys: [],
    checks: [],
  };
  const body = c.group();
  if (!c.done()) c.fail("unexpected text after the column list");
  for (const part of splitTopLevel(body)) {
    const e = new Cursor(part, stmt.text, `table ${table.name}`);
    if (e.takeWord("constraint")) e.name();
    if (e.takeWord("primary", "key")) {
      table.primaryKey = e.nameList();
    } else if (e.takeWord("unique")) {
      table.uniques.push(e.nameList());
    } else if (e.takeWord("foreign", "key")) {
      const cols = e.nameList();
      table.foreignKeys.push(readReferences(e, cols));
    } else if (e.takeWord("check")) {
      table.checks.push(e.raw(e.group()));
    } else {
      const col: ColumnDef = {
        name: e.name(),
        type: readType(e),
        notNull: false,
        primaryKey: false,
        unique: false,
        default: null,
      };
      while (!e.done()) {
        if (e.takeWord("constraint")) e.name();
        else if (e.takeWord("not", "null")) col.notNull = true;
        else if (e.takeWord("null")) col.notNull = false;
        else if (e.takeWord("primary", "key")) col.primaryKey = true;
        else if (e.takeWord("unique")) col.unique = true;
        else if (e.isWord("references")) table.foreignKeys.push(readReferences(e, [col.name]));
        else if (e.takeWord("check")) table.checks.push(e.raw(e.group()));
        else if (e.takeWord("default")) {
          const start = e.pos;
          let depth = 0;
          while (!e.done()) {
            const t = e.peek()!;
            if (t.kind === "punct" && t.text === "(") depth++;
            if (t.kind === "punct" && t.text === ")") depth--;
            if (depth === 0 && t.kind === "word" && COLUMN_STOP.has(t.value)) break;
            e.pos++;
          }
          if (e.pos === start) e.fail("expected a default expression");
          col.default = e.raw(part.slice(start, e.pos));
        } else {
          e.fail(`unexpected modifier of column ${col.name}`);
        }
      }
      if (col.primaryKey) table.primaryKey = [col.name];
      if (col.unique) table.uniques.push([col.name]);
      table.columns.push(col);
    }
    if (!e.done()) e.fail("unexpected text in a table constraint");
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// CREATE VIEW, CREATE INDEX, CREATE POLICY

export interface ViewDef {
  name: string;
  /** The output column names of its select list, in order. */
  columns: string[];
}

export function parseCreateView(stmt: Statement): ViewDef {
  const c = new Cursor(stmt.tokens, stmt.text, "a CREATE VIEW statement");
  c.expectWord("create");
  c.takeWord("or", "replace");
  c.expectWord("view");
  const name = c.name();
  c.expectWord("as");
  c.expectWord("select");
  c.takeWord("distinct");
  const start = c.pos;
  let depth = 0;
  while (!c.done()) {
    const t = c.peek()!;
    if (t.kind === "punct" && t.text === "(") depth++;
    if (t.kind === "punct" && t.text === ")") depth--;
    if (depth === 0 && t.kind === "word" && t.value === "from") break;
    c.pos++;
  }
  if (c.done()) c.fail("expected FROM after the select list");
  const columns = splitTopLevel(stmt.tokens.slice(start, c.pos)).map((item) => {
    // Output name: the word after a top-level AS, else the column of a plain (qualified) name.
    let d = 0;
    let alias: string | undefined;
    item.forEach((t, i) => {
      if (t.kind === "punct" && t.text === "(") d++;
      if (t.kind === "punct" && t.text === ")") d--;
      if (d === 0 && t.kind === "word" && t.value === "as") alias = item[i + 1]?.value;
    });
    if (alias) return alias;
    const last = item[item.length - 1];
    const plain = item.every((t, i) =>
      i % 2 === 0 ? t.kind === "word" || t.kind === "quoted" : t.kind === "punct" && t.text === "."
    );
    if (!plain) c.fail(`cannot tell the name of select item "${c.raw(item)}"`);
    return last.value;
  });
  return { name, columns };
}

export interface IndexDef {
  name: string;
  table: string;
  unique: boolean;
  method: string;
  /** Key columns (plain names) or expressions as written. */
  columns: string[];
  /** The WHERE predicate as written, or null. */
  where: string | null;
}

export function parseCreateIndex(stmt: Statement): IndexDef {
  const c = new Cursor(stmt.tokens, stmt.text, "a CREATE INDEX statement");
  c.expectWord("create");
  const unique = c.takeWord("unique");
  c.expectWord("index");
  c.takeWord("concurrently");
  c.takeWord("if", "not", "exists");
  const name = c.name();
  c.expectWord("on");
  c.takeWord("only");
  const table = c.name();
  const method = c.takeWord("using") ? c.name() : "btree";
  const columns = splitTopLevel(c.group()).map((part) =>
    part.length === 1 && (part[0].kind === "word" || part[0].kind === "quoted")
      ? part[0].value
      : c.raw(part)
  );
  let where: string | null = null;
  if (c.takeWord("where")) {
    where = c.raw(stmt.tokens.slice(c.pos));
    c.pos = stmt.tokens.length;
  }
  if (!c.done()) c.fail("unexpected text after the index columns");
  return { name, table, unique, method, columns, where };
}

export interface PolicyDef {
  name: string;
  table: string;
  command: string;
  using: string | null;
  withCheck: string | null;
}

export function parseCreatePolicy(stmt: Statement): PolicyDef {
  const c = new Cursor(stmt.tokens, stmt.text, "a CREATE POLICY statement");
  c.expectWord("create", "policy");
  const name = c.name();
  c.expectWord("on");
  const table = c.name();
  const policy: PolicyDef = { name, table, command: "all", using: null, withCheck: null };
  while (!c.done()) {
    if (c.takeWord("as")) c.name();
    else if (c.takeWord("for")) policy.command = c.name();
    else if (c.takeWord("to")) {
      c.name();
      while (c.isPunct(",")) c.pos++, c.name();
    } else if (c.takeWord("using")) policy.using = c.raw(c.group());
    else if (c.takeWord("with", "check")) policy.withCheck = c.raw(c.group());
    else c.fail("unexpected clause");
  }
  return policy;
}

// ---------------------------------------------------------------------------------------------
// Shell commands of the document's backup and recovery blocks

export interface DocCommand {
  program: string;
  /** Options as written: "-h" -> "archiflow-postgres". */
  options: Map<string, string>;
  /** The file after ">" or "<", when the line redirects. */
  stdoutFile: string | null;
  stdinFile: string | null;
  line: string;
}

/** The one command line of a block starting with `program` and containing every `needle`. */
export function findCommand(block: DocBlock, program: string, ...needles: string[]): DocCommand {
  const lines = block.text.split("\n").map((l) => l.trim())
    .filter((l) => l.startsWith(`${program} `) && needles.every((n) => l.includes(n)));
  if (lines.length !== 1) {
    throw new Error(
      `Expected one "${program}" line with ${needles.join(", ")} in the document's block at ` +
        `line ${block.line}, found ${lines.length}`,
    );
  }
  const line = lines[0];
  const words = line.split(/\s+/).slice(1);
  const cmd: DocCommand = { program, options: new Map(), stdoutFile: null, stdinFile: null, line };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === ">" || w === "<") {
      const file = words[++i];
      if (!file) throw new Error(`No file after ${w} in "${line}"`);
      if (w === ">") cmd.stdoutFile = file;
      else cmd.stdinFile = file;
    } else if (/^-[A-Za-z]$/.test(w) && words[i + 1] !== undefined) {
      cmd.options.set(w, words[++i]);
    } else {
      throw new Error(`Cannot read "${w}" in "${line}"`);
    }
  }
  return cmd;
}
