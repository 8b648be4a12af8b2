// Test helpers for the IPAM tests: a migrated database with an in-process tool caller, so the
// tests exercise the same handlers every transport uses without a socket in between.
import { loadConfig } from "../../server/config.ts";
import { migrate } from "../../server/db/migrate.ts";
import { INVALID_PARAMS } from "../../server/errors.ts";
import { EventHub } from "../../server/events.ts";
import { createLogger } from "../../server/log.ts";
import { createRegistry } from "../../server/tools/index.ts";
import { callTool, type ToolContext } from "../../server/tools/tool.ts";
import { type Actor } from "../../server/auth/actor.ts";
import { createTestDb, type TestDb } from "./db.ts";

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
        // Arguments the tool's schema refuses are "params" (-32602 over JSON-RPC); the tool's
        // own refusals keep their kind.
        const e = err as { kind?: string; message: string; rpcCode?: number };
        return { kind: e.rpcCode === INVALID_PARAMS ? "params" : e.kind ?? "", message: e.message };
      }
      throw new Error(`${name} was expected to fail`);
    },
    close: () => t.close(),
  };
}

/** Every table a failed call could touch, as comparable text. */
export async function ipamSnapshot(h: IpamHarness): Promise<string> {
  const tables = [
    "ip_pools",
    "ip_allocations",
    "ip_pool_state",
    "ip_pool_free_ranges",
    "ip_allocation_keys",
    "alerts",
    "audit_log",
  ];
  const out: string[] = [];
  for (const t of tables) {
    const rows = await h.t.db.query<{ j: string }>(
      `SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), '[]')::text AS j FROM ${t} x`,
    );
    out.push(`${t}: ${rows[0].j}`);
  }
  return out.join("\n");
}
