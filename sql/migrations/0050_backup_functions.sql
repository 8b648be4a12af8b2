-- Helpers for `deno task backup` and `deno task restore`. Table names are only known at run
-- time, so the dynamic statements live here (with regclass quoting) instead of in the client.

-- Rows of one table as JSON text, in a stable order, one page at a time.
CREATE FUNCTION archiflow_backup_rows(tbl regclass, page_offset bigint, page_size integer)
RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT row_to_json(t)::text FROM %s t ORDER BY t.ctid OFFSET $1 LIMIT $2', tbl)
    USING page_offset, page_size;
END
$$;

-- Columns of tbl with a single-column foreign key to tbl itself (e.g. connected ports).
CREATE FUNCTION archiflow_backup_self_refs(tbl regclass)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attname), '{}')
    FROM pg_constraint k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
   WHERE k.contype = 'f' AND k.conrelid = tbl AND k.confrelid = tbl
     AND array_length(k.conkey, 1) = 1
$$;

-- Inserts a JSON array of rows into tbl, leaving self-references empty for
-- archiflow_backup_link to fill once every row of the table is present.
CREATE FUNCTION archiflow_backup_load(tbl regclass, rows jsonb)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  self_refs text[] := archiflow_backup_self_refs(tbl);
  loaded integer;
BEGIN
  IF cardinality(self_refs) > 0 THEN
    SELECT coalesce(jsonb_agg(r - self_refs), '[]') INTO rows FROM jsonb_array_elements(rows) r;
  END IF;
  EXECUTE format(
    'INSERT INTO %s OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_recordset(NULL::%s, $1)',
    tbl, tbl) USING rows;
  GET DIAGNOSTICS loaded = ROW_COUNT;
  RETURN loaded;
END
$$;

-- Restores the self-references of rows loaded by archiflow_backup_load, with user triggers
-- off so updated_at keeps its backed-up value.
CREATE FUNCTION archiflow_backup_link(tbl regclass, rows jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  col text;
  pk text;
BEGIN
  SELECT a.attname INTO pk
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
   WHERE i.indrelid = tbl AND i.indisprimary AND i.indnatts = 1;
  IF pk IS NULL THEN
    RAISE EXCEPTION 'table % has self-references but no single-column primary key', tbl;
  END IF;
  EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', tbl);
  FOREACH col IN ARRAY archiflow_backup_self_refs(tbl) LOOP
    EXECUTE format(
      'UPDATE %s t SET %I = s.%I FROM jsonb_populate_recordset(NULL::%s, $1) s '
      'WHERE t.%I = s.%I AND s.%I IS NOT NULL', tbl, col, col, tbl, pk, pk, col) USING rows;
  END LOOP;
  EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', tbl);
END
$$;

-- Moves every identity sequence of the schema past the highest value in use.
CREATE FUNCTION archiflow_backup_fix_sequences()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  fixed integer := 0;
  top bigint;
BEGIN
  FOR r IN SELECT c.oid::regclass AS tbl, a.attname
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE a.attidentity IN ('a', 'd') AND c.relkind = 'r'
              AND c.relnamespace = current_schema()::regnamespace LOOP
    EXECUTE format('SELECT max(%I) FROM %s', r.attname, r.tbl) INTO top;
    PERFORM setval(pg_get_serial_sequence(r.tbl::text, r.attname), coalesce(top, 0) + 1, false);
    fixed := fixed + 1;
  END LOOP;
  RETURN fixed;
END
$$;

-- Empties the named tables (a forced restore over existing data), identities restarted.
CREATE FUNCTION archiflow_backup_truncate(tables text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(tables) > 0 THEN
    EXECUTE 'TRUNCATE ' || (SELECT string_agg(t::regclass::text, ', ') FROM unnest(tables) t)
      || ' RESTART IDENTITY CASCADE';
  END IF;
END
$$;
