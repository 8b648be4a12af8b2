// Who is calling: reads the credential a request carries (header or WebSocket subprotocol), the
// client address (X-Forwarded-For only from trusted proxies) and turns
// them into the Actor every tool call and audit row records.
//
// Accepted credentials:
//   REST and POST /mcp:  Authorization: Token <key>   or   Authorization: Bearer <key>
//   WebSocket (/ and /ws), any of:
//     Authorization: Token <key> | Bearer <key>      (non-browser clients)
//     Sec-WebSocket-Protocol: archiflow, archiflow.token.<key>
//                                                     (browsers; the server answers "archiflow",
//                                                      never the protocol holding the key)
//   A key in the URL (?token=<key>, accepted by earlier releases) is refused with what to do
//   instead: URLs reach access logs, proxies and browser history.
// <key> is an API key ("af_...") or, when ARCHIFLOW_EDITOR_SECRET is set, a signed editor token
// from the NetBox plugin: its `sub` becomes the user `netbox:<sub>`, with the write scope narrowed
// to the editor's tools and the token's claims (editor_scope.ts), unless the user's editor
// sessions were revoked (editor_sessions.ts).
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Actor, Scope } from "./actor.ts";
import { type EditorGrant, editorUserName } from "./editor_scope.ts";
import { EditorRevocations } from "./editor_sessions.ts";
import { sessionStart, verifyEditorToken } from "./editor_token.ts";
import { addrInNetworks, KEY_PREFIX, type TokenStore } from "./tokens.ts";

export const WS_PROTOCOL = "archiflow";
export const WS_TOKEN_PROTOCOL_PREFIX = "archiflow.token.";

/** Where a credential was found; the WebSocket glue needs to know to answer the subprotocol. */
export interface Credential {
  key: string;
  via: "header" | "subprotocol" | "query";
}

export function credentialFromHeader(authorization: string | undefined | null): string | null {
  if (!authorization) return null;
  const m = /^(Token|Bearer)\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[2] : null;
}

/** Sec-WebSocket-Protocol offers, split and trimmed. */
export function offeredProtocols(header: string | null | undefined): string[] {
  return (header ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

/** Why a key in the URL is refused; short enough for a WebSocket close reason (123 bytes). */
export const QUERY_KEY_REFUSAL =
  "Keys in URLs are refused (they reach logs): send the subprotocol archiflow.token.<key> " +
  "or an Authorization header";

/**
 * The credential a request carries. A WebSocket key in the query comes back with via "query",
 * for the caller to refuse with QUERY_KEY_REFUSAL rather than ignore (the client gets told).
 */
export function credentialFromRequest(req: Request, websocket: boolean): Credential | null {
  const header = credentialFromHeader(req.headers.get("authorization"));
  if (header) return { key: header, via: "header" };
  if (!websocket) return null;
  const proto = offeredProtocols(req.headers.get("sec-websocket-protocol"))
    .find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  if (proto) return { key: proto.slice(WS_TOKEN_PROTOCOL_PREFIX.length), via: "subprotocol" };
  const query = new URL(req.url).searchParams.get("token");
  if (query) return { key: query, via: "query" };
  return null;
}

export function parseNetworks(list: string): string[] {
  return list.split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (entries further left are
 * whatever the client chose to send).
 */
export function clientAddress(
  peer: string | null,
  forwardedFor: string | null | undefined,
  trusted: string[],
): string | null {
  if (!peer || !trusted.length || !forwardedFor || !addrInNetworks(peer, trusted)) return peer;
  const hops = forwardedFor.split(",").map((s) => s.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!addrInNetworks(hops[i], trusted)) return hops[i].slice(0, 100);
  }
  return hops[0]?.slice(0, 100) ?? peer;
}

export interface Authenticator {
  /**
   * Actor for a credential; throws AppError unauthenticated (401) or forbidden (403). `fresh`
   * asks the database past the token cache; `expiresAt` (ms since the epoch, null for never) lets
   * an open WebSocket close when the credential expires.
   */
  authenticate(
    key: string | null,
    clientAddr: string | null,
    userAgent: string | null,
    options?: { fresh?: boolean },
  ): Promise<Actor & { tokenId: number | null; expiresAt: number | null }>;
}

export function createAuthenticator(config: Config, tokens: TokenStore): Authenticator {
  const secret = config.ARCHIFLOW_EDITOR_SECRET;
  const revocations = new EditorRevocations(tokens.db, tokens.options);
  return {
    async authenticate(key, clientAddr, userAgent, options = {}) {
      if (!key) {
        throw new AppError(
          "unauthenticated",
          "Authentication required: send Authorization: Token <key>",
        );
      }
      const ua = userAgent ? userAgent.slice(0, 500) : null;
      if (secret && !key.startsWith(KEY_PREFIX) && key.includes(".")) {
        const result = await verifyEditorToken(secret, key);
        if (!result.ok) throw new AppError("unauthenticated", "Invalid or expired editor token");
        const { sub, diagram, site, device } = result.claims;
        // By session start, not iat: a refreshed token of a revoked session stays refused.
        if (await revocations.revoked(sub, sessionStart(result.claims), options.fresh)) {
          throw new AppError(
            "unauthenticated",
            "This editor token was revoked (deno task token revoke-editor); open the editor " +
              "from NetBox again",
          );
        }
        // The write scope lets the editor save; enforceEditorGrant() narrows it to its tools.
        const scope: Scope = "write";
        const editor: EditorGrant = {};
        if (diagram !== undefined) editor.diagram = diagram;
        if (site !== undefined) editor.site = site;
        if (device !== undefined) editor.device = device;
        return {
          user: editorUserName(sub),
          scope,
          editor,
          clientAddr,
          userAgent: ua,
          requestId: null,
          tokenId: null,
          expiresAt: result.claims.exp * 1000,
        };
      }
      const row = await tokens.check(key, clientAddr, options);
      return {
        user: row.user_name,
        scope: row.scope,
        clientAddr,
        userAgent: ua,
        requestId: null,
        tokenId: row.id,
        expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
      };
    },
  };
}
