// Waiting on events instead of time: tests wait for the state they need (polled with a deadline
// that fails naming what never happened), for a count to be reached, or for a session to queue on
// a lock. A fixed pause would pass or fail with the machine's speed; these do not.
import type { Queryable } from "../../server/db/db.ts";

/**
 * Polls `check` until it returns a truthy value and returns that value; fails with `what` when
 * `ms` passes first. For state nothing signals (a row, a statistic, a health answer).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  ms = 15_000,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`gave up waiting: ${what} (after ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A counter whose `reaches(n)` resolves once `add()` has been called n times. */
export class Counter {
  #n = 0;
  #waiters: { at: number; resolve: () => void }[] = [];

  get value(): number {
    return this.#n;
  }

  add(): void {
    this.#n++;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.at > this.#n) return true;
      w.resolve();
      return false;
    });
  }

  reaches(at: number): Promise<void> {
    if (this.#n >= at) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ at, resolve });
    return promise;
  }
}

/** Tracks whether a promise has settled, without consuming its outcome. */
export function track<T>(p: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  const promise = p.finally(() => settled = true);
  // The caller awaits `promise`; this only keeps an early rejection from going unhandled.
  promise.catch(() => {});
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/**
 * Waits until `waiters` sessions of this PostgreSQL database are queued on a lock (a row lock,
 * an advisory lock) — the moment a test can say "the statement waits" without a timed race.
 * `pending` are the statements expected to wait: one settling first fails the wait.
 */
export async function waitForLockWaiters(
  db: Queryable,
  what: string,
  pending: { readonly settled: boolean }[] = [],
  waiters = 1,
): Promise<void> {
  await waitFor(what, async () => {
    if (pending.some((p) => p.settled)) {
      throw new Error(`${what}: the statement finished instead of waiting`);
    }
    return await lockWaiters(db) >= waiters;
  });
}

/** How many sessions of this PostgreSQL database are queued on a lock right now. */
export async function lockWaiters(db: Queryable): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return n;
}
