// Template tools: create, update, list, get and delete diagram templates, and instantiate one
// into a new diagram with typed, validated variable values.
import { z } from "zod";
import { audit } from "../audit.ts";
import { sql } from "../db/queries.ts";
import {
  placeholdersOf,
  render,
  resolveValues,
  TemplateValueError,
  type Variable,
  variablesSchema,
} from "../diagrams/template.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { likeEscape, limit, offset, templateId } from "./common.ts";
import { type DiagramJson, DiagramParseError } from "../diagrams/model.ts";
import { createDiagram, diagramRefusal, parseForSave } from "./diagram_save.ts";
import { defineTool, type ToolContext } from "./tool.ts";

type TemplateRow = Record<string, unknown> & {
  id: string;
  name: string;
  xml: string;
  variables: Variable[];
};

/** How many generated ids a create tries when each is taken by a client-chosen one. */
const ID_ATTEMPTS = 5;

/**
 * Refuses a template whose XML is not a diagram or uses placeholders it does not declare;
 * returns the XML's diagram_json, which the template keeps as template_json.
 */
async function checkTemplate(
  xml: string,
  variables: Variable[],
  ctx: ToolContext,
): Promise<DiagramJson> {
  const parsed = await parseForSave(xml, ctx);
  const declared = new Set(variables.map((v) => v.name));
  const used = await placeholdersOf(xml, ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES);
  const undeclared = used.filter((p) => !declared.has(p));
  if (undeclared.length > 0) {
    throw invalid(
      `Cannot save template: placeholders ${
        undeclared.map((p) => `{{${p}}}`).join(", ")
      } are not declared as variables`,
      { field: "variables", undeclared },
    );
  }
  return parsed;
}

const templateFields = {
  description: z.string().max(5000).optional(),
  category: z.string().trim().min(1).max(100).optional(),
};

const createTemplate = defineTool({
  name: "create-template",
  description:
    'Create a diagram template: draw.io XML with {{variable}} placeholders in labels, attributes and page names, and typed variables (string, number, ip, cidr, enum). Its id is the given `id`, or a new "template-N".',
  scope: "write",
  input: z.object({
    id: templateId.optional(),
    name: z.string().trim().min(1).max(200),
    xml: z.string().min(1),
    variables: variablesSchema.default([]),
    ...templateFields,
  }).strict(),
  handler: async (args, ctx) => {
    const parsed = await checkTemplate(args.xml, args.variables, ctx);
    const fields = [
      args.name,
      args.description ?? null,
      args.category ?? null,
      args.xml,
      JSON.stringify(args.variables),
      JSON.stringify(parsed),
      ctx.actor.user,
    ];
    return await ctx.db.transaction(async (tx) => {
      const insert = () =>
        args.id === undefined
          ? tx.query<TemplateRow>(sql("InsertNumberedTemplate"), fields)
          : tx.query<TemplateRow>(sql("InsertTemplate"), [args.id, ...fields]);
      let [row] = await insert();
      for (let attempt = 1; !row && args.id === undefined && attempt < ID_ATTEMPTS; attempt++) {
        [row] = await insert();
      }
      if (!row) {
        throw new AppError(
          "conflict",
          args.id === undefined
            ? "Cannot create template: no free template id was found; try again"
            : `Cannot create template "${args.name}": the id ${args.id} is taken`,
          { field: "id" },
        );
      }
      const { xml: _xml, ...shown } = row;
      await audit(tx, ctx.actor, {
        action: "create",
        entityType: "template",
        entityId: row.id,
        newValues: shown,
      });
      return row;
    });
  },
});

const updateTemplate = defineTool({
  name: "update-template",
  description:
    "Change a template's name, description, category, XML or variables; fields not given keep their values.",
  scope: "write",
  input: z.object({
    id: templateId,
    name: z.string().trim().min(1).max(200).optional(),
    xml: z.string().min(1).optional(),
    variables: variablesSchema.optional(),
    ...templateFields,
  }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [old] = await tx.query<TemplateRow>(sql("LockTemplate"), [args.id]);
      if (!old) throw notFound(`Cannot update template ${args.id}: no such template`);
      const parsed = await checkTemplate(
        args.xml ?? old.xml,
        args.variables ?? old.variables,
        ctx,
      );
      // template_json follows template_xml: written with new XML (and for a template that has
      // none yet, such as a shipped one).
      const [row] = await tx.query<TemplateRow>(sql("UpdateTemplate"), [
        args.id,
        args.name ?? null,
        args.description ?? null,
        args.category ?? null,
        args.xml ?? null,
        args.variables === undefined ? null : JSON.stringify(args.variables),
        JSON.stringify(parsed),
      ]);
      const { xml: _a, ...before } = old;
      const { xml: _b, ...after } = row;
      await audit(tx, ctx.actor, {
        action: "update",
        entityType: "template",
        entityId: row.id,
        oldValues: { ...before, xml_changed: args.xml !== undefined && args.xml !== old.xml },
        newValues: after,
      });
      return row;
    });
  },
});

