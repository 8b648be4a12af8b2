import assert from "node:assert/strict";
import {
  type CommandGroup,
  type CommandSpec,
  describeError,
  formatHelp,
  parseCommand,
  parseGroup,
  runTask,
  UsageError,
} from "./cli.ts";

const COPY = {
  name: "copy",
  summary: "Copies things.",
  options: {
    out: { type: "string", value: "file", description: "where to write" },
    count: { type: "integer", min: 1, max: 100, default: 10, description: "how many" },
    mode: { type: "string", choices: ["fast", "slow"], default: "fast", description: "speed" },
    force: { type: "boolean", description: "overwrite" },
    quiet: { type: "boolean", description: "say nothing" },
    loud: { type: "boolean", description: "say everything" },
  },
  positionals: ["out"],
  exclusive: [["quiet", "loud"]],
  example: "deno task copy backup.gz --count 3",
} as const satisfies CommandSpec;

const LOAD = {
  name: "load",
  summary: "Loads a file.",
  options: { in: { type: "string", value: "file", required: true, description: "what to read" } },
  positionals: ["in"],
  example: "deno task load backup.gz",
} as const satisfies CommandSpec;

const valuesOf = (argv: string[]) => {
  const p = parseCommand(COPY, argv);
  if (p.kind !== "run") throw new Error(p.kind === "usage" ? p.message : "help");
  return p.value;
};

function usage(spec: CommandSpec, argv: string[]): string {
  const p = parseCommand(spec, argv);
  assert.equal(p.kind, "usage", `expected a complaint about ${JSON.stringify(argv)}`);
  const message = (p as { message: string }).message;
  assert.equal(message.split("\n").length, 1, "one line");
  assert.match(message, new RegExp(`\\(see deno task ${spec.name} --help\\)$`));
  return message;
}

Deno.test("parseCommand() fills defaults and reads options in both spellings", () => {
  assert.deepEqual(valuesOf([]), {
    out: undefined,
    count: 10,
    mode: "fast",
    force: false,
    quiet: false,
    loud: false,
  });
  const v = valuesOf(["--out", "a.gz", "--count=7", "--mode", "slow", "--force"]);
  assert.deepEqual([v.out, v.count, v.mode, v.force], ["a.gz", 7, "slow", true]);
  assert.equal(valuesOf(["--out=--odd"]).out, "--odd");
});

Deno.test("parseCommand() takes a bare argument as the option it stands for", () => {
  assert.equal(valuesOf(["a.gz"]).out, "a.gz");
  assert.equal(valuesOf(["--force", "a.gz", "--count", "2"]).out, "a.gz");
  assert.equal(valuesOf(["--", "--strange-name"]).out, "--strange-name");
  assert.equal(valuesOf(["-"]).out, "-");
  const p = parseCommand(LOAD, ["b.gz"]);
  assert.ok(p.kind === "run" && p.value.in === "b.gz");
});

