// Command lines of the `deno task` entry points. Each task declares its options once (and which
// of them may also be given as a bare argument: `deno task backup FILE` is `--out FILE`);
// parseCommand() turns the arguments into typed values, the --help text or a one-line complaint,
// and runTask() maps those and the task's own failures to exit statuses: 0 for help, 2 for bad
// arguments, 1 for a task that failed, always in one line without a stack trace. Parsing is pure,
// so everything but runTask's printing is tested without a process.

export type OptionType = "string" | "boolean" | "integer";

export interface OptionSpec {
  readonly type: OptionType;
  /** One line for the help, lower case, no final full stop. */
  readonly description: string;
  /** Name of the value in the help: `--out <file>`. */
  readonly value?: string;
  readonly default?: string | number | boolean;
  /** The default as the help shows it, when it is computed at run time. */
  readonly defaultText?: string;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** Smallest integer accepted. */
  readonly min?: number;
  /** Largest integer accepted. */
  readonly max?: number;
}

export interface CommandSpec {
  /** As typed after `deno task`: "backup", "token create". */
  readonly name: string;
  /** One sentence for the help. */
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Options that may also be given as bare arguments, in this order. */
  readonly positionals?: readonly string[];
  /** Groups of options of which at most one may be given. */
  readonly exclusive?: readonly (readonly string[])[];
  /** A full command line that works. */
  readonly example: string;
  /** Extra lines for the help (settings read from the environment, side effects). */
  readonly notes?: readonly string[];
}

/** A task with subcommands (`deno task token create ...`). */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly CommandSpec[];
  readonly example: string;
  readonly notes?: readonly string[];
}

type ValueOf<O extends OptionSpec> = O["type"] extends "boolean" ? boolean
  : O["type"] extends "integer" ? number
  : O extends { readonly choices: readonly (infer C)[] } ? C
  : string;

/** The parsed values: present for booleans, options with a default and required options. */
export type Values<S extends CommandSpec> = {
  -readonly [K in keyof S["options"]]: S["options"][K] extends
    { readonly type: "boolean" } | { readonly default: unknown } | { readonly required: true }
    ? ValueOf<S["options"][K]>
    : ValueOf<S["options"][K]> | undefined;
};

export type Parsed<T> =
  | { readonly kind: "run"; readonly command: string; readonly value: T }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "usage"; readonly message: string };

/** Bad arguments found after parsing (a combination the task refuses): exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Help line of the tasks that open the configured database. */
export const DATABASE_NOTE =
  "Database: PostgreSQL from DATABASE_URL, the DB_* or the PG* settings; without them PGlite in\n" +
  "ARCHIFLOW_DATA_DIR (default ./data), which a running server must not hold.";

/** Help lines stay within a terminal of this many columns. */
const HELP_WIDTH = 100;

const HELP = new Set(["--help", "-h"]);

/** The one-line complaint about the arguments of `command`, pointing to its help. */
export function usageLine(command: string, problem: string): string {
  return `deno task ${command}: ${oneLine(problem)} (see deno task ${command} --help)`;
}