const listTemplates = defineTool({
  name: "list-templates",
  description:
    "List templates (without XML) by name, with their variables; filter by category or text.",
  scope: "read",
  input: z.object({
    category: z.string().max(100).optional(),
    q: z.string().max(200).optional(),
    limit,
    offset,
  }).strict(),
  handler: async (args, ctx) => {
    const rows = await ctx.db.query<Record<string, unknown>>(sql("ListTemplates"), [
      args.category ?? null,
      args.q ? likeEscape(args.q) : null,
      args.limit,
      args.offset,
    ]);
    return {
      count: rows.length ? Number(rows[0].total) : 0,
      templates: rows.map(({ total: _t, ...r }) => r),
    };
  },
});

const getTemplate = defineTool({
  name: "get-template",
  description: "One template with its XML and variables.",
  scope: "read",
  input: z.object({ id: templateId }).strict(),
  handler: async (args, ctx) => {
    const [row] = await ctx.db.query(sql("GetTemplate"), [args.id]);
    if (!row) throw notFound(`Template ${args.id} does not exist`);
    return row;
  },
});

const deleteTemplate = defineTool({
  name: "delete-template",
  description: "Delete a template. Diagrams made from it stay as they are.",
  scope: "write",
  input: z.object({ id: templateId }).strict(),
  handler: async (args, ctx) => {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx.query<Record<string, unknown>>(sql("DeleteTemplate"), [args.id]);
      if (!row) throw notFound(`Cannot delete template ${args.id}: no such template`);
      await audit(tx, ctx.actor, {
        action: "delete",
        entityType: "template",
        entityId: args.id,
        oldValues: row,
      });
      return { ...row, deleted: true };
    });
  },
});

const instantiateTemplate = defineTool({
  name: "instantiate-template",
  description:
    "Create a new diagram from a template: {{variable}} placeholders are replaced by the given values (validated by type, XML-escaped); required variables must be given, others fall back to their defaults.",
  scope: "write",
  input: z.object({
    templateId,
    name: z.string().trim().min(1).max(255),
    values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    description: z.string().max(5000).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    site: z.string().max(200).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }).strict(),
  handler: async (args, ctx) => {
    const [template] = await ctx.db.query<TemplateRow>(sql("GetTemplate"), [args.templateId]);
    if (!template) throw notFound(`Template ${args.templateId} does not exist`);
    let values: Record<string, string>;
    try {
      // Stored variables may predate the current schema (seeded rows): normalise them first.
      values = resolveValues(variablesSchema.parse(template.variables), args.values);
    } catch (e) {
      if (e instanceof TemplateValueError) {
        throw invalid(`Cannot instantiate template "${template.name}": ${e.message}`, {
          field: "values",
          issues: e.issues,
        });
      }
      throw e;
    }
    let xml: string;
    try {
      xml = await render(template.xml, values, ctx.config.ARCHIFLOW_MAX_DIAGRAM_BYTES);
    } catch (e) {
      if (e instanceof DiagramParseError) {
        throw diagramRefusal(e, `instantiate template "${template.name}"`);
      }
      throw e;
    }
    const diagramJson = await parseForSave(xml, ctx);
    return await ctx.db.transaction((tx) =>
      createDiagram(
        tx,
        ctx,
        {
          name: args.name,
          description: args.description,
          xml,
          tags: args.tags,
          site: args.site,
          metadata: { ...args.metadata, template_id: template.id, template_name: template.name },
          changeSummary: `Created from template "${template.name}"`,
        },
        diagramJson,
        { template_id: template.id },
      )
    );
  },
});

export const templateTools = [
  createTemplate,
  updateTemplate,
  listTemplates,
  getTemplate,
  deleteTemplate,
  instantiateTemplate,
];
