import assert from "node:assert/strict";
import { parsePrometheus, sampleValue } from "../../tests/ops_prom_parser.ts";
import { escapeLabelValue, MetricsRegistry } from "./metrics.ts";

Deno.test("label values escape backslashes, quotes and newlines", () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

Deno.test("a registry renders counters, gauges and histograms that parse back", () => {
  const r = new MetricsRegistry();
  const c = r.counter("x_total", "Things\nwith a \\ in help.", ["kind"]);
  const g = r.gauge("y", "A gauge.");
  const h = r.histogram("z_seconds", "A histogram.", ["op"], [0.1, 1]);
  c.inc({ kind: 'we"ird\\\nname' });
  c.inc({ kind: 'we"ird\\\nname' }, 2);
  g.set(undefined, -1.5);
  h.observe({ op: "a" }, 0.05);
  h.observe({ op: "a" }, 0.5);
  h.observe({ op: "a" }, 5);
  const families = parsePrometheus(r.render());
  assert.equal(families.get("x_total")?.help, "Things\nwith a \\ in help.");
  assert.equal(sampleValue(families, "x_total", { kind: 'we"ird\\\nname' }), 3);
  assert.equal(sampleValue(families, "y"), -1.5);
  assert.equal(sampleValue(families, "z_seconds_bucket", { op: "a", le: "0.1" }), 1);
  assert.equal(sampleValue(families, "z_seconds_bucket", { op: "a", le: "1" }), 2);
  assert.equal(sampleValue(families, "z_seconds_bucket", { op: "a", le: "+Inf" }), 3);
  assert.equal(sampleValue(families, "z_seconds_count", { op: "a" }), 3);
  assert.equal(sampleValue(families, "z_seconds_sum", { op: "a" }), 5.55);
});

Deno.test("the registry refuses wrong labels, bad names and decreasing counters", () => {
  const r = new MetricsRegistry();
  const c = r.counter("a_total", "A.", ["x"]);
  assert.throws(() => c.inc({ y: "1" }));
  assert.throws(() => c.inc({ x: "1" }, -1));
  assert.throws(() => r.counter("a_total", "again"));
  assert.throws(() => r.gauge("bad-name", "B."));
  assert.throws(() => r.histogram("h", "H.", ["le"]));
});

Deno.test("the test parser rejects malformed exposition text", () => {
  const bad = [
    "x 1\n", // no TYPE
    "# TYPE x counter\nx -1\n", // negative counter
    '# TYPE x gauge\nx{a="1",a="2"} 1\n', // label twice
    '# TYPE x gauge\nx{a="\\q"} 1\n', // bad escape
    "# TYPE x gauge\nx 1\nx 2\n", // duplicate series
    "# TYPE x gauge\nx one\n", // bad value
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    "# TYPE x gauge\nx 1", // no final newline
  ];
  for (const text of bad) assert.throws(() => parsePrometheus(text), Error, text);
});

Deno.test("series without labels start at zero; empty labelled families are left out", () => {
  const r = new MetricsRegistry();
  r.counter("plain_total", "Counted from the start.");
  r.histogram("plain_seconds", "Observed from the start.", [], [1]);
  r.counter("by_kind_total", "Counted per kind.", ["kind"]);
  r.gauge("unset", "Never set.");
  const known = r.counter("known_total", "Known label sets.", ["kind"]);
  known.init({ kind: "a" });
  const text = r.render();
  const families = parsePrometheus(text);
  assert.equal(sampleValue(families, "plain_total"), 0);
  assert.equal(sampleValue(families, "plain_seconds_count"), 0);
  assert.equal(sampleValue(families, "known_total", { kind: "a" }), 0);
  assert.ok(!text.includes("by_kind_total"), text);
  assert.ok(!text.includes("unset"), text);
});

Deno.test("a mirrored counter takes another system's total, and refuses a negative one", () => {
  const r = new MetricsRegistry();
  const m = r.mirroredCounter("copied_total", "Copied.");
  assert.ok(!r.render().includes("copied_total"));
  m.set(undefined, 41);
  m.set(undefined, 40);
  assert.equal(sampleValue(parsePrometheus(r.render()), "copied_total"), 40);
  assert.throws(() => m.set(undefined, -1));
  assert.throws(() => m.set(undefined, NaN));
  m.reset();
  assert.equal(r.render(), "");
});
