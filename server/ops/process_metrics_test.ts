import assert from "node:assert/strict";
import { parsePrometheus, sampleValue } from "../../tests/ops_prom_parser.ts";
import { MetricsRegistry } from "./metrics.ts";
import {
  parseBootTime,
  parseMaxFds,
  parseStat,
  processMetrics,
  readProcess,
} from "./process_metrics.ts";

Deno.test("parseStat() reads CPU ticks, start ticks and virtual size past an odd command name", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[14 - 3] = "250"; // utime
  fields[15 - 3] = "50"; // stime
  fields[22 - 3] = "12345"; // starttime
  fields[23 - 3] = "987654321"; // vsize
  const line = `4242 (deno) (x) ${fields.join(" ")}\n`;
  assert.deepEqual(parseStat(line), {
    cpuTicks: 300,
    startTicks: 12345,
    virtualBytes: 987654321,
  });
  assert.throws(() => parseStat("1 (short) S 1 2\n"), /field 14/);
});

Deno.test("parseMaxFds() and parseBootTime() read the soft limit and btime", () => {
  const limits = "Limit                     Soft Limit           Hard Limit           Units\n" +
    "Max processes             63459                63459                processes\n" +
    "Max open files            1024                 524288               files\n";
  assert.equal(parseMaxFds(limits), 1024);
  assert.equal(
    parseMaxFds("Max open files            unlimited            unlimited            files\n"),
    undefined,
  );
  assert.equal(parseBootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 9\n"), 1700000000);
  assert.equal(parseBootTime("cpu  1 2 3\n"), undefined);
});

Deno.test("readProcess() gives the usual process_* figures of this process", async () => {
  const r = new MetricsRegistry();
  processMetrics(r)(await readProcess());
  const families = parsePrometheus(r.render());
  const v = (name: string) => sampleValue(families, name);
  assert.ok(v("process_resident_memory_bytes")! > 0);
  const start = v("process_start_time_seconds")!;
  assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - 86400, String(start));
  if (Deno.build.os !== "linux") return;
  assert.ok(v("process_cpu_seconds_total")! > 0);
  assert.ok(v("process_virtual_memory_bytes")! >= v("process_resident_memory_bytes")!);
  assert.ok(v("process_open_fds")! > 0);
  assert.ok(v("process_max_fds")! >= v("process_open_fds")!);
});

Deno.test("readProcess() leaves out what an unreadable /proc cannot give", async () => {
  const r = new MetricsRegistry();
  processMetrics(r)(await readProcess("/nonexistent-proc-root"));
  const families = parsePrometheus(r.render());
  assert.ok(sampleValue(families, "process_resident_memory_bytes")! > 0);
  assert.equal(sampleValue(families, "process_open_fds"), undefined);
  assert.equal(sampleValue(families, "process_max_fds"), undefined);
});
