// Reads REST rows the way their GET shows them (detail query, declared number types, per-user
// diagram access), for detail routes and for what writes and actions answer with.
import { AppError } from "../errors.ts";
import type { Context } from "hono";
import type { Env } from "./env.ts";
import type { Config } from "../config.ts";
import { sqlText } from "../db/queries.ts";
import { aclArgs } from "../tools/diagram_acl.ts";
import { buildGetQuery, type ExtraCondition } from "./list_query.ts";
import {
  clip,
  INT_KEY,
  presentRow,
  type ResourceDecl,
  type RestContext,
  sourceOf,
} from "./resource.ts";

/** A diagram hidden from the caller is filtered out like a missing row, so it answers 404. */
export function aclOf(
  decl: ResourceDecl,
  config: Config,
  c: Context<Env>,
  column: string,
): ExtraCondition[] {
  return decl.diagramAcl
    ? [{ diagramVisible: column, acl: aclArgs({ actor: c.get("actor"), config }) }]
    : [];
}

/** readRow() and readRows() of the RestContext: rows of any resource as their GET shows them. */
export function createRowReaders(
  resources: ResourceDecl[],
  config: Config,
): Pick<RestContext, "readRow" | "readRows"> {
  const byPath = new Map(resources.map((r) => [r.path, r]));
  const declOf = (resource: string) => {
    const decl = byPath.get(resource);
    if (!decl) throw new Error(`No REST resource ${resource}`);
    return decl;
  };
  const detailOf = (decl: ResourceDecl) => {
    const key = decl.key ?? INT_KEY;
    const source = sourceOf(decl.list, key.column);
    return {
      key,
      fields: { ...decl.list.fields, ...decl.detailFields },
      source: decl.detailQuery ? { ...source, base: sqlText(decl.detailQuery) } : source,
    };
  };
  const readRow: RestContext["readRow"] = async (c, db, at) => {
    const decl = declOf(at.resource);
    let { key, fields, source } = detailOf(decl);
    let match: Record<string, unknown> = { [key.column]: at.key };
    let aclColumn = key.column;
    let missing = `No ${decl.noun} with ${key.column} ${clip(at.key)}`;
    if (at.nested) {
      const nested = decl.nested?.find((n) => n.path === at.nested!.path);
      if (!nested) throw new Error(`No nested ${at.nested.path} of ${decl.path}`);
      fields = { ...nested.list.fields, ...nested.detailFields };
      source = sourceOf(nested.list);
      if (nested.detailQuery) source = { ...source, base: sqlText(nested.detailQuery) };
      match = { [nested.parentColumn]: at.key, [nested.keyColumn]: at.nested.key };
      aclColumn = nested.parentColumn;
      missing = `No ${nested.keyColumn} ${at.nested.key} of ${decl.noun} ${clip(at.key)}`;
      key = { column: nested.keyColumn, type: "int" };
    }
    const q = buildGetQuery(source, match, aclOf(decl, config, c, aclColumn));
    const [row] = await db.query(q.text, q.values);
    if (!row) throw new AppError("not_found", missing);
    return presentRow(fields, row);
  };
  const readRows: RestContext["readRows"] = async (c, db, resource, keys) => {
    if (keys.length === 1) return [await readRow(c, db, { resource, key: keys[0] })];
    const decl = declOf(resource);
    const { key, fields, source } = detailOf(decl);
    const q = buildGetQuery(source, { [key.column]: keys }, aclOf(decl, config, c, key.column));
    const rows = await db.query(q.text, q.values);
    const byKey = new Map(rows.map((row) => [row[key.column], row]));
    return keys.map((k) => {
      const row = byKey.get(k);
      if (!row) {
        throw new AppError("not_found", `No ${decl.noun} with ${key.column} ${clip(k)}`);
      }
      return presentRow(fields, row);
    });
  };
  return { readRow, readRows };
}
