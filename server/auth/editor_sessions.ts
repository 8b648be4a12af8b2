// Revoking editor sessions. Editor tokens are signed by the NetBox plugin and stored nowhere,
// so one cannot be revoked by itself; instead `deno task token revoke-editor --user <name>`
// records, per NetBox user, a time up to which every editor session of that user that had begun
// is refused. A session begins when the editor page is opened (the token's `ses`, or its iat
// without one) and keeps that start through every refresh, so refreshed tokens of a revoked
// session stay refused while a page opened afterwards works.
// The authenticator asks here on every editor-token check, cached like API tokens, so running
// servers (and their open sockets, which re-check their credential) see a revocation within
// ARCHIFLOW_TOKEN_CACHE_SECONDS.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { CLOCK_SKEW_SECONDS } from "./editor_token.ts";

export interface RevocationCheckOptions {
  /** How long a looked-up revocation is trusted without asking the database again, in ms. */
  cacheMs: number;
  now?: () => number;
}

interface CacheEntry {
  /** Unix second up to which tokens are refused, or null when never revoked. */
  notBefore: number | null;
  until: number;
}

export class EditorRevocations {
  #cache = new Map<string, CacheEntry>();

  constructor(readonly db: Pick<Db, "query">, readonly options: RevocationCheckOptions) {}

  /**
   * Whether an editor session of NetBox user `user` that began at `sessionStart` (Unix seconds,
   * see sessionStart() in editor_token.ts) has been revoked; `fresh` asks the database past the
   * cache.
   */
  async revoked(user: string, sessionStart: number, fresh = false): Promise<boolean> {
    const now = this.options.now?.() ?? Date.now();
    let entry = this.#cache.get(user);
    if (fresh || !entry || entry.until <= now) {
      const [row] = await this.db.query<{ not_before: number | string }>(
        sql("FindEditorRevocation"),
        [user],
      );
      entry = { notBefore: row ? Number(row.not_before) : null, until: now + this.options.cacheMs };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(user, entry);
    }
    return entry.notBefore !== null && sessionStart <= entry.notBefore;
  }

  forget(): void {
    this.#cache.clear();
  }
}

/**
 * Refuses every editor session of NetBox user `user` begun until now, with all its tokens,
 * refreshed or not. The cut-off lies CLOCK_SKEW_SECONDS ahead, because a NetBox clock running
 * ahead of this one dates sessions in the future: without the margin, a page opened just before
 * the revocation could outlive it. The user can open the editor again once the margin has passed.
 */
export async function revokeEditorSessions(
  db: Pick<Db, "query">,
  user: string,
  revokedBy = "",
): Promise<{ netbox_user: string; not_before: Date }> {
  const name = user.trim();
  if (name === "" || [...name].length > 150) {
    throw new AppError(
      "invalid",
      "Cannot revoke editor sessions: user must be 1 to 150 characters",
    );
  }
  const [row] = await db.query<{ netbox_user: string; not_before: Date }>(
    sql("RevokeEditorSessions"),
    [name, CLOCK_SKEW_SECONDS, revokedBy],
  );
  return row;
}
