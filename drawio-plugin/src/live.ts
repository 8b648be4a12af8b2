// Live updates: what the server's notifications mean for the open editor. Events come in bursts
// (a NetBox sync changes hundreds of devices at once), so each kind of refresh runs at most once
// at a time, and everything that arrives meanwhile is folded into one more run after it.

/**
 * Runs `fn` with everything asked for since its last run: one run at a time, and requests made
 * during a run are gathered into the next. `null` in the gathered set means "everything".
 */
export class Gathered<K> {
  #fn: (keys: Set<K> | null) => Promise<void>;
  #waiting: Set<K> | null | undefined = undefined;
  #running: Promise<void> | null = null;

  constructor(fn: (keys: Set<K> | null) => Promise<void>) {
    this.#fn = fn;
  }

  /** Asks for a run covering `key` (or everything); resolves when a run has covered it. */
  request(key: K | null = null): Promise<void> {
    if (key === null || this.#waiting === null) this.#waiting = null;
    else (this.#waiting ??= new Set()).add(key);
    return this.#drain();
  }

  #drain(): Promise<void> {
    this.#running ??= (async () => {
      try {
        while (this.#waiting !== undefined) {
          const keys = this.#waiting;
          this.#waiting = undefined;
          try {
            await this.#fn(keys);
          } catch { /* the run reports its own failure; later requests still run */ }
        }
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }
}

/** What the editor does with each kind of notification. */
export interface LiveHandlers {
  /** The open diagram got a new version (`by` whom, when the server says). */
  diagramChanged(change: { diagramId: string; version: number; by?: string }): void;
  /** A pool's addresses or settings changed; null when the event names none. */
  poolChanged(poolId: string | null): void;
  /** A device changed in the inventory; null when the event names none. */
  deviceChanged(assetId: string | null): void;
  /** An alert was raised, acknowledged or resolved; `deviceAlert` when it is about a device. */
  alert(deviceAlert: boolean): void;
}

/** An id as events carry it: text, or a number standing for its text. */
function textId(v: unknown): string | null {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

/** Hands a server notification to the handler for its kind; others are ignored. */
export function routeNotification(method: string, params: unknown, on: LiveHandlers): void {
  const p = (params && typeof params === "object" ? params : {}) as Record<string, unknown>;
  switch (method) {
    case "notifications/diagram-changed": {
      const id = textId(p.diagramId);
      if (id === null || typeof p.version !== "number") return;
      on.diagramChanged({
        diagramId: id,
        version: p.version,
        by: typeof p.by === "string" ? p.by : undefined,
      });
      return;
    }
    case "notifications/pool-changed":
      return on.poolChanged(textId(p.poolId));
    case "notifications/device-changed":
      return on.deviceChanged(textId(p.assetId) ?? textId(p.deviceId));
    case "notifications/alert": {
      // Events carry the alert row, or its type alone (older writers).
      const alert = (p.alert && typeof p.alert === "object" ? p.alert : {}) as Record<
        string,
        unknown
      >;
      const type = alert.alert_type ?? p.alertType ?? p.alert_type;
      return on.alert(type === "device_down");
    }
  }
}
