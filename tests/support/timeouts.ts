// A time limit for every test. Deno.test takes no timeout, so `deno task test` preloads this
// module (`--preload`), which wraps Deno.test: a test that has not finished within its limit
// fails with a message naming it, and the run goes on with the next test instead of hanging.
// Limits: ARCHIFLOW_TEST_TIMEOUT_MS (default 300 s); tests wrapped in slow(), and every test of a
// file that calls slowFile(), get ARCHIFLOW_SLOW_TEST_TIMEOUT_MS (default 900 s). The defaults
// leave room for a full parallel run on a busy two-core machine; a hang still ends the test.
// Importing this module from a test (for slow() or slowFile()) installs the same wrapper, once,
// for the tests that file registers.

const limitFrom = (name: string, fallback: number): number => {
  const raw = Deno.env.get(name);
  const ms = raw ? Number(raw) : fallback;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${name} must be a positive number of ms`);
  return ms;
};

const defaultLimit = limitFrom("ARCHIFLOW_TEST_TIMEOUT_MS", 300_000);
const slowLimit = limitFrom("ARCHIFLOW_SLOW_TEST_TIMEOUT_MS", 900_000);

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

// Shared through the global object so that one wrapper serves however the module is reached.
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for("archiflow.testTimeouts")] ??= {
  slow: new WeakSet<TestFn>(),
  slowFile: false,
  installed: false,
}) as { slow: WeakSet<TestFn>; slowFile: boolean; installed: boolean };

/** Marks a test function as slow: it gets the larger limit (a browser, a NetBox, a cluster). */
export function slow<F extends TestFn>(fn: F): F {
  state.slow.add(fn);
  return fn;
}

/**
 * Gives every test registered after this call the slow limit. Each test file runs in an isolate
 * of its own, so this covers the calling file (and any helper module it imports that calls it).
 */
export function slowFile(): void {
  state.slowFile = true;
}

/** Where Deno.test was called: the first stack frame outside this module. */
function callSite(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(1);
  const outside = frames.find((f) => !f.includes(import.meta.url));
  return outside?.trim().replace(/^at\s+/, "").replace(/^.*\((.*)\)$/, "$1") ?? "unknown";
}

/** The test function, failing with a message naming the test once `ms` has passed. */
function limited(name: string, fn: TestFn, where: string): TestFn {
  const ms = state.slowFile || state.slow.has(fn) ? slowLimit : defaultLimit;
  return async (t) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`test "${name}" (${where}) did not finish within ${ms} ms (timed out)`)),
        ms,
      );
    });
    try {
      await Promise.race([fn(t), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Normalises Deno.test's overloads to one definition with the function wrapped. */
function definition(args: unknown[]): Deno.TestDefinition {
  const [a, b, c] = args;
  let def: Deno.TestDefinition;
  if (typeof a === "function") def = { name: a.name, fn: a as TestFn };
  else if (typeof a === "string" && typeof b === "function") def = { name: a, fn: b as TestFn };
  else if (typeof a === "string") def = { ...(b as object), name: a, fn: c as TestFn };
  else if (typeof b === "function") {
    const opts = a as Omit<Deno.TestDefinition, "fn">;
    def = { ...opts, name: opts.name ?? b.name, fn: b as TestFn };
  } else def = { ...(a as Deno.TestDefinition) };
  return { ...def, fn: limited(def.name, def.fn, callSite()) };
}

function install(): void {
  if (state.installed) return;
  state.installed = true;
  const original = Deno.test;
  const wrapped = ((...args: unknown[]) => original(definition(args))) as typeof Deno.test;
  // ignore/only/hooks keep working; only() gets the limit as well.
  Object.assign(wrapped, original, {
    only: (...args: unknown[]) => original({ ...definition(args), only: true }),
  });
  // The Deno namespace is typed read-only; the property itself is writable.
  Object.defineProperty(Deno, "test", { value: wrapped });
}

install();
