-- check_port_references() (0100) ran its queries over the transition tables with plans that
-- PL/pgSQL makes once per connection and keeps. The first statement to fire the trigger on a
-- connection fixed the plan for every later one: when it touched no rows (a save whose links
-- were all new updates no port), the kept plan joined the transition tables by nested loops,
-- and a later statement over 20,000 ports compared every row with every other one (unplugging
-- a drawing of 10,000 links took 30 s instead of 0.3 s). Its queries now go through EXECUTE,
-- which plans them for the statement at hand, knowing how many rows it touched.
CREATE OR REPLACE FUNCTION check_port_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  devices bigint[];
  peers bigint[];
BEGIN
  -- What this statement's rows newly refer to: everything for an insert, changed references
  -- for an update. Peers written by the same statement need no check.
  -- (DISTINCT in a subquery: hashed, where array_agg(DISTINCT ...) would sort every row.)
  IF TG_OP = 'INSERT' THEN
    EXECUTE 'SELECT array_agg(d) FROM (SELECT DISTINCT f.device_id FROM fresh f) s (d)'
      INTO devices;
    EXECUTE 'SELECT array_agg(p)
               FROM (SELECT DISTINCT f.connected_port_id
                       FROM fresh f
                      WHERE f.connected_port_id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM fresh g
                                         WHERE g.id = f.connected_port_id)) s (p)'
      INTO peers;
  ELSE
    EXECUTE 'SELECT array_agg(d)
               FROM (SELECT DISTINCT n.device_id
                       FROM fresh n JOIN stale o ON o.id = n.id
                      WHERE n.device_id <> o.device_id) s (d)'
      INTO devices;
    EXECUTE 'SELECT array_agg(p)
               FROM (SELECT DISTINCT n.connected_port_id
                       FROM fresh n JOIN stale o ON o.id = n.id
                      WHERE n.connected_port_id IS NOT NULL
                        AND n.connected_port_id IS DISTINCT FROM o.connected_port_id
                        AND NOT EXISTS (SELECT 1 FROM fresh g
                                         WHERE g.id = n.connected_port_id)) s (p)'
      INTO peers;
  END IF;

  PERFORM lock_referenced('network_devices', devices, 'device', 'device_ports_device_id_fkey');
  PERFORM lock_referenced('device_ports', peers, 'port', 'device_ports_connected_port_id_fkey');
  RETURN NULL;
END
$$;
