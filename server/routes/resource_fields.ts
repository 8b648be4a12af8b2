// Field declarations the REST resources share (types, nullability, descriptions), so one kind
// of column reads, filters and is documented the same way in every resource.
import type { FieldDecl } from "./list_query.ts";
import type { KeyDecl } from "./resource.ts";

export const id: FieldDecl = { type: "int", description: "Unique id" };
/** Client-chosen text ids ("pool-1"); filters and ordering treat them as text. */
export const textKey = (max: number): KeyDecl => ({ column: "id", type: "text", max });
export const textId: FieldDecl = {
  type: "text",
  description: "Unique id (text, chosen by the client or the server)",
};
export const text: FieldDecl = { type: "text", nullable: true };
export const textReq: FieldDecl = { type: "text" };
export const ts: FieldDecl = { type: "timestamp" };
export const tsNull: FieldDecl = { type: "timestamp", nullable: true };
export const json: FieldDecl = { type: "json" };
export const bool: FieldDecl = { type: "bool" };
export const intNull: FieldDecl = { type: "int", nullable: true };
export const inetNull: FieldDecl = { type: "inet", nullable: true };
export const enumOf = (values: readonly string[], nullable = false): FieldDecl => ({
  type: "enum",
  values,
  nullable,
});

/** Fields the server keeps; a body may echo them back (GET then PUT) and they are ignored. */
export const SERVER_FIELDS = ["created_at", "updated_at", "netbox_id"];