/** Reads `argv` against `spec`. Never throws for any input. */
export function parseCommand<S extends CommandSpec>(
  spec: S,
  argv: readonly string[],
): Parsed<Values<S>> {
  if (wantsHelp(argv)) return { kind: "help", text: formatHelp(spec) };
  const bad = (problem: string): Parsed<never> => ({
    kind: "usage",
    message: usageLine(spec.name, problem),
  });
  const given = new Map<string, string | boolean>();
  const bare: string[] = [];
  let onlyArguments = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyArguments || arg === "-" || !arg.startsWith("-")) {
      bare.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyArguments = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? arg.slice(2, eq > 0 ? eq : undefined) : "";
    const option = Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
    if (!option) return bad(`unknown option ${eq > 0 ? arg.slice(0, eq) : arg}`);
    if (given.has(name)) return bad(`option --${name} is given twice`);
    if (option.type === "boolean") {
      if (eq > 0) return bad(`option --${name} takes no value`);
      given.set(name, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    // A value that looks like an option is a forgotten value (`--user --scope write`);
    // `--user=--odd` still passes one.
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
      return bad(`option --${name} needs a value`);
    }
    if (eq < 0) i++;
    given.set(name, value);
  }
  const slots = spec.positionals ?? [];
  if (bare.length > slots.length) {
    return bad(
      slots.length
        ? `too many arguments: ${bare.map((a) => JSON.stringify(a)).join(" ")}`
        : `unexpected argument ${JSON.stringify(bare[0])}`,
    );
  }
  for (const [i, text] of bare.entries()) {
    const name = slots[i];
    if (given.has(name)) {
      return bad(`the ${valueName(spec, name)} is given twice: as an argument and as --${name}`);
    }
    if (text === "") return bad(`the ${valueName(spec, name)} is empty`);
    given.set(name, text);
  }
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const text = given.get(name);
    if (text === undefined) {
      if (option.required) return bad(`missing ${describeMissing(spec, name)}`);
      values[name] = option.type === "boolean" ? false : option.default;
      continue;
    }
    const value = convert(name, option, text);
    if (typeof value === "object") return bad(value.problem);
    values[name] = value;
  }
  for (const group of spec.exclusive ?? []) {
    const set = group.filter((name) => given.has(name));
    if (set.length > 1) return bad(`${set.map((n) => `--${n}`).join(" and ")} exclude each other`);
  }
  return { kind: "run", command: spec.name, value: values as Values<S> };
}

/**
 * Turns parsed values into the task's own value; a UsageError thrown by `f` (a value the
 * options' types cannot express, such as an unreadable date) becomes the complaint.
 */
export function mapParsed<T, U>(parsed: Parsed<T>, f: (value: T) => U): Parsed<U> {
  if (parsed.kind !== "run") return parsed;
  try {
    return { kind: "run", command: parsed.command, value: f(parsed.value) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { kind: "usage", message: usageLine(parsed.command, err.message) };
  }
}

/**
 * Picks the subcommand named by the first argument and parses the rest against it. `parse`
 * turns the chosen command's arguments into the task's own value.
 */
export function parseGroup<T>(
  group: CommandGroup,
  argv: readonly string[],
  parse: (command: CommandSpec, rest: readonly string[]) => Parsed<T>,
): Parsed<T> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    return { kind: "usage", message: usageLine(group.name, `missing command (${names(group)})`) };
  }
  if (HELP.has(first)) return { kind: "help", text: formatGroupHelp(group) };
  const command = group.commands.find((c) => c.name === `${group.name} ${first}`);
  if (!command) {
    const what = first.startsWith("-") ? "give the command first" : `unknown command "${first}"`;
    return { kind: "usage", message: usageLine(group.name, `${what} (${names(group)})`) };
  }
  return parse(command, rest);
}

/** The --help text of one command. */
export function formatHelp(spec: CommandSpec): string {
  const slots = spec.positionals ?? [];
  const synopsis = [`deno task ${spec.name}`];
  for (const name of slots) {
    const slot = `<${valueName(spec, name)}>`;
    synopsis.push(spec.options[name].required ? slot : `[${slot}]`);
  }
  if (Object.keys(spec.options).some((n) => !slots.includes(n))) synopsis.push("[options]");
  const rows: [string, string][] = Object.entries(spec.options).map(([name, option]) => {
    const left = option.type === "boolean" ? `--${name}` : `--${name} <${valueName(spec, name)}>`;
    const extra: string[] = [];
    if (option.choices) extra.push(`one of ${option.choices.join(", ")}`);
    if (slots.includes(name)) extra.push("or as an argument");
    if (option.required) extra.push("required");
    const shown = option.defaultText ?? (option.type === "boolean" ? undefined : option.default);
    if (shown !== undefined) extra.push(`default ${shown}`);
    return [left, option.description + (extra.length ? ` (${extra.join("; ")})` : "")];
  });
  rows.push(["-h, --help", "show this help"]);
  return [
    `Usage: ${synopsis.join(" ")}`,
    "",
    spec.summary,
    "",
    "Options:",
    ...table(rows),
    ...(spec.notes?.length ? ["", ...spec.notes] : []),
    "",
    "Example:",
    `  ${spec.example}`,
  ].join("\n");
}

