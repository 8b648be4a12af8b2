// What the connection notice says (pure, no DOM, so it is tested on its own): a refused key,
// with what to do about it, and a dropped connection, with when the next try is due.
import { WS_TOKEN_PROTOCOL_PREFIX } from "./params.ts";

export interface Refusal {
  /** The server's reason, as it closed the socket. */
  reason: string;
  /** Whether the editor had a key to offer at all. */
  hadKey: boolean;
  /** An editor token from NetBox, which the page that framed the editor can renew. */
  renewable: boolean;
  /** Whether this key had worked before (it expired or was revoked while the editor was open). */
  wasOpen: boolean;
  server: string;
}

/** The key among the subprotocols the connection offers, or null. */
export function keyOf(protocols: readonly string[] | null): string | null {
  const p = protocols?.find((x) => x.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  return p ? p.slice(WS_TOKEN_PROTOCOL_PREFIX.length) : null;
}

/** What the notice says when ArchiFlow refused the editor's key. */
export function refusalText(r: Refusal): string {
  const why = r.reason.trim() ? ` (${r.reason.trim().replace(/\.$/, "")})` : "";
  if (!r.hadKey) {
    return `This editor link has no valid key, so ArchiFlow at ${r.server} does not let it in. ` +
      `Open the diagram from NetBox, which opens the editor with a fresh key, or ask for a ` +
      `new link. The key is read once from the link (#token=…), so reloading this page ` +
      `does not bring it back.`;
  }
  if (r.wasOpen && r.renewable) {
    return `ArchiFlow ended this editor's session${why}, and NetBox gave no fresh key: are ` +
      `you still logged in to NetBox? Nothing can be saved until the editor reconnects. Keep ` +
      `this tab open and log in to NetBox again: the editor reconnects by itself within a ` +
      `minute, with your edits. Or open the diagram from NetBox again (edits here are lost).`;
  }
  if (r.wasOpen) {
    return `ArchiFlow ended this editor's session${why}. Nothing can be saved with this key: ` +
      `ask for a new link, or open the diagram from NetBox.`;
  }
  return `This editor link has no valid key: ArchiFlow refused it${why}. Editor links ` +
    `from NetBox expire after minutes. Open the diagram from NetBox again, or ask for a new link.`;
}

/** What the notice says while the connection is down for another reason. */
export function offlineText(server: string, retryInMs: number | null): string {
  const next = retryInMs === null
    ? "Retrying"
    : `Retrying in ${Math.max(1, Math.round(retryInMs / 1000))} s`;
  return `Not connected to ArchiFlow at ${server}. ${next}; nothing can be opened or saved ` +
    `until it is back, and your edits stay here meanwhile.`;
}
