-- diagram_json is the server's own serialisation of what it parsed, written whole on every save
-- and read whole. As `json`, PostgreSQL checked it again on every write: for the generated
-- 5,000-device drawing (7.8 MB of JSON) that check took ~80 ms of a ~600 ms save, and on
-- reads the driver parsed it only for the server to serialise it again. It is stored as text:
-- a save sends it as produced, and load-diagram passes it on into its response as it is. The
-- statements that look inside it cast it to json, and a restore checks what it loads.
ALTER TABLE diagram_versions ALTER COLUMN diagram_json TYPE text USING diagram_json::text;
-- The type change drops the column's compression setting: lz4 again where 0022 could set it.
DO $$
BEGIN
  ALTER TABLE diagram_versions ALTER COLUMN diagram_json SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available here; diagram content keeps the default compression';
END
$$;

-- For restores: the first version row (if any) whose diagram_json is not JSON text.
CREATE FUNCTION archiflow_first_invalid_diagram_json(OUT diagram_id bigint, OUT version int)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT v.diagram_id, v.version, v.diagram_json FROM diagram_versions v LOOP
    BEGIN
      PERFORM r.diagram_json::json;
    EXCEPTION WHEN invalid_text_representation THEN
      diagram_id := r.diagram_id;
      version := r.version;
      RETURN;
    END;
  END LOOP;
END
$$;
