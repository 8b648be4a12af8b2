// Tells the user when the editor is not connected, and what to do about it. A refused key is
// said at once (retrying would not help: the link needs a new key); a connection that drops is
// said after a grace period, with when the next try is due and a button to try now.
/// <reference lib="dom" />
import { notice } from "./dom.ts";
import { keyLifetime } from "./params.ts";
import type { RpcConnection } from "./rpc.ts";
import { keyOf, offlineText, refusalText } from "./connection_text.ts";

export const NOTICE_ID = "archiflow-connection";

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
