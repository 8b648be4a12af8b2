// Tells the user when the editor is not connected, and what to do about it. A refused key is
// said at once (retrying would not help: the link needs a new key); a connection that drops is
// said after a grace period, with when the next try is due and a button to try now.
/// <reference lib="dom" />
import { notice } from "./dom.ts";
import { keyLifetime, WS_TOKEN_PROTOCOL_PREFIX } from "./params.ts";
import type { RpcConnection } from "./rpc.ts";

export const NOTICE_ID = "archiflow-connection";

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

/**
 * Keeps the notice in step with the connection: a refusal at once; a drop after `graceMs`
 * (longer before the first connection, while draw.io may still be busy starting), counting
 * down to the next try; gone once the connection is open again.
 */
export function watchConnection(
  rpc: RpcConnection,
  server: string,
  options: { graceMs?: number; firstGraceMs?: number; now?: () => number } = {},
): () => void {
  const now = options.now ?? Date.now;
  let wasOpen = false;
  let downSince: number | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  const stopTicking = () => {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
  };
  const tick = () => {
    if (rpc.status !== "connecting" || downSince === null) return;
    const grace = wasOpen ? options.graceMs ?? 4_000 : options.firstGraceMs ?? 10_000;
    if (now() - downSince < grace) return;
    const at = rpc.nextRetryAt;
    const text = offlineText(server, at === null ? null : at - now());
    const shown = document.getElementById(NOTICE_ID);
    if (shown?.dataset.kind === "offline") {
      const span = shown.querySelector(".archiflow-notice-text");
      if (span) span.textContent = text;
      return;
    }
    const bar = notice(NOTICE_ID, text, "error", [
      { id: "archiflow-connection-retry", label: "Retry now", run: () => rpc.retryNow() },
    ]);
    bar.dataset.kind = "offline";
  };
  const stop = rpc.onStatus((status) => {
    if (status === "connecting") {
      downSince ??= now();
      // The countdown to the next try is kept current while the connection is down.
      ticker ??= setInterval(tick, 1_000);
      tick();
      return;
    }
    stopTicking();
    downSince = null;
    if (status === "open") {
      wasOpen = true;
      document.getElementById(NOTICE_ID)?.remove();
    } else if (status === "refused") {
      const key = keyOf(rpc.protocols);
      const text = refusalText({
        reason: rpc.lastClose?.reason ?? "",
        hadKey: key !== null,
        renewable: keyLifetime(key) !== null,
        wasOpen,
        server,
      });
      // Without a key there is nothing to try again with.
      const actions = key === null
        ? []
        : [{ id: "archiflow-connection-retry", label: "Try again", run: () => rpc.retryNow() }];
      notice(NOTICE_ID, text, "error", actions).dataset.kind = "refused";
    } else {
      document.getElementById(NOTICE_ID)?.remove();
    }
  });
  return () => {
    stop();
    stopTicking();
  };
}
