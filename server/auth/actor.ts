// Who is calling: the identity every transport resolves a request to, and the scopes a token
// can hold. Domain modules (IPAM, diagrams, audit, sync) take an Actor, so it lives below them.
import type { EditorGrant } from "./editor_scope.ts";

export type Scope = "read" | "write" | "admin";
const SCOPE_RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

export interface Actor {
  user: string;
  scope: Scope;
  clientAddr: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Set for signed editor tokens: what the token was signed for (see auth/editor_scope.ts). */
  editor?: EditorGrant;
}

export function hasScope(actor: Actor, needed: Scope): boolean {
  return SCOPE_RANK[actor.scope] >= SCOPE_RANK[needed];
}
