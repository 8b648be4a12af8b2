// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format (version 0.0.4). Written here because the format is tiny and the
// usual client libraries pull in Node-specific process collectors we do not want.
//
// A series without labels exists from the start at zero (counters and histograms), so the first
// increment shows in rate() and increase(); a labelled series appears when first used or given
// with init(). A family with no series at all is left out of the output (a backend that cannot
// measure something shows nothing rather than a made-up zero).

export type Labels = Record<string, string>;

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Formats a sample value the way Prometheus reads it (+Inf, -Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`Invalid metric name ${name}`);
    for (const l of labelNames) {
      if (!LABEL.test(l) || l.startsWith("__")) throw new Error(`Invalid label name ${l}`);
    }
  }
  abstract readonly type: "counter" | "gauge" | "histogram";
  protected key(labels: Labels = {}): string[] {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || keys.some((k) => !this.labelNames.includes(k))) {
      throw new Error(`${this.name} takes labels ${this.labelNames.join(", ") || "(none)"}`);
    }
    return this.labelNames.map((n) => String(labels[n]));
  }
  abstract samples(): string[];
  render(): string {
    const body = this.samples();
    if (!body.length) return "";
    const head = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    return head + body.join("\n") + "\n";
  }
}

class ValueMetric extends Metric {
  readonly type: "counter" | "gauge";
  protected values = new Map<string, { labels: string[]; value: number }>();
  constructor(type: "counter" | "gauge", name: string, help: string, labelNames: string[]) {
    super(name, help, labelNames);
    this.type = type;
  }
  protected add(labels: Labels | undefined, delta: number): void {
    const values = this.key(labels);
    const k = JSON.stringify(values);
    const entry = this.values.get(k);
    if (entry) entry.value += delta;
    else this.values.set(k, { labels: values, value: delta });
  }
  get(labels?: Labels): number {
    return this.values.get(JSON.stringify(this.key(labels)))?.value ?? 0;
  }
  /** Makes the series exist (at zero) before anything counts in it. */
  init(labels?: Labels): void {
    this.add(labels, 0);
  }
  samples(): string[] {
    return [...this.values.values()].map((e) =>
      `${this.name}${labelText(this.labelNames, e.labels)} ${formatValue(e.value)}`
    );
  }
}

export class Counter extends ValueMetric {
  constructor(name: string, help: string, labelNames: string[] = []) {
    super("counter", name, help, labelNames);
    if (!labelNames.length) this.init();
  }
  inc(labels?: Labels, by = 1): void {
    if (by < 0) throw new Error(`Counter ${this.name} cannot decrease`);
    this.add(labels, by);
  }
}

/**
 * A counter kept by another system (PostgreSQL's statistics) and copied at scrape time: it only
 * shows once a value was read, and drops when that system resets it, which Prometheus reads as a
 * counter reset.
 */
export class MirroredCounter extends ValueMetric {
  constructor(name: string, help: string, labelNames: string[] = []) {
    super("counter", name, help, labelNames);
  }
  set(labels: Labels | undefined, value: number): void {
    if (!(value >= 0)) throw new Error(`Counter ${this.name} cannot be ${value}`);
    const values = this.key(labels);
    this.values.set(JSON.stringify(values), { labels: values, value });
  }
  /** Forgets every series (nothing was read this scrape). */
  reset(): void {
    this.values.clear();
  }
}

export class Gauge extends ValueMetric {
  constructor(name: string, help: string, labelNames: string[] = []) {
    super("gauge", name, help, labelNames);
  }
  set(labels: Labels | undefined, value: number): void {
    const values = this.key(labels);
    this.values.set(JSON.stringify(values), { labels: values, value });
  }
  inc(labels?: Labels, by = 1): void {
    this.add(labels, by);
  }
  /** Forgets every series (for gauges rebuilt on each scrape, so vanished pools disappear). */
  reset(): void {
    this.values.clear();
  }
}

export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram extends Metric {
  readonly type = "histogram" as const;
  #series = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    labelNames: string[] = [],
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, labelNames);
    if (labelNames.includes("le")) throw new Error("le is reserved in histograms");
    if (!labelNames.length) this.#seriesOf(undefined);
  }
  #seriesOf(labels: Labels | undefined) {
    const values = this.key(labels);
    const k = JSON.stringify(values);
    let s = this.#series.get(k);
    if (!s) {
      s = { labels: values, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    return s;
  }
  observe(labels: Labels | undefined, value: number): void {
    const s = this.#seriesOf(labels);
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }
  samples(): string[] {
    const out: string[] = [];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => {
        out.push(
          `${this.name}_bucket${labelText(this.labelNames, s.labels, `le="${formatValue(b)}"`)} ${
            s.counts[i]
          }`,
        );
      });
      out.push(
        `${this.name}_bucket${labelText(this.labelNames, s.labels, 'le="+Inf"')} ${s.count}`,
      );
      out.push(`${this.name}_sum${labelText(this.labelNames, s.labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  #metrics = new Map<string, Metric>();
  #register<M extends Metric>(m: M): M {
    if (this.#metrics.has(m.name)) throw new Error(`Metric ${m.name} is registered twice`);
    this.#metrics.set(m.name, m);
    return m;
  }
  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.#register(new Counter(name, help, labelNames));
  }
  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return this.#register(new Gauge(name, help, labelNames));
  }
  mirroredCounter(name: string, help: string, labelNames: string[] = []): MirroredCounter {
    return this.#register(new MirroredCounter(name, help, labelNames));
  }
  histogram(name: string, help: string, labelNames: string[] = [], buckets?: number[]): Histogram {
    return this.#register(new Histogram(name, help, labelNames, buckets));
  }
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join("");
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
