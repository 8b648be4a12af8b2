// Per-user diagram access (ARCHIFLOW_DIAGRAM_ACL=owner). Every diagram query asks the database
// function diagram_access / diagram_visible (migration 0060) with the caller passed explicitly,
// because row level security does not restrict a superuser connection. A diagram the caller may
// not see must look exactly like a missing one.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import type { Actor } from "./tool.ts";
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

/** What the caller may do with the diagram, or null when it is missing or hidden from them. */
export async function diagramAccess(
  db: Pick<Db, "query">,
  ctx: { actor: Actor; config: Pick<Config, "ARCHIFLOW_DIAGRAM_ACL"> },
  diagramId: number,
): Promise<DiagramAccess | null> {
  const [row] = await db.query<{ access: DiagramAccess | null }>(sql("DiagramAccess"), [
    diagramId,
    ...aclArgs(ctx),
  ]);
  return row?.access ?? null;
}
