// Reads the editor frame's URL parameters: which diagram to open, the token, and the server.

export interface EditorParams {
  diagramId: number | null;
  token: string | null;
  /** Origin of the ArchiFlow server (the frame's own origin unless af_server says otherwise). */
  server: string;
  wsUrl: string;
}

export function editorParams(href: string): EditorParams {
  const url = new URL(href);
  const p = url.searchParams;
  const rawId = p.get("af_diagram") ?? p.get("diagram");
  const id = rawId !== null && /^[1-9][0-9]{0,15}$/.test(rawId) ? Number(rawId) : null;
  const token = p.get("af_token") ?? p.get("token");
  let server = url.origin;
  const given = p.get("af_server");
  if (given) {
    try {
      const s = new URL(given);
      if (s.protocol === "http:" || s.protocol === "https:") server = s.origin;
    } catch { /* keep the frame's origin */ }
  }
  const ws = new URL("/ws", server);
  ws.protocol = ws.protocol === "https:" ? "wss:" : "ws:";
  if (token) ws.searchParams.set("token", token);
  return { diagramId: id, token: token || null, server, wsUrl: ws.toString() };
}
