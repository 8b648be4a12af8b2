// A WebSocket peer written by hand over TCP, for attacks a well-behaved client library cannot
// make: a frame that announces more than it sends, an upgrade without its key.

const encoder = new TextEncoder();

/** Sends `head` and reads the answer: status line, headers and any body of known length. */
export async function rawRequest(
  url: string,
  head: string,
): Promise<{ conn: Deno.TcpConn; status: number; text: string }> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await writeAll(conn, encoder.encode(head));
  const buf = new Uint8Array(8192);
  let text = "";
  // The head, and a body when Content-Length announces one.
  const complete = () => {
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
    return text.length >= end + 4 + length;
  };
  while (!complete()) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { conn, status, text };
}

/** Completes a WebSocket handshake on /ws with an API key; throws unless the server says 101. */
export async function rawUpgrade(url: string, key: string): Promise<Deno.TcpConn> {
  const host = new URL(url).host;
  const { conn, status, text } = await rawRequest(
    url,
    `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${btoa("archiflow-hostile")}\r\nSec-WebSocket-Version: 13\r\n` +
      `Authorization: Token ${key}\r\n\r\n`,
  );
  if (status !== 101) {
    conn.close();
    throw new Error(`upgrade answered ${status}: ${text.split("\r\n")[0]}`);
  }
  return conn;
}

/** The header of a masked text frame announcing `length` payload bytes. */
export function frameHeader(length: number): Uint8Array {
  const h = new Uint8Array(14);
  h[0] = 0x81;
  h[1] = 0x80 | 127;
  new DataView(h.buffer).setBigUint64(2, BigInt(length));
  h.set([1, 2, 3, 4], 10);
  return h;
}

export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Resolves when the server ends the connection (end of stream or reset). */
export async function untilClosed(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  try {
    while ((await conn.read(buf)) !== null) { /* discard */ }
  } catch { /* reset counts as closed */ }
}
