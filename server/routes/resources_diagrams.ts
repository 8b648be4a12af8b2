// REST resources of diagrams: /api/diagrams/ (with saved versions, diff, restore, publish and
// export) and /api/templates/ (instantiated into new diagrams). Actions answer with the diagram
// or version as its own GET shows it.
import type { Context } from "hono";
import type { Env } from "./env.ts";
import type { Key } from "./resource.ts";
import {
  type Call,
  camelKeys,
  notImplemented,
  type ResourceDecl,
  type RestContext,
} from "./resource.ts";
import { AppError } from "../errors.ts";
import {
  bool,
  id,
  json,
  SERVER_FIELDS,
  text,
  textId,
  textKey,
  textReq,
  ts,
} from "./resource_fields.ts";

const diagrams: ResourceDecl = {
  path: "diagrams",
  noun: "diagram",
  diagramAcl: true,
  tag: "diagrams",
  key: textKey(100),
  list: {
    query: "RestDiagrams",
    fields: {
      id: textId,
      name: textReq,
      description: textReq,
      version: { type: "int" },
      is_current: bool,
      tags: { type: "text[]" },
      metadata: json,
      site: text,
      created_by: text,
      updated_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "site"],
    ordering: ["name"],
  },
  detailQuery: "RestDiagramDetail",
  detailFields: { diagram_xml: text, diagram_json: json },
  brief: ["id", "name", "version"],
  create: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  update: { tool: "save-diagram", args: (call) => diagramArgs(call) },
  putRequired: ["name", "diagram_xml"],
  delete: { tool: "delete-diagram" },
  nested: [{
    path: "versions",
    summary: "Saved versions of the diagram.",
    list: {
      query: "RestDiagramVersions",
      fields: {
        id,
        diagram_id: { type: "text" },
        version_number: { type: "int" },
        name: text,
        change_summary: text,
        created_by: text,
        created_at: ts,
        is_current: bool,
        is_published: bool,
      },
      search: ["name", "change_summary", "created_by"],
      ordering: ["-version_number"],
    },
    parentColumn: "diagram_id",
    keyColumn: "version_number",
    detailQuery: "RestDiagramVersionDetail",
    detailFields: { diagram_xml: text, diagram_json: json },
  }],
  actions: [
    {
      name: "generate",
      method: "POST",
      detail: false,
      summary:
        "Draw the inventory a scope selects as a new diagram; answers what generate-diagram returns.",
      tool: { tool: "generate-diagram" },
      body: "tool",
    },
    {
      name: "diff",
      method: "GET",
      detail: true,
      summary: "Differences between two versions (?from=&to=).",
      responds: { status: 200, content: { "application/json": { type: "object" } } },
      query: { from: { type: "int" }, to: { type: "int" } },
      handler: (c, rc, call) =>
        readTool(c, rc, "diff-diagram-versions", {
          diagramId: call.id,
          from: intQuery(call.params, "from"),
          to: intQuery(call.params, "to"),
        }),
    },
    {
      name: "refresh",
      method: "POST",
      detail: true,
      summary:
        "Bring a generated diagram up to date with the inventory; answers what refresh-diagram returns.",
      tool: { tool: "refresh-diagram" },
      body: "tool",
    },
    {
      name: "restore",
      method: "POST",
      detail: true,
      summary: "Restore an earlier version as the newest one; answers the diagram.",
      tool: { tool: "restore-diagram-version", args: versionArgs },
      answer: { key: (call) => call.id! },
      body: "tool",
    },
    {
      name: "publish",
      method: "POST",
      detail: true,
      summary: "Publish a version as the live one; answers that version.",
      tool: { tool: "publish-diagram-version", args: versionArgs },
      answer: { nested: "versions", key: (call, result) => [call.id!, Number(result.version)] },
      body: "tool",
    },
    {
      name: "export",
      method: "GET",
      detail: true,
      summary: "The stored diagram as draw.io file, bare XML or diagram_json (?format=).",
      query: { format: { type: "enum", values: ["drawio", "xml", "json"] } },
      handler: exportDiagram,
      responds: {
        status: 200,
        content: {
          "application/xml": { type: "string" },
          "application/json": { type: "object" },
        },
      },
    },
  ],
};

/** Version actions name the diagram `diagramId`; the body carries `version`, `expected_version`. */
function versionArgs(call: Call): Record<string, unknown> {
  return { ...camelKeys(call.body), diagramId: call.id };
}

