// The smallest drawing most tests need: one labelled shape on one page.

/** mxGraphModel XML of one vertex (id v1) whose label is `label`. */
export const oneShapeDiagram = (label: string): string =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<mxCell id="v1" value="${label}" vertex="1" parent="1">` +
  `<mxGeometry x="10" y="10" width="60" height="60" as="geometry"/></mxCell>` +
  `</root></mxGraphModel>`;
