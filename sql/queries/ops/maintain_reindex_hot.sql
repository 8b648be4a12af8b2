-- name: MaintainReindexHot :exec
-- Rebuilds the indexes of the hot tables (blocks writes to each table while it runs).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ip_allocations', 'audit_log', 'alerts', 'diagrams', 'diagram_versions',
                           'network_devices', 'device_ports', 'ip_pools'] LOOP
    IF to_regclass('archiflow.' || t) IS NOT NULL THEN
      EXECUTE format('REINDEX TABLE archiflow.%I', t);
    END IF;
  END LOOP;
END
$$;
