-- A port's device and its peer port were foreign keys, checked row by row: saving a drawing
-- that creates 20,000 ports ran 40,000 single-row lookups, each locking the row it found, which
-- cost more than inserting the ports themselves. The same rules are now kept once per
-- statement, as diagram_links' references already are:
-- - inserting or updating ports checks, per statement, that every device and peer port they
--   name exists, and locks those rows (FOR KEY SHARE, as a foreign key does) so that no other
--   transaction can delete them before this one commits; a missing one is refused with
--   foreign_key_violation, as before;
-- - deleting devices deletes their ports (was ON DELETE CASCADE);
-- - deleting ports unplugs their peers (was ON DELETE SET NULL) and forgets the diagram links
--   that named them (as before).
-- Ids are identity values that nothing updates, so updates of a referenced id are not handled.
-- archiflow_kept_references() lists these references for backup and restore, which order
-- tables and find self-references by them as they do by foreign keys.
ALTER TABLE device_ports DROP CONSTRAINT device_ports_device_id_fkey;
ALTER TABLE device_ports DROP CONSTRAINT device_ports_connected_port_id_fkey;

-- Locks the rows of tbl with the given ids as a foreign key check does (FOR KEY SHARE: they
-- cannot be deleted, nor their id changed, until this transaction ends), and refuses the
-- statement with foreign_key_violation, naming `what` and the id, when one has no row.
CREATE FUNCTION lock_referenced(tbl regclass, ids bigint[], what text, constraint_name text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;
BEGIN
  IF ids IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format(
    'WITH held AS (SELECT t.id FROM %s t WHERE t.id IN (SELECT unnest($1)) FOR KEY SHARE) '
    'SELECT w FROM unnest($1) w WHERE w NOT IN (SELECT id FROM held) LIMIT 1', tbl)
    INTO missing USING ids;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('%s %s does not exist', what, missing),
      CONSTRAINT = constraint_name;
  END IF;
END
$$;

CREATE FUNCTION check_port_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  devices bigint[];
  peers bigint[];
BEGIN
  -- What this statement's rows newly refer to: everything for an insert, changed references
  -- for an update. Peers written by the same statement need no check.
  -- (DISTINCT in a subquery: hashed, where array_agg(DISTINCT ...) would sort every row.)
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(d) INTO devices FROM (SELECT DISTINCT f.device_id FROM fresh f) s (d);
    SELECT array_agg(p) INTO peers
      FROM (SELECT DISTINCT f.connected_port_id
              FROM fresh f
             WHERE f.connected_port_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM fresh g WHERE g.id = f.connected_port_id)) s (p);
  ELSE
    SELECT array_agg(d) INTO devices
      FROM (SELECT DISTINCT n.device_id
              FROM fresh n JOIN stale o ON o.id = n.id
             WHERE n.device_id <> o.device_id) s (d);
    SELECT array_agg(p) INTO peers
      FROM (SELECT DISTINCT n.connected_port_id
              FROM fresh n JOIN stale o ON o.id = n.id
             WHERE n.connected_port_id IS NOT NULL
               AND n.connected_port_id IS DISTINCT FROM o.connected_port_id
               AND NOT EXISTS (SELECT 1 FROM fresh g WHERE g.id = n.connected_port_id)) s (p);
  END IF;

  PERFORM lock_referenced('network_devices', devices, 'device', 'device_ports_device_id_fkey');
  PERFORM lock_referenced('device_ports', peers, 'port', 'device_ports_connected_port_id_fkey');
  RETURN NULL;
END
$$;
CREATE TRIGGER device_ports_check_inserted AFTER INSERT ON device_ports
  REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION check_port_references();
CREATE TRIGGER device_ports_check_updated AFTER UPDATE ON device_ports
  REFERENCING OLD TABLE AS stale NEW TABLE AS fresh
  FOR EACH STATEMENT EXECUTE FUNCTION check_port_references();

CREATE FUNCTION delete_ports_of_deleted_devices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM device_ports WHERE device_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;
CREATE TRIGGER network_devices_delete_ports AFTER DELETE ON network_devices
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION delete_ports_of_deleted_devices();

CREATE OR REPLACE FUNCTION forget_links_of_deleted_ports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE device_ports SET connected_port_id = NULL
   WHERE connected_port_id IN (SELECT id FROM gone);
  DELETE FROM diagram_links
   WHERE port_a_id IN (SELECT id FROM gone) OR port_b_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;

-- References kept by triggers instead of foreign keys: (table, column, referred table).
CREATE FUNCTION archiflow_kept_references()
RETURNS TABLE (table_name text, column_name text, refers_to text) LANGUAGE sql IMMUTABLE AS $$
  VALUES ('device_ports', 'device_id', 'network_devices'),
         ('device_ports', 'connected_port_id', 'device_ports'),
         ('diagram_links', 'diagram_id', 'diagrams'),
         ('diagram_links', 'port_a_id', 'device_ports'),
         ('diagram_links', 'port_b_id', 'device_ports')
$$;

CREATE OR REPLACE FUNCTION archiflow_backup_self_refs(tbl regclass)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(col ORDER BY col), '{}')
    FROM (SELECT a.attname::text AS col
            FROM pg_constraint k
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
           WHERE k.contype = 'f' AND k.conrelid = tbl AND k.confrelid = tbl
             AND array_length(k.conkey, 1) = 1
          UNION
          SELECT r.column_name
            FROM archiflow_kept_references() r
           WHERE r.table_name = r.refers_to AND r.table_name::regclass = tbl) s
$$;
