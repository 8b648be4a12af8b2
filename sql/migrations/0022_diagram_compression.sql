-- Diagram content is large (megabytes of XML and its parsed JSON, kept again in every version);
-- lz4 compresses it several times faster than the default pglz, which dominates the cost of a
-- save. Servers built without lz4 (and the embedded PGlite) keep the default.
DO $$
BEGIN
  ALTER TABLE diagrams ALTER COLUMN xml_content SET COMPRESSION lz4;
  ALTER TABLE diagrams ALTER COLUMN diagram_json SET COMPRESSION lz4;
  ALTER TABLE diagram_versions ALTER COLUMN xml_content SET COMPRESSION lz4;
  ALTER TABLE diagram_versions ALTER COLUMN diagram_json SET COMPRESSION lz4;
  ALTER TABLE templates ALTER COLUMN xml_content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available here; diagram content keeps the default compression';
END
$$;
