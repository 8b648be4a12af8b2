// A strict reader of the Prometheus text exposition format (0.0.4) for tests: it rejects what
// Prometheus itself would reject (bad names, bad escapes, samples before TYPE, duplicate series,
// histograms whose buckets do not add up) and returns the samples for assertions.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | null;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseLabels(text: string, line: number): [Record<string, string>, number] {
  // text starts right after "{"; returns labels and the index just after "}".
  const labels: Record<string, string> = {};
  let i = 0;
  while (true) {
    if (text[i] === "}") return [labels, i + 1];
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m) throw new Error(`line ${line}: bad label at ${JSON.stringify(text.slice(i))}`);
    const name = m[1];
    if (!LABEL.test(name)) throw new Error(`line ${line}: bad label name ${name}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    i += m[0].length;
    let value = "";
    while (true) {
      const ch = text[i];
      if (ch === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (ch === "\n") throw new Error(`line ${line}: raw newline in label value`);
      if (ch === '"') break;
      if (ch === "\\") {
        const next = text[i + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`line ${line}: bad escape \\${next}`);
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    labels[name] = value;
    i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`line ${line}: expected , or } after label`);
  }
}

export function parsePrometheus(text: string): Map<string, Family> {
  if (text.length && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, Family>();
  const seenSeries = new Set<string>();
  const familyOf = (sample: string): Family | undefined => {
    const direct = families.get(sample);
    if (direct) return direct;
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (sample.endsWith(suffix)) {
        const f = families.get(sample.slice(0, -suffix.length));
        if (f && (f.type === "histogram" || f.type === "summary")) return f;
      }
    }
    return undefined;
  };
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(raw);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      let f = families.get(name);
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) {
          throw new Error(`line ${line}: bad type ${rest}`);
        }
        if (f && f.samples.length) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        if (f && f.type !== "untyped") throw new Error(`line ${line}: TYPE twice for ${name}`);
        if (!f) families.set(name, f = { name, type: "untyped", help: null, samples: [] });
        f.type = rest as Family["type"];
      } else {
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) {
          throw new Error(`line ${line}: bad escape in HELP`);
        }
        if (f && f.help !== null) throw new Error(`line ${line}: HELP twice for ${name}`);
        if (!f) families.set(name, f = { name, type: "untyped", help: null, samples: [] });
        f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      }
      return;
    }
    if (raw.trim() === "") throw new Error(`line ${line}: empty line`);
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
    if (!nameMatch) throw new Error(`line ${line}: bad sample ${JSON.stringify(raw)}`);
    const name = nameMatch[1];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      const [parsed, end] = parseLabels(rest.slice(1), line);
      labels = parsed;
      rest = rest.slice(1 + end);
    }
    const parts = rest.split(" ");
    if (parts[0] !== "" || parts.length < 2 || parts.length > 3) {
      throw new Error(`line ${line}: expected " value [timestamp]" in ${JSON.stringify(raw)}`);
    }
    const value = parseValue(parts[1], line);
    if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) {
      throw new Error(`line ${line}: bad timestamp`);
    }
    const family = familyOf(name);
    if (!family) throw new Error(`line ${line}: sample ${name} has no TYPE before it`);
    const series = name + JSON.stringify(Object.entries(labels).sort());
    if (seenSeries.has(series)) throw new Error(`line ${line}: duplicate series ${series}`);
    seenSeries.add(series);
    if (family.type === "counter" && !(value >= 0)) {
      throw new Error(`line ${line}: counter ${name} is negative`);
    }
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type !== "histogram") continue;
    const groups = new Map<string, Sample[]>();
    for (const s of f.samples) {
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const [key, samples] of groups) {
      const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
      const count = samples.find((s) => s.name === `${f.name}_count`);
      const sum = samples.find((s) => s.name === `${f.name}_sum`);
      if (!count || !sum) throw new Error(`${f.name}${key}: histogram without _sum or _count`);
      let last = -Infinity;
      let lastCount = 0;
      for (const b of buckets) {
        if (b.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
        const le = parseValue(b.labels.le, 0);
        if (le <= last) throw new Error(`${f.name}${key}: buckets out of order`);
        if (b.value < lastCount) throw new Error(`${f.name}${key}: buckets not cumulative`);
        last = le;
        lastCount = b.value;
      }
      if (last !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
      if (lastCount !== count.value) throw new Error(`${f.name}${key}: +Inf bucket != count`);
    }
  }
  return families;
}

/** The value of one series, or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