Deno.test("parseCommand() names each kind of bad argument in one line", () => {
  assert.match(usage(COPY, ["--bogus"]), /^deno task copy: unknown option --bogus \(/);
  assert.match(usage(COPY, ["--bogus=1"]), /unknown option --bogus \(/);
  assert.match(usage(COPY, ["-x"]), /unknown option -x \(/);
  assert.match(usage(COPY, ["--out"]), /option --out needs a value/);
  assert.match(usage(COPY, ["--out", "--force"]), /option --out needs a value/);
  assert.match(usage(COPY, ["--out="]), /option --out needs a value/);
  assert.match(usage(COPY, ["--count", "abc"]), /--count needs a whole number, not "abc"/);
  assert.match(usage(COPY, ["--count", "1.5"]), /--count needs a whole number/);
  assert.match(usage(COPY, ["--count", "0"]), /--count must be at least 1, not 0/);
  assert.match(usage(COPY, ["--count", "101"]), /--count must be at most 100, not 101/);
  assert.match(usage(COPY, ["--mode", "warp"]), /--mode must be one of fast, slow, not "warp"/);
  assert.match(usage(COPY, ["--force=yes"]), /option --force takes no value/);
  assert.match(usage(COPY, ["--count", "2", "--count", "3"]), /option --count is given twice/);
  assert.match(usage(COPY, ["a.gz", "b.gz"]), /too many arguments: "a.gz" "b.gz"/);
  assert.match(usage(COPY, ["a.gz", "--out", "b.gz"]), /the file is given twice/);
  assert.match(usage(COPY, ["--quiet", "--loud"]), /--quiet and --loud exclude each other/);
  assert.match(usage(LOAD, []), /missing the file: give it as an argument or as --in <file>/);
  const { positionals: _, ...noArguments } = COPY;
  assert.match(usage(noArguments, ["a.gz"]), /unexpected argument "a.gz"/);
  // The prototype's names are not options.
  assert.match(usage(COPY, ["--constructor", "x"]), /unknown option --constructor/);
});

Deno.test("--help wins over everything else on the line, except after --", () => {
  for (const argv of [["--help"], ["-h"], ["--bogus", "--help"], ["a", "b", "c", "-h"]]) {
    const p = parseCommand(COPY, argv);
    assert.equal(p.kind, "help", argv.join(" "));
  }
  assert.equal(valuesOf(["--", "--help"]).out, "--help");
});

Deno.test("the help shows the usage, every option with its default, and an example", () => {
  const text = formatHelp(COPY);
  const lines = text.split("\n");
  assert.equal(lines[0], "Usage: deno task copy [<file>] [options]");
  assert.match(text, /--out <file> +where to write \(or as an argument\)/);
  assert.match(text, /--count <count> +how many \(default 10\)/);
  assert.match(text, /--mode <mode> +speed \(one of fast, slow; default fast\)/);
  assert.match(text, /--force +overwrite\n/);
  assert.match(text, /-h, --help +show this help/);
  assert.match(text, /Example:\n {2}deno task copy backup.gz --count 3$/);
  assert.equal(formatHelp(LOAD).split("\n")[0], "Usage: deno task load <file>");
  const long = "a rather long description that keeps going ".repeat(4).trim();
  const wide = formatHelp({
    ...COPY,
    options: { ...COPY.options, out: { ...COPY.options.out, description: long } },
  });
  const wrapped = wide.split("\n");
  assert.ok(wrapped.every((l) => l.length <= 100), "no help line is wider than 100 columns");
  const at = wrapped.findIndex((l) => l.startsWith("  --out <file>"));
  const column = wrapped[at].indexOf("a rather");
  assert.match(wrapped[at + 1], new RegExp(`^ {${column}}\\S`), "it goes on under itself");
  assert.match(formatHelp(LOAD), /what to read \(or as an argument; required\)/);
});

const GROUP: CommandGroup = {
  name: "tool",
  summary: "Does several things.",
  commands: [COPY, LOAD].map((c) => ({ ...c, name: `tool ${c.name}` })),
  example: "deno task tool copy a.gz",
};

Deno.test("parseGroup() picks the subcommand, or explains which ones exist", () => {
  const pick = (argv: string[]) =>
    parseGroup(GROUP, argv, (command, rest) => parseCommand(command, rest));
  const p = pick(["load", "x.gz"]);
  assert.ok(p.kind === "run" && p.command === "tool load");
  assert.deepEqual(p.value, { in: "x.gz" });
  const top = pick(["--help"]);
  assert.ok(top.kind === "help");
  assert.match(top.text, /^Usage: deno task tool <command> \[options\]/);
  assert.match(top.text, /\n {2}copy +Copies things\.\n {2}load +Loads a file\./);
  const sub = pick(["copy", "--help"]);
  assert.ok(sub.kind === "help" && sub.text.startsWith("Usage: deno task tool copy"));
  for (
    const [argv, problem] of [
      [[], /^deno task tool: missing command \(copy, load\)/],
      [["paste"], /^deno task tool: unknown command "paste" \(copy, load\)/],
      [["--in", "x", "load"], /give the command first/],
      [["load", "--nope"], /^deno task tool load: unknown option --nope \(see deno task tool load/],
    ] as const
  ) {
    const bad = pick([...argv]);
    assert.ok(bad.kind === "usage", argv.join(" "));
    assert.match(bad.message, problem);
  }
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

Deno.test("runTask() maps help, bad arguments and failures to 0, 2 and 1", async () => {
  let ran = 0;
  const task = (v: { out?: string }) => {
    ran++;
    if (v.out === "boom") {
      throw new Error("Cannot open\n  file", { cause: new Error("disk gone") });
    }
    if (v.out === "clash") throw new UsageError("a.gz and b.gz clash");
    return Promise.resolve(v.out === "three" ? 3 : undefined);
  };
  const help = capture();
  assert.equal(await runTask(parseCommand(COPY, ["-h"]), "Copy failed", task, help.output), 0);
  assert.match(help.out.join(""), /^Usage: deno task copy/);
  const bad = capture();
  assert.equal(await runTask(parseCommand(COPY, ["--x"]), "Copy failed", task, bad.output), 2);
  assert.deepEqual(bad.err, ["deno task copy: unknown option --x (see deno task copy --help)"]);
  assert.equal(ran, 0, "neither help nor bad arguments run the task");

  const failed = capture();
  assert.equal(await runTask(parseCommand(COPY, ["boom"]), "Copy failed", task, failed.output), 1);
  assert.deepEqual(failed.err, ["Copy failed: Cannot open file: disk gone"]);
  const clash = capture();
  assert.equal(await runTask(parseCommand(COPY, ["clash"]), "Copy failed", task, clash.output), 2);
  assert.deepEqual(clash.err, [
    "deno task copy: a.gz and b.gz clash (see deno task copy --help)",
  ]);
  assert.equal(
    await runTask(parseCommand(COPY, ["three"]), "Copy failed", task, capture().output),
    3,
  );
  assert.equal(await runTask(parseCommand(COPY, []), "Copy failed", task, capture().output), 0);
});

Deno.test("describeError() keeps the cause and never returns an empty line", () => {
  assert.equal(describeError(new Error("outer", { cause: new Error("inner") })), "outer: inner");
  assert.equal(describeError(new Error("same", { cause: new Error("same") })), "same");
  assert.equal(describeError("plain text"), "plain text");
  assert.equal(describeError(new Error("")), "Error");
  assert.equal(describeError(undefined), "unknown error");
});
