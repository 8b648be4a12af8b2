// Cross-process events over PostgreSQL LISTEN/NOTIFY. Writers publish inside their transaction
// (delivered only on commit, to every server process on the same database); each process has one
// EventHub that listens once and fans events out to its local subscribers.
import type { Db, Queryable } from "./db/db.ts";
import { sql } from "./db/queries.ts";

export const EVENT_CHANNEL = "archiflow_events";

export interface AppEvent {
  /** e.g. "diagram-changed", "pool-changed", "alert". */
  type: string;
  [key: string]: unknown;
}

/** Queues an event for delivery when the surrounding transaction commits. */
export async function publish(tx: Queryable, event: AppEvent): Promise<void> {
  await tx.query(sql("NotifyEvent"), [EVENT_CHANNEL, JSON.stringify(event)]);
}

export type EventListener = (event: AppEvent) => void;

export class EventHub {
  #listeners = new Set<EventListener>();
  #unlisten: (() => Promise<void>) | null = null;

  async start(db: Db): Promise<void> {
    this.#unlisten = await db.listen(EVENT_CHANNEL, (payload) => {
      let event: AppEvent;
      try {
        event = JSON.parse(payload);
      } catch {
        return;
      }
      for (const fn of this.#listeners) {
        try {
          fn(event);
        } catch { /* one bad listener must not starve the others */ }
      }
    });
  }

  subscribe(fn: EventListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = null;
  }
}
