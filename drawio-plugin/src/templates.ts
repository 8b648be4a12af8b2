// Template variables as the "New from template" form needs them, read from list-templates rows.
// deno-lint-ignore-file no-explicit-any

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

/** The variables of a template as a form needs them, whatever shape the server lists them in. */
export function templateVariables(
  t: any,
): TemplateVariable[] {
  const raw = t?.variables ?? t?.schema?.properties ?? [];
  const out: TemplateVariable[] = [];
  if (Array.isArray(raw)) {
    for (const v of raw) {
      if (typeof v === "string") out.push({ name: v, label: v, required: true, type: "string" });
      else if (v && typeof v.name === "string") {
        out.push({
          name: v.name,
          label: v.label ?? v.description ?? v.name,
          default: v.default === undefined ? undefined : String(v.default),
          required: v.required === true,
          options: Array.isArray(v.options) ? v.options.map(String) : undefined,
          type: typeof v.type === "string" ? v.type : "string",
        });
      }
    }
  } else if (raw && typeof raw === "object") {
    for (const [name, v] of Object.entries<any>(raw)) {
      out.push({
        name,
        label: v?.label ?? v?.description ?? name,
        default: v?.default === undefined ? undefined : String(v.default),
        required: v?.required === true,
        options: Array.isArray(v?.options) ? v.options.map(String) : undefined,
        type: typeof v?.type === "string" ? v.type : "string",
      });
    }
  }
  return out;
}
