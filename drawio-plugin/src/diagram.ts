// Diagrams as the server's tools answer them, in the plugin's terms: ids are text, as the
// server has them ("diagram-1"), and field names of older and newer servers are both read.

export interface LoadedDiagram {
  id: string;
  name: string;
  version: number;
  xml: string;
}

/** What save-diagram answers: the diagram's text id and the version just written. */
export interface SavedDiagram {
  id: string;
  version: number;
  name: string;
}

/**
 * load-diagram's answer in the plugin's terms: ids as text, the content under `xml` (older
 * servers) or the column's name `diagram_xml`.
 */
export function loadedDiagram(r: Record<string, unknown>): LoadedDiagram {
  return {
    id: String(r.id),
    name: String(r.name ?? ""),
    version: Number(r.version),
    xml: String(r.xml ?? r.diagram_xml ?? ""),
  };
}

/** A version row of list-diagram-versions: `version_number` (the column) or `version`. */
export function versionOf(v: Record<string, unknown>): number {
  return Number(v.version_number ?? v.version);
}