/**
 * Template tools take the XML as `xml`; the REST body may say `xml` or `template_xml`. The
 * server derives template_json from the XML, so an echoed one is ignored.
 */
function templateArgs(call: Call): Record<string, unknown> {
  const { template_xml, template_json: _json, ...rest } = call.body;
  for (const field of SERVER_FIELDS) delete rest[field];
  delete rest.created_by;
  // The tools do not set is_active; an echo of the stored (or default) value is no change.
  if (rest.is_active === (call.current?.is_active ?? true)) delete rest.is_active;
  const args = camelKeys(rest);
  if (args.xml === undefined && template_xml !== undefined) args.xml = template_xml;
  if (call.id !== undefined) args.id = call.id;
  return args;
}

/** Fields of a diagram the server keeps; a body echoing a GET may carry them. */
const DIAGRAM_SERVER_FIELDS = [
  "created_at",
  "updated_at",
  "created_by",
  "updated_by",
  "version",
  "is_current",
  "diagram_json",
];

/**
 * save-diagram takes the XML as `xml`; the REST body may say `xml` or `diagram_xml`. A POST may
 * name the new diagram's id; an update saves the diagram of the URL.
 */
function diagramArgs(call: Call): Record<string, unknown> {
  const { diagram_xml, ...rest } = call.body;
  for (const field of DIAGRAM_SERVER_FIELDS) delete rest[field];
  const args = camelKeys(rest);
  if (args.xml === undefined && diagram_xml !== undefined) args.xml = diagram_xml;
  if (call.current) {
    args.id = call.id;
    args.name ??= call.current.name;
    args.xml ??= call.current.diagram_xml;
  }
  return args;
}

function intQuery(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new AppError("invalid", `${name}: must be a version number`, {
      errors: {
        [name]: ["must be a version number"],
      },
    });
  }
  return Number(raw);
}

async function readTool(
  c: Context<Env>,
  rc: RestContext,
  tool: string,
  args: Record<string, unknown>,
): Promise<Response> {
  const what = `${c.req.method} ${c.req.path}`;
  if (!rc.deps.registry.get(tool)) {
    throw notImplemented(what, tool);
  }
  const result = await rc.runTool(
    c,
    { tool, args: () => args },
    {
      body: {},
      params: new URLSearchParams(),
    },
    rc.deps.db,
    what,
  );
  return c.json(result);
}

function exportDiagram(c: Context<Env>, _rc: RestContext, call: Call): Promise<Response> {
  const format = call.params.get("format") ?? "drawio";
  const row = call.current!;
  const safeName = String(row.name).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100) || "diagram";
  if (format === "json") {
    return Promise.resolve(c.json(row.diagram_json as Record<string, unknown>));
  }
  if (format !== "xml" && format !== "drawio") {
    throw new AppError("invalid", "format: must be drawio, xml or json", {
      errors: {
        format: ["must be drawio, xml or json"],
      },
    });
  }
  c.header("Content-Type", "application/xml; charset=utf-8");
  if (format === "drawio") {
    c.header("Content-Disposition", `attachment; filename="${safeName}.drawio"`);
  }
  return Promise.resolve(c.body(String(row.diagram_xml ?? "")));
}

const templates: ResourceDecl = {
  path: "templates",
  noun: "template",
  tag: "diagrams",
  key: textKey(100),
  list: {
    query: "RestTemplates",
    fields: {
      id: textId,
      name: textReq,
      description: textReq,
      category: textReq,
      variables: json,
      is_active: bool,
      created_by: text,
      created_at: ts,
      updated_at: ts,
    },
    search: ["name", "description", "category"],
    ordering: ["name"],
  },
  detailQuery: "RestTemplateDetail",
  detailFields: { template_xml: text, template_json: json },
  brief: ["id", "name", "category"],
  create: { tool: "create-template", args: templateArgs },
  update: { tool: "update-template", args: templateArgs },
  delete: { tool: "delete-template" },
  putRequired: ["name", "template_xml"],
  actions: [{
    name: "instantiate",
    method: "POST",
    detail: true,
    summary: "Create a diagram from the template with the given variables; answers the diagram.",
    tool: {
      tool: "instantiate-template",
      args: (call) => ({ ...camelKeys(call.body), templateId: call.id }),
    },
    answer: { resource: "diagrams", key: (_call, result) => result.id as Key, status: 201 },
    body: "tool",
  }],
};

export const DIAGRAM_RESOURCES = [diagrams, templates];
