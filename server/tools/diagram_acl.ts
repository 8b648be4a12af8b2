// Per-user diagram access (ARCHIFLOW_DIAGRAM_ACL=owner): a diagram is seen by its creator, by the
// users it is shared with (diagram_shares) and by admins. The rule is written into every diagram
// query, with the caller passed explicitly: the server's connection owns the tables, which row
// level security never restricts (the schema's `user_diagrams` policy is for other roles). A
// diagram the caller may not see must look exactly like a missing one.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { Actor } from "../auth/actor.ts";
import type { Config } from "../config.ts";

export type DiagramAccess = "read" | "write";

/** The ACL arguments every diagram query takes: user, whether ACL is on, whether admin. */
export function aclArgs(
  ctx: { actor: Actor; config: Pick<Config, "ARCHIFLOW_DIAGRAM_ACL"> },
): [string, boolean, boolean] {
  return [
    ctx.actor.user,
    ctx.config.ARCHIFLOW_DIAGRAM_ACL === "owner",
    ctx.actor.scope === "admin",
  ];
}

/**
 * The SQL condition "the diagram whose id is `idSql` exists and the caller may see it", for
 * statements built at run time. `user`, `on` and `admin` are the placeholders (e.g. "$3") of
 * the three aclArgs() values.
 */
export function diagramVisibleSql(idSql: string, user: string, on: string, admin: string): string {
  return `EXISTS (SELECT 1 FROM diagrams acl_d WHERE acl_d.id = ${idSql} AND (NOT ${on}::boolean` +
    ` OR ${admin}::boolean OR acl_d.created_by = ${user}::text OR EXISTS (SELECT 1 FROM` +
    ` diagram_shares acl_s WHERE acl_s.diagram_id = acl_d.id AND acl_s.user_name = ${user}::text)))`;
}

/** What the caller may do with the diagram, or null when it is missing or hidden from them. */
export async function diagramAccess(
  db: Pick<Db, "query">,
  ctx: { actor: Actor; config: Pick<Config, "ARCHIFLOW_DIAGRAM_ACL"> },
  diagramId: string,
): Promise<DiagramAccess | null> {
  const [row] = await db.query<{ access: DiagramAccess | null }>(sql("DiagramAccess"), [
    diagramId,
    ...aclArgs(ctx),
  ]);
  return row?.access ?? null;
}
