-- diagram_json is written whole on every save and read whole: jsonb's conversion to its binary
-- form cost about four times PostgreSQL's plain JSON check (a 7.8 MB document: ~190 ms against
-- ~50 ms), and nothing queries inside it on a hot path. It is kept as `json` (checked, stored as
-- written). The small `stats` object that listings show gets its own column, so that listing
-- diagrams or versions never reads their content.
ALTER TABLE diagrams ADD COLUMN stats jsonb NOT NULL DEFAULT '{}';
ALTER TABLE diagram_versions ADD COLUMN stats jsonb NOT NULL DEFAULT '{}';
UPDATE diagrams SET stats = coalesce(diagram_json -> 'stats', '{}');
UPDATE diagram_versions SET stats = coalesce(diagram_json -> 'stats', '{}');
ALTER TABLE diagrams ALTER COLUMN diagram_json TYPE json USING diagram_json::json;
ALTER TABLE diagram_versions ALTER COLUMN diagram_json TYPE json USING diagram_json::json;
-- The type change drops the column's compression setting: lz4 again where 0022 could set it.
DO $$
BEGIN
  ALTER TABLE diagrams ALTER COLUMN diagram_json SET COMPRESSION lz4;
  ALTER TABLE diagram_versions ALTER COLUMN diagram_json SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available here; diagram content keeps the default compression';
END
$$;

-- Restores read backed-up rows as json rather than jsonb, so that json columns come back as
-- they were written (jsonb would reorder keys and drop duplicates).
DROP FUNCTION archiflow_backup_load(regclass, jsonb);
CREATE FUNCTION archiflow_backup_load(tbl regclass, rows json)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  self_refs text[] := archiflow_backup_self_refs(tbl);
  loaded integer;
BEGIN
  IF cardinality(self_refs) > 0 THEN
    SELECT coalesce(json_agg(r::jsonb - self_refs), '[]') INTO rows FROM json_array_elements(rows) r;
  END IF;
  EXECUTE format(
    'INSERT INTO %s OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::%s, $1)',
    tbl, tbl) USING rows;
  GET DIAGNOSTICS loaded = ROW_COUNT;
  RETURN loaded;
END
$$;
