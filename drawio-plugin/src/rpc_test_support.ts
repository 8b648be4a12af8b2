// The fake socket and connection harnesses that the RpcConnection tests drive.
import assert from "node:assert/strict";
import { RpcConnection, type RpcOptions, type SocketLike } from "./rpc.ts";

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  reply(id: unknown, result: unknown) {
    this.onmessage?.({ data: JSON.stringify({ jsonrpc: "2.0", id, result }) });
  }
}

export function harness() {
  const sockets: FakeSocket[] = [];
  const conn = new RpcConnection("ws://x/ws", {
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    backoffMs: 1,
    maxBackoffMs: 2,
    heartbeatMs: 60_000,
  });
  return { conn, sockets };
}

export const tick = () => new Promise((r) => setTimeout(r, 0));
export async function until(cond: () => boolean) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), "condition not reached");
}

export function renewHarness() {
  const opened: { protocols: string[]; socket: FakeSocket }[] = [];
  const conn = new RpcConnection("ws://x/ws", {
    createSocket: (_url, protocols) => {
      const socket = new FakeSocket();
      opened.push({ protocols, socket });
      return socket;
    },
    protocols: ["archiflow", "archiflow.token.old"],
    backoffMs: 1,
    maxBackoffMs: 2,
    heartbeatMs: 60_000,
  });
  const statuses: string[] = [];
  conn.onStatus((s) => statuses.push(s));
  return { conn, opened, statuses };
}

/**
 * A connection whose reconnect timers and clock the test drives: `delays` lists every wait it
 * scheduled, `fire()` runs the one waiting, `clock` is what now() says.
 */
export function timedHarness(options: RpcOptions = {}) {
  const sockets: FakeSocket[] = [];
  const delays: number[] = [];
  let waiting: (() => void) | null = null;
  const t = { clock: 1_000_000 };
  const conn = new RpcConnection("ws://x/ws", {
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    backoffMs: 500,
    maxBackoffMs: 15_000,
    stableMs: 10_000,
    heartbeatMs: 60_000,
    random: () => 0.5,
    now: () => t.clock,
    setTimer: (fn, ms) => {
      delays.push(ms);
      waiting = fn;
      return fn;
    },
    clearTimer: (timer) => {
      if (timer === waiting) waiting = null;
    },
    ...options,
  });
  const fire = () => {
    const fn = waiting;
    assert.ok(fn, "no reconnect is scheduled");
    waiting = null;
    fn();
  };
  return { conn, sockets, delays, fire, t, scheduled: () => waiting !== null };
}
