// Structured JSON logs, one object per line. Secrets are never passed in; fields named like
// secrets are masked anyway as a second line of defence.
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SECRET = /token|secret|password|authorization|key/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg };
    for (const [k, v] of Object.entries({ ...base, ...fields })) {
      line[k] = SECRET.test(k) && typeof v === "string" ? "[redacted]" : v;
    }
    const text = JSON.stringify(line);
    if (ORDER[lvl] >= ORDER.warn) console.error(text);
    else console.log(text);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}
