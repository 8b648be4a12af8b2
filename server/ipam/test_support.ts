// Test helpers for the IPAM tests: a migrated database with an in-process tool caller, so the
// tests exercise the same handlers every transport uses without a socket in between.
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { EventHub } from "../events.ts";
import { createLogger } from "../log.ts";
import { createRegistry } from "../tools/index.ts";
import { callTool, type ToolContext } from "../tools/tool.ts";
import { type Actor } from "../auth/actor.ts";
import { createTestDb, type TestDb } from "../../tests/support/db.ts";

export const dbOpts = { sanitizeOps: false, sanitizeResources: false };

export interface IpamHarness {
  t: TestDb;
  // deno-lint-ignore no-explicit-any
  call<T = any>(name: string, args?: Record<string, unknown>, user?: string): Promise<T>;
  /** Calls a tool expecting an AppError; returns its kind and message. */
  fail(name: string, args?: Record<string, unknown>): Promise<{ kind: string; message: string }>;
  close(): Promise<void>;
}

/** An admin actor as tests act: no client address, agent or request id. */
export function testActor(user = "tester"): Actor {
  return { user, scope: "admin", clientAddr: null, userAgent: null, requestId: null };
}

/** Runs fn with a fresh harness and closes it afterwards. */
export async function withIpam(fn: (h: IpamHarness) => Promise<void>): Promise<void> {
  const h = await ipamHarness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

export async function ipamHarness(options: { poolSize?: number } = {}): Promise<IpamHarness> {
  const t = await createTestDb(options);
  await migrate(t.db);
  const registry = createRegistry();
  const config = loadConfig({});
  const events = new EventHub();
  const log = createLogger("silent");
  const ctx = (user: string): ToolContext => {
    const actor: Actor = {
      user,
      scope: "admin",
      clientAddr: "127.0.0.1",
      userAgent: "test",
      requestId: null,
    };
    return { db: t.db, config, actor, events, log };
  };
  // deno-lint-ignore no-explicit-any
  const call = (name: string, args: Record<string, unknown> = {}, user = "tester"): Promise<any> =>
    callTool(registry, name, args, ctx(user));
  return {
    t,
    call,
    async fail(name, args = {}) {
      try {
        await call(name, args);
      } catch (err) {
        const e = err as { kind?: string; message: string };
        return { kind: e.kind ?? "params", message: e.message };
      }
      throw new Error(`${name} was expected to fail`);
    },
    close: () => t.close(),
  };
}
