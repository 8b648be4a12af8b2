// The server process's own resource use under the names every Prometheus client library uses
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), so existing dashboards and
// alerts work unchanged. Read at scrape time from /proc/self on Linux; elsewhere only what the
// runtime itself can tell (resident memory, start time) is given and the rest is left out.
import type { MetricsRegistry } from "./metrics.ts";

export interface ProcessSnapshot {
  cpuSeconds?: number;
  residentBytes?: number;
  virtualBytes?: number;
  openFds?: number;
  maxFds?: number;
  startTimeSeconds?: number;
}

/**
 * Clock ticks per second in /proc's CPU and start times: the kernel's USER_HZ, which is 100 on
 * every Linux architecture's user ABI (the Prometheus procfs library assumes the same).
 */
const USER_HZ = 100;

/** Fields of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses). */
export function parseStat(
  text: string,
): { cpuTicks: number; startTicks: number; virtualBytes: number } {
  const rest = text.slice(text.lastIndexOf(")") + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15, starttime 22, vsize 23.
  const field = (n: number) => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc stat field ${n} is not a number`);
    return v;
  };
  return { cpuTicks: field(14) + field(15), startTicks: field(22), virtualBytes: field(23) };
}

/** The soft limit on open files from /proc/<pid>/limits; undefined when unlimited or absent. */
export function parseMaxFds(text: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/** The boot time (seconds since the epoch) from /proc/stat's btime line. */
export function parseBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

let startTime: number | undefined;

/** Reads what this platform offers; a file that cannot be read leaves its figures out. */
export async function readProcess(procRoot = "/proc"): Promise<ProcessSnapshot> {
  const snapshot: ProcessSnapshot = { residentBytes: Deno.memoryUsage().rss };
  if (Deno.build.os !== "linux") {
    snapshot.startTimeSeconds = performance.timeOrigin / 1000;
    return snapshot;
  }
  const read = (path: string) => Deno.readTextFile(`${procRoot}/${path}`).catch(() => null);
  const [stat, limits, system] = await Promise.all([
    read("self/stat"),
    read("self/limits"),
    startTime === undefined ? read("stat") : null,
  ]);
  try {
    if (stat !== null) {
      const s = parseStat(stat);
      snapshot.cpuSeconds = s.cpuTicks / USER_HZ;
      snapshot.virtualBytes = s.virtualBytes;
      const boot = system === null ? undefined : parseBootTime(system);
      if (boot !== undefined) startTime = boot + s.startTicks / USER_HZ;
    }
  } catch {
    // A kernel whose stat line reads differently: those figures are left out.
  }
  snapshot.startTimeSeconds = startTime;
  if (limits !== null) snapshot.maxFds = parseMaxFds(limits);
  try {
    let open = 0;
    for await (const _ of Deno.readDir(`${procRoot}/self/fd`)) open++;
    snapshot.openFds = open;
  } catch {
    // Not readable here (a sandbox): left out.
  }
  return snapshot;
}

/** Registers the process_* families; the returned function sets them from a snapshot. */
export function processMetrics(r: MetricsRegistry): (s: ProcessSnapshot) => void {
  const cpu = r.mirroredCounter(
    "process_cpu_seconds_total",
    "Total user and system CPU time spent in seconds.",
  );
  const resident = r.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  const virtual = r.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  const openFds = r.gauge("process_open_fds", "Number of open file descriptors.");
  const maxFds = r.gauge("process_max_fds", "Maximum number of open file descriptors.");
  const start = r.gauge(
    "process_start_time_seconds",
    "Start time of the process since unix epoch in seconds.",
  );
  const gauges = [
    [resident, "residentBytes"],
    [virtual, "virtualBytes"],
    [openFds, "openFds"],
    [maxFds, "maxFds"],
    [start, "startTimeSeconds"],
  ] as const;
  return (s) => {
    cpu.reset();
    if (s.cpuSeconds !== undefined) cpu.set(undefined, s.cpuSeconds);
    for (const [gauge, key] of gauges) {
      gauge.reset();
      const value = s[key];
      if (value !== undefined) gauge.set(undefined, value);
    }
  };
}
