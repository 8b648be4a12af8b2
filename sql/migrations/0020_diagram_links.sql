-- Provenance of the links a diagram drew: which diagram connected which pair of ports, from
-- which edge. A save disconnects only the links its own diagram made (and that no other diagram
-- also draws), so removing an edge from a drawing never undoes a cable recorded elsewhere.
-- Ports are stored as an ordered pair (port_a_id < port_b_id), one row per link and diagram.
CREATE TABLE diagram_links (
  diagram_id bigint NOT NULL REFERENCES diagrams (id) ON DELETE CASCADE,
  port_a_id  bigint NOT NULL REFERENCES device_ports (id) ON DELETE CASCADE,
  port_b_id  bigint NOT NULL REFERENCES device_ports (id) ON DELETE CASCADE,
  page_id    text NOT NULL,
  edge_id    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (diagram_id, port_a_id, port_b_id),
  CHECK (port_a_id < port_b_id)
);
CREATE INDEX idx_diagram_links_ports ON diagram_links (port_a_id, port_b_id);
CREATE INDEX idx_diagram_links_port_b ON diagram_links (port_b_id);
