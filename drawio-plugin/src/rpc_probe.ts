// A socket opened with a fresh key, on trial: the server accepts every upgrade and closes one
// whose key it refuses, so opening proves nothing. It is proven once the server answers a ping
// on it; only then does RpcConnection move its calls over (see RpcConnection.renew()).
import type { SocketLike } from "./rpc_options.ts";

export interface ProbeOptions {
  create: (url: string, protocols: string[]) => SocketLike;
  url: string;
  protocols: string[];
  /** The JSON-RPC id of the ping, from the connection's own sequence. */
  probeId: number;
  /** False once the connection gave up on this socket (a newer key came, or it closed). */
  wanted: (socket: SocketLike) => boolean;
  /** The server answered the ping: the key works. */
  onProven: (socket: SocketLike) => void;
  /** The socket closed before it was proven. */
  onGone: (socket: SocketLike) => void;
}

/** Opens the socket on trial, or returns null when none can be made. */
export function probeSocket(o: ProbeOptions): SocketLike | null {
  let next: SocketLike;
  try {
    next = o.create(o.url, o.protocols);
  } catch {
    return null;
  }
  next.onopen = () => {
    if (!o.wanted(next)) return;
    next.send(JSON.stringify({ jsonrpc: "2.0", id: o.probeId, method: "ping" }));
  };
  next.onmessage = (ev) => {
    let msg: { id?: unknown } | null = null;
    try {
      msg = JSON.parse(String(ev.data));
    } catch { /* not an answer */ }
    if (o.wanted(next) && msg?.id === o.probeId) o.onProven(next);
  };
  next.onerror = () => {};
  next.onclose = () => o.onGone(next);
  return next;
}
