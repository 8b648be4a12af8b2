// The operations of a REST resource, derived once from its declaration. The router mounts
// exactly these and the OpenAPI document lists exactly these, so neither offers what the other
// lacks: a write the resource binds no tool to is no operation (its path answers 405).
import {
  type ActionDecl,
  INT_KEY,
  keyPattern,
  type NestedDecl,
  type ResourceDecl,
  type ToolBinding,
} from "./resource.ts";

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

interface Common {
  method: Method;
  /** The path as the document writes it, e.g. /api/ip-pools/{id}/available-ips/. */
  path: string;
  /** Hono's pattern of the path without its trailing slash (both forms are mounted). */
  route: string;
  operationId: string;
  decl: ResourceDecl;
}

export type Operation =
  & Common
  & (
    | { kind: "list" | "retrieve" }
    | { kind: "create"; binding: ToolBinding }
    | {
      kind: "bulk_partial_update" | "bulk_update" | "partial_update" | "update";
      binding: ToolBinding;
    }
    | { kind: "bulk_destroy" | "destroy"; binding: ToolBinding }
    | { kind: "nested_list" | "nested_retrieve"; nested: NestedDecl }
    | { kind: "action"; action: ActionDecl }
  );

export type OperationKind = Operation["kind"];

/** Every operation of one resource, in the order the document lists them. */
export function resourceOperations(decl: ResourceDecl): Operation[] {
  const key = decl.key ?? INT_KEY;
  const base = { path: `/api/${decl.path}/`, route: `/api/${decl.path}` };
  const one = { path: `${base.path}{id}/`, route: `${base.route}/:id${keyPattern(key)}` };
  const ops: Operation[] = [];
  const add = (method: Method, at: { path: string; route: string }, id: string, rest: object) =>
    ops.push({ method, ...at, operationId: `${decl.path}_${id}`, decl, ...rest } as Operation);

  add("GET", base, "list", { kind: "list" });
  if (decl.create) add("POST", base, "create", { kind: "create", binding: decl.create });
  if (decl.update) {
    add("PATCH", base, "bulk_partial_update", {
      kind: "bulk_partial_update",
      binding: decl.update,
    });
    add("PUT", base, "bulk_update", { kind: "bulk_update", binding: decl.update });
  }
  if (decl.delete) {
    add("DELETE", base, "bulk_destroy", { kind: "bulk_destroy", binding: decl.delete });
  }
  add("GET", one, "retrieve", { kind: "retrieve" });
  if (decl.update) {
    add("PATCH", one, "partial_update", { kind: "partial_update", binding: decl.update });
    add("PUT", one, "update", { kind: "update", binding: decl.update });
  }
  if (decl.delete) add("DELETE", one, "destroy", { kind: "destroy", binding: decl.delete });
  for (const nested of decl.nested ?? []) {
    const list = { path: `${one.path}${nested.path}/`, route: `${one.route}/${nested.path}` };
    add("GET", list, `${nested.path}_list`, { kind: "nested_list", nested });
    const item = {
      path: `${list.path}{${nested.keyColumn}}/`,
      route: `${list.route}/:${nested.keyColumn}${
        keyPattern({ column: nested.keyColumn, type: "int" })
      }`,
    };
    add("GET", item, `${nested.path}_retrieve`, { kind: "nested_retrieve", nested });
  }
  for (const action of decl.actions ?? []) {
    const at = action.detail
      ? { path: `${one.path}${action.name}/`, route: `${one.route}/${action.name}` }
      : { path: `${base.path}${action.name}/`, route: `${base.route}/${action.name}` };
    const id = `${action.name.replace(/-/g, "_")}_${action.method.toLowerCase()}`;
    add(action.method, at, id, { kind: "action", action });
  }
  return ops;
}
