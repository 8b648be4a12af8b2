// Device reachability (off by default): every interval, a TCP connect to each active device's
// management address on the configured ports. A device counts as reachable when any port
// accepts. After K failed rounds in a row a device_down alert is raised, after K good rounds it
// is resolved, each exactly once (dedup_key in the database, so several server processes or a
// restart never raise it twice). Editors subscribed to alerts see both as they happen.
import { audit } from "../audit.ts";
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { publish } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Actor } from "../auth/actor.ts";

export interface ProberOptions {
  ports: number[];
  intervalMs: number;
  timeoutMs: number;
  /** K: consecutive failures to raise, consecutive successes to resolve. */
  threshold: number;
  concurrency?: number;
}

export interface RoundResult {
  probed: number;
  reachable: number;
  raised: string[];
  resolved: string[];
}

interface DeviceState {
  failures: number;
  successes: number;
  down: boolean;
}

const PROBER_ACTOR: Actor = {
  user: "system:prober",
  scope: "admin",
  clientAddr: null,
  userAgent: null,
  requestId: null,
};

const DEDUP_PREFIX = "device_down:";
/** The open device_down alert of a device, by its asset id: one per device at a time. */
export const dedupKey = (assetId: string) => DEDUP_PREFIX + assetId;

interface Target {
  asset_id: string;
  device_name: string;
  management_ip: string;
}

/** Resolves true when a TCP connection to host:port opens within timeoutMs. */
export async function tcpReachable(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = Deno.connect({ hostname: host, port, transport: "tcp" });
  const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), timeoutMs));
  try {
    const conn = await Promise.race([attempt, timeout]);
    if (conn === null) {
      attempt.then((c) => c.close(), () => {});
      return false;
    }
    conn.close();
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export class Prober {
  /** By asset id. */
  #state = new Map<string, DeviceState>();
  #loaded = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(
    readonly db: Db,
    readonly options: ProberOptions,
    readonly log: Logger,
  ) {}

  /** Probes every target once and raises or resolves alerts; rounds never overlap. */
  async runOnce(): Promise<RoundResult> {
    if (!this.#loaded) {
      const open = await this.db.query<{ dedup_key: string }>(sql("OpenDeviceDownAlerts"));
      for (const { dedup_key } of open) {
        if (!dedup_key.startsWith(DEDUP_PREFIX)) continue;
        const assetId = dedup_key.slice(DEDUP_PREFIX.length);
        this.#state.set(assetId, { failures: 0, successes: 0, down: true });
      }
      this.#loaded = true;
    }
    const targets = await this.db.query<Target>(sql("ProbeTargets"));
    const result: RoundResult = { probed: targets.length, reachable: 0, raised: [], resolved: [] };
    const limit = this.options.concurrency ?? 32;
    let next = 0;
    const outcomes = new Array<boolean>(targets.length);
    await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, async () => {
      while (next < targets.length) {
        const i = next++;
        const t = targets[i];
        const checks = await Promise.all(
          this.options.ports.map((p) => tcpReachable(t.management_ip, p, this.options.timeoutMs)),
        );
        outcomes[i] = checks.some(Boolean);
      }
    }));
    const seen = new Set<string>();
    for (const [i, t] of targets.entries()) {
      seen.add(t.asset_id);
      const up = outcomes[i];
      if (up) result.reachable++;
      const s = this.#state.get(t.asset_id) ?? { failures: 0, successes: 0, down: false };
      this.#state.set(t.asset_id, s);
      if (up) {
        s.failures = 0;
        s.successes++;
        if (s.down && s.successes >= this.options.threshold) {
          await this.#resolve(t);
          s.down = false;
          result.resolved.push(t.asset_id);
        }
      } else {
        s.successes = 0;
        s.failures++;
        if (!s.down && s.failures >= this.options.threshold) {
          await this.#raise(t, s.failures);
          s.down = true;
          result.raised.push(t.asset_id);
        }
      }
    }
    // Devices no longer probed (deleted, inactive, address removed) keep no counters.
    for (const id of [...this.#state.keys()]) {
      if (!seen.has(id) && !this.#state.get(id)!.down) this.#state.delete(id);
    }
    return result;
  }

  async #raise(t: Target, failures: number) {
    await this.db.transaction(async (tx) => {
      const [alert] = await tx.query<Record<string, unknown>>(sql("RaiseDeviceDown"), [
        `Device ${t.device_name} is unreachable`,
        `No TCP answer from ${t.management_ip} on ports ${
          this.options.ports.join(", ")
        } in ${failures} checks in a row`,
        t.asset_id,
        dedupKey(t.asset_id),
        JSON.stringify({
          asset_id: t.asset_id,
          management_ip: t.management_ip,
          ports: this.options.ports,
          failures,
        }),
      ]);
      if (!alert) return; // already open (another process raised it)
      await audit(tx, PROBER_ACTOR, {
        action: "create",
        entityType: "alert",
        entityId: alert.id as number,
        newValues: alert,
      });
      await publish(tx, { type: "alert", change: "raised", alert });
    });
    this.log.warn("device unreachable", { assetId: t.asset_id, ip: t.management_ip });
  }

  async #resolve(t: Target) {
    await this.db.transaction(async (tx) => {
      const [alert] = await tx.query<Record<string, unknown>>(sql("ResolveDeviceDown"), [
        dedupKey(t.asset_id),
        JSON.stringify({ at: new Date().toISOString(), successes: this.options.threshold }),
      ]);
      if (!alert) return;
      await audit(tx, PROBER_ACTOR, {
        action: "update",
        entityType: "alert",
        entityId: alert.id as number,
        newValues: alert,
      });
      await publish(tx, { type: "alert", change: "resolved", alert });
    });
    this.log.info("device reachable again", { assetId: t.asset_id, ip: t.management_ip });
  }

  /** Runs a round every interval until stop(); a failed round (database away) is logged. */
  start(): void {
    const tick = async () => {
      if (this.#stopped) return;
      this.#running = this.runOnce().catch((err) =>
        this.log.warn("probe round failed", { error: err instanceof Error ? err.message : err })
      );
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(tick, this.options.intervalMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }
}