/** The --help text of a task with subcommands. */
export function formatGroupHelp(group: CommandGroup): string {
  const rows: [string, string][] = group.commands.map((c) => [
    c.name.slice(group.name.length + 1),
    c.summary,
  ]);
  return [
    `Usage: deno task ${group.name} <command> [options]`,
    "",
    group.summary,
    "",
    "Commands:",
    ...table(rows),
    "",
    `Each command has its own help: deno task ${group.name} <command> --help`,
    ...(group.notes?.length ? ["", ...group.notes] : []),
    "",
    "Example:",
    `  ${group.example}`,
  ].join("\n");
}

/** A failure as one line: the message with its causes, whitespace folded. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    const text = oneLine(e instanceof Error ? e.message || e.name : String(e));
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}

export interface TaskOutput {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE: TaskOutput = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/**
 * Runs a task on its parsed arguments and returns the exit status: help printed (0), bad
 * arguments (2), the task's own status or 0, or 1 with `failure: <cause>` when it throws.
 * A UsageError thrown by the task counts as bad arguments.
 */
export async function runTask<T>(
  parsed: Parsed<T>,
  failure: string,
  task: (value: T) => Promise<number | void>,
  output: TaskOutput = CONSOLE,
): Promise<number> {
  if (parsed.kind === "help") {
    output.out(parsed.text);
    return 0;
  }
  if (parsed.kind === "usage") {
    output.err(parsed.message);
    return 2;
  }
  try {
    return (await task(parsed.value)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      output.err(usageLine(parsed.command, err.message));
      return 2;
    }
    output.err(`${failure}: ${describeError(err)}`);
    return 1;
  }
}

function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => HELP.has(a));
}

function convert(
  name: string,
  option: OptionSpec,
  text: string | boolean,
): string | number | boolean | { problem: string } {
  if (typeof text === "boolean") return text;
  if (option.choices && !option.choices.includes(text)) {
    return { problem: `--${name} must be one of ${option.choices.join(", ")}, not "${text}"` };
  }
  if (option.type !== "integer") return text;
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) return { problem: `--${name} needs a whole number, not "${text}"` };
  if (option.min !== undefined && n < option.min) {
    return { problem: `--${name} must be at least ${option.min}, not ${n}` };
  }
  if (option.max !== undefined && n > option.max) {
    return { problem: `--${name} must be at most ${option.max}, not ${n}` };
  }
  return n;
}

function valueName(spec: CommandSpec, name: string): string {
  return spec.options[name].value ?? name;
}

function describeMissing(spec: CommandSpec, name: string): string {
  const option = `--${name} <${valueName(spec, name)}>`;
  return spec.positionals?.includes(name)
    ? `the ${valueName(spec, name)}: give it as an argument or as ${option}`
    : option;
}

function names(group: CommandGroup): string {
  return group.commands.map((c) => c.name.slice(group.name.length + 1)).join(", ");
}

/** Two columns, the right one wrapped to keep lines within HELP_WIDTH. */
function table(rows: readonly [string, string][]): string[] {
  const width = Math.min(24, Math.max(...rows.map(([left]) => left.length)) + 2);
  const room = HELP_WIDTH - 2 - width;
  return rows.flatMap(([left, right]) => {
    const lines = wrap(right, room);
    const first = left.length + 2 > width ? [`  ${left}`, ""] : [`  ${left.padEnd(width)}`];
    const pad = `  ${"".padEnd(width)}`;
    if (first.length === 2) return [first[0], ...lines.map((l) => pad + l)];
    return [first[0] + lines[0], ...lines.slice(1).map((l) => pad + l)];
  });
}

function wrap(text: string, room: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
