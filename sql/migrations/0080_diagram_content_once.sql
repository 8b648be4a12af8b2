-- A diagram's content is stored once, in its version rows: the current content is the row of
-- the diagram's current version. Saving used to write the XML and diagram_json into `diagrams`
-- and copy them into `diagram_versions`, so every save stored its content twice.
-- Every save has always written its version row, so the rows are there; any diagram whose
-- current version lacks one (a hand-made row) gets it from its own columns first.
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, stats, created_by)
SELECT d.id, d.version, d.xml_content, d.diagram_json, d.stats, d.updated_by
  FROM diagrams d
 WHERE NOT EXISTS (SELECT 1 FROM diagram_versions v
                    WHERE v.diagram_id = d.id AND v.version = d.version);
ALTER TABLE diagrams DROP COLUMN xml_content, DROP COLUMN diagram_json;
