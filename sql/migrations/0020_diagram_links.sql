-- Provenance of the links a diagram drew: which diagram connected which pair of ports, from
-- which edge. A save disconnects only the links its own diagram made (and that no other diagram
-- also draws), so removing an edge from a drawing never undoes a cable recorded elsewhere.
-- Ports are stored as an ordered pair (port_a_id < port_b_id), one row per link and diagram.
--
-- A large diagram records tens of thousands of rows in one save, so the references are kept by
-- statement-level triggers on the referenced tables (one DELETE per statement) instead of
-- foreign keys, whose per-row checks would cost more than the rest of the save. Rows are only
-- ever written by the save itself, with ids it has just read in the same transaction.
CREATE TABLE diagram_links (
  diagram_id bigint NOT NULL,
  port_a_id  bigint NOT NULL,
  port_b_id  bigint NOT NULL,
  page_id    text NOT NULL,
  edge_id    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (diagram_id, port_a_id, port_b_id),
  CHECK (port_a_id < port_b_id)
);
CREATE INDEX idx_diagram_links_ports ON diagram_links (port_a_id, port_b_id);
CREATE INDEX idx_diagram_links_port_b ON diagram_links (port_b_id);

CREATE FUNCTION forget_links_of_deleted_diagrams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM diagram_links WHERE diagram_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;
CREATE TRIGGER diagrams_forget_links AFTER DELETE ON diagrams
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION forget_links_of_deleted_diagrams();

CREATE FUNCTION forget_links_of_deleted_ports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM diagram_links
   WHERE port_a_id IN (SELECT id FROM gone) OR port_b_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;
CREATE TRIGGER device_ports_forget_links AFTER DELETE ON device_ports
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION forget_links_of_deleted_ports();
