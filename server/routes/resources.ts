// The REST resources under /api/, declared once: base query, fields, and the tool behind each
// write (resource.ts says what a declaration holds). Wiring a tool that lands later is one line:
// until the registry has it, its routes answer 501 Not Implemented.
import type { ResourceDecl } from "./resource.ts";
import { bool, enumOf, id, inetNull, json, text, textReq, ts, tsNull } from "./resource_fields.ts";
import { DIAGRAM_RESOURCES } from "./resources_diagrams.ts";
import { INVENTORY_RESOURCES } from "./resources_inventory.ts";
import { IPAM_RESOURCES } from "./resources_ipam.ts";

const alerts: ResourceDecl = {
  path: "alerts",
  noun: "alert",
  tag: "alerts",
  list: {
    query: "RestAlerts",
    fields: {
      id,
      alert_type: enumOf(["ip_conflict", "pool_exhausted", "device_down"]),
      severity: enumOf(["info", "warning", "critical"]),
      title: textReq,
      message: textReq,
      source: textReq,
      entity_type: text,
      entity_id: text,
      dedup_key: text,
      details: json,
      is_acknowledged: bool,
      acknowledged_by: text,
      acknowledged_at: tsNull,
      resolved: bool,
      resolved_by: text,
      resolved_at: tsNull,
      created_at: ts,
      updated_at: ts,
    },
    search: ["title", "message", "entity_id"],
    ordering: ["-created_at"],
  },
  brief: ["id", "alert_type", "severity", "title"],
  actions: [
    {
      name: "acknowledge",
      method: "POST",
      detail: true,
      summary: "Acknowledge the alert.",
      tool: { tool: "acknowledge-alert", args: (call) => ({ id: call.id }) },
      answer: { key: (call) => call.id! },
      body: "tool",
    },
    {
      name: "resolve",
      method: "POST",
      detail: true,
      summary: "Resolve the alert.",
      tool: { tool: "resolve-alert", args: (call) => ({ id: call.id }) },
      answer: { key: (call) => call.id! },
      body: "tool",
    },
  ],
};

const auditLog: ResourceDecl = {
  path: "audit-log",
  noun: "audit entry",
  plural: "audit entries",
  tag: "audit",
  list: {
    query: "RestAuditLog",
    fields: {
      id,
      created_at: ts,
      action: textReq,
      entity_type: textReq,
      entity_id: text,
      user_id: text,
      user_name: text,
      ip_address: inetNull,
      user_agent: text,
      request_id: text,
      old_value: json,
      new_value: json,
    },
    search: ["user_id", "user_name", "action", "entity_type", "entity_id"],
    ordering: ["-created_at"],
  },
  brief: ["id", "created_at", "user_id", "action", "entity_type", "entity_id"],
};

export const RESOURCES: ResourceDecl[] = [
  ...IPAM_RESOURCES,
  ...INVENTORY_RESOURCES,
  ...DIAGRAM_RESOURCES,
  alerts,
  auditLog,
];
