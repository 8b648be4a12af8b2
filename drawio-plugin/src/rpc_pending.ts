// The calls an RpcConnection owes an answer: each with its timeout, whether it was sent and on
// which socket (its answer can only come back on that one), and whether it may be sent again
// after a reconnect. Settling a call takes it out and stops its timer, so it is answered once.
import { CallTimeoutError } from "./rpc_errors.ts";

export interface Pending {
  id: number;
  method: string;
  params: unknown;
  /** Safe to send again after a reconnect (reads, ping). */
  retry: boolean;
  sent: boolean;
  /** The socket it was sent on: its answer can only come back on that one. */
  socket: unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingCalls {
  #calls = new Map<number, Pending>();

  /**
   * Records a call not sent yet and returns it with the promise of its answer, which fails with
   * CallTimeoutError when none came within `timeoutMs`.
   */
  create<T>(
    id: number,
    method: string,
    params: unknown,
    retry: boolean,
    timeoutMs: number,
  ): { pending: Pending; answer: Promise<T> } {
    let pending!: Pending;
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id)?.reject(new CallTimeoutError(method, timeoutMs));
      }, timeoutMs);
      pending = {
        id,
        method,
        params,
        retry,
        sent: false,
        socket: null,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      };
      this.#calls.set(id, pending);
    });
    return { pending, answer };
  }

  /** Takes the call out and stops its timer; undefined when it was already settled. */
  settle(id: number): Pending | undefined {
    const p = this.#calls.get(id);
    if (!p) return undefined;
    this.#calls.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  /** Every call still owed, in the order made (a copy: settling while iterating is fine). */
  all(): Pending[] {
    return [...this.#calls.values()];
  }

  /** The calls not sent yet, in the order made. */
  unsent(): Pending[] {
    return this.all().filter((p) => !p.sent);
  }

  /** Whether a call sent on `socket` still waits for its answer. */
  waitingOn(socket: unknown): boolean {
    for (const p of this.#calls.values()) if (p.sent && p.socket === socket) return true;
    return false;
  }

  /** Fails every call with the error `why` makes for it. */
  rejectAll(why: (p: Pending) => Error): void {
    for (const p of this.all()) this.settle(p.id)?.reject(why(p));
  }
}
