// Template variables as the "New from template" form needs them, read from list-templates rows.

export interface TemplateVariable {
  name: string;
  label: string;
  default?: string;
  required: boolean;
  /** The choices of an enum variable. */
  options?: string[];
  /** string, number, ip, cidr or enum. */
  type: string;
}

/** A listed template or variable: JSON of a shape only partly known. */
type Loose = Record<string, unknown>;

const isLoose = (v: unknown): v is Loose => typeof v === "object" && v !== null;

/** One variable from its declaration (a field of a list entry or of a JSON schema). */
function variable(name: string, v: Loose): TemplateVariable {
  return {
    name,
    label: String(v.label ?? v.description ?? name),
    default: v.default === undefined ? undefined : String(v.default),
    required: v.required === true,
    options: Array.isArray(v.options) ? v.options.map(String) : undefined,
    type: typeof v.type === "string" ? v.type : "string",
  };
}

/** The variables of a template as a form needs them, whatever shape the server lists them in. */
export function templateVariables(t: unknown): TemplateVariable[] {
  const template = isLoose(t) ? t : {};
  const schema = isLoose(template.schema) ? template.schema : {};
  const raw = template.variables ?? schema.properties ?? [];
  const out: TemplateVariable[] = [];
  if (Array.isArray(raw)) {
    for (const v of raw) {
      if (typeof v === "string") out.push({ name: v, label: v, required: true, type: "string" });
      else if (isLoose(v) && typeof v.name === "string") {
        out.push(variable(v.name, v));
      }
    }
  } else if (isLoose(raw)) {
    for (const [name, v] of Object.entries(raw)) {
      out.push(variable(name, isLoose(v) ? v : {}));
    }
  }
  return out;
}
