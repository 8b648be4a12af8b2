// The optional read-only database role: SELECT on every table and view of the schema archiflow,
// nothing else. The script is sql/security/readonly_role.sql; it needs a connection allowed to
// create roles.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";

const SCRIPT = new URL("../../sql/security/readonly_role.sql", import.meta.url);

export interface ReadonlyRoleOptions {
  role?: string;
  /** When set the role can log in with it; without it the role is a group to grant to users. */
  password?: string;
}

export async function applyReadonlyRole(
  db: Db,
  options: ReadonlyRoleOptions = {},
): Promise<string> {
  const role = options.role ?? "archiflow_readonly";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new Error(`Role name ${role} must be lower-case letters, digits and underscores`);
  }
  const script = await Deno.readTextFile(SCRIPT);
  // Session settings reach the DO block; one transaction keeps them on one connection.
  await db.transaction(async (tx) => {
    await tx.query(sql("SetSessionSetting"), ["archiflow.readonly_role", role]);
    await tx.query(sql("SetSessionSetting"), [
      "archiflow.readonly_password",
      options.password ?? "",
    ]);
    await tx.exec(script);
    await tx.query(sql("SetSessionSetting"), ["archiflow.readonly_password", ""]);
  });
  return role;
}
