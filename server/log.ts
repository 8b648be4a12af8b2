// Structured JSON logs, one object per line. Secrets are never passed in; fields named like
// secrets are masked anyway as a second line of defence.
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SECRET = /token|secret|password|authorization|key/i;
/**
 * Query parameter names that carry secrets. Names are matched after percent-decoding, as URL
 * parsers decode them: `?%74oken=` is the `token` parameter to the server, so it is to the log.
 */
const SECRET_PARAM = /token|key|secret|passw|^sig$|signature|auth|credential/i;
const QUERY_PARAM = /([?&;])([^=&#;?\s"]+)=([^&#\s"]*)/g;

/** A parameter name as a URL parser sees it; lenient, so a stray % cannot hide a name. */
function decodeName(name: string): string {
  let out = name.replace(/\+/g, " ");
  // Decoded again while it changes: a name encoded twice may be decoded twice downstream.
  for (let i = 0; i < 3 && out.includes("%"); i++) {
    const next = out.replace(
      /%([0-9a-f]{2})/gi,
      (_, hex) => String.fromCharCode(parseInt(hex, 16)),
    );
    if (next === out) break;
    out = next;
  }
  return out;
}

/** Secrets that can hide inside a value: query parameters, auth headers, URL credentials. */
const SECRET_IN_TEXT: [RegExp, (match: string, ...groups: string[]) => string][] = [
  [
    QUERY_PARAM,
    (match, sep, name) => SECRET_PARAM.test(decodeName(name)) ? `${sep}${name}=[redacted]` : match,
  ],
  [/\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, (_, scheme) => `${scheme} [redacted]`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]*@/gi, (_, head) => `${head}[redacted]@`],
];

/** Text none of SECRET_IN_TEXT can match (most log text), found with one cheap test. */
const MAYBE_SECRET_IN_TEXT = /[=@]|(?:Token|Bearer|Basic)\s/;

/** Removes secrets from free text (URLs, error messages, headers). */
export function redactText(text: string): string {
  if (!MAYBE_SECRET_IN_TEXT.test(text)) return text;
  let out = text;
  for (const [re, to] of SECRET_IN_TEXT) out = out.replace(re, to);
  return out;
}

function redactValue(key: string, v: unknown, depth = 0): unknown {
  if (
    SECRET.test(key) && v !== null && v !== undefined && typeof v !== "boolean" &&
    typeof v !== "number"
  ) return "[redacted]";
  if (typeof v === "string") return redactText(v);
  if (depth < 4 && v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map((
        [k, x],
      ) => [k, redactValue(k, x, depth + 1)]),
    );
  }
  if (depth < 4 && Array.isArray(v)) return v.map((x) => redactValue("", x, depth + 1));
  return v;
}

/** Where log lines go; tests pass their own to read what would be written. */
export type LogSink = (line: string, level: LogLevel) => void;

// Info and debug lines are written to stdout together once per turn of the event loop (one
// write instead of one per line: a busy server logs a line per tool call). Warnings and errors
// go to stderr at once, after the lines logged before them.
let buffered: string[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/** Writes the buffered stdout lines now (before exiting, for instance). */
export function flushLogs(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  if (!buffered.length) return;
  const text = buffered.join("\n");
  buffered = [];
  console.log(text);
}

// Also before an uncaught error ends the process (the listeners do not handle the error).
for (const event of ["unload", "error", "unhandledrejection"]) {
  globalThis.addEventListener(event, flushLogs);
}

const consoleSink: LogSink = (text, level) => {
  if (ORDER[level] >= ORDER.warn) {
    flushLogs();
    console.error(text);
    return;
  }
  buffered.push(text);
  flushTimer ??= setTimeout(flushLogs, 0);
};

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  sink: LogSink = consoleSink,
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: lvl,
      msg: redactText(msg),
    };
    for (const [k, v] of Object.entries({ ...base, ...fields })) line[k] = redactValue(k, v);
    sink(JSON.stringify(line), lvl);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}
