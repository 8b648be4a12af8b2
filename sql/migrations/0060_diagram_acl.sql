-- Per-user diagram access (ARCHIFLOW_DIAGRAM_ACL=owner): diagrams are seen by their creator and by
-- the users they are shared with. The same functions serve the application's queries (which pass
-- the caller explicitly, so the rule holds when the server connects as a superuser, which row
-- level security never restricts) and the row level security policies below (which read the
-- caller from the archiflow.* settings, for roles that are not superusers).

CREATE TABLE diagram_shares (
  diagram_id  bigint NOT NULL REFERENCES diagrams (id) ON DELETE CASCADE,
  user_name   text NOT NULL CHECK (length(user_name) BETWEEN 1 AND 200),
  can_write   boolean NOT NULL DEFAULT false,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (diagram_id, user_name)
);
CREATE INDEX diagram_shares_user_idx ON diagram_shares (user_name);

-- What the user may do with a diagram whose creator and id are given: 'write', 'read' or NULL
-- (nothing). It reads only diagram_shares, so policies on diagrams may call it.
CREATE FUNCTION diagram_access(p_created_by text, p_diagram bigint, p_user text,
                               p_acl boolean, p_admin boolean)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN NOT coalesce(p_acl, false) OR coalesce(p_admin, false) THEN 'write'
    WHEN p_user IS NOT NULL AND p_created_by = p_user THEN 'write'
    ELSE (SELECT CASE WHEN s.can_write THEN 'write' ELSE 'read' END
            FROM diagram_shares s
           WHERE s.diagram_id = p_diagram AND s.user_name = p_user)
  END
$$;

-- Whether the user sees the diagram with this id; false for a missing diagram too, so a hidden
-- diagram and a missing one look the same.
CREATE FUNCTION diagram_visible(p_diagram bigint, p_user text, p_acl boolean, p_admin boolean)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM diagrams d
                  WHERE d.id = p_diagram
                    AND diagram_access(d.created_by, d.id, p_user, p_acl, p_admin) IS NOT NULL)
$$;

-- The caller as the policies see it: SET LOCAL archiflow.acl = 'owner', archiflow.user = '...',
-- archiflow.admin = 'true'. Unset settings mean ACL off, so connections that set nothing keep
-- seeing every row.
CREATE FUNCTION diagram_access_here(p_created_by text, p_diagram bigint)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT diagram_access(p_created_by, p_diagram,
                        nullif(current_setting('archiflow.user', true), ''),
                        current_setting('archiflow.acl', true) = 'owner',
                        current_setting('archiflow.admin', true) = 'true')
$$;

ALTER TABLE diagrams ENABLE ROW LEVEL SECURITY;
ALTER TABLE diagrams FORCE ROW LEVEL SECURITY;
CREATE POLICY diagrams_read ON diagrams FOR SELECT
  USING (diagram_access_here(created_by, id) IS NOT NULL);
CREATE POLICY diagrams_insert ON diagrams FOR INSERT WITH CHECK (true);
CREATE POLICY diagrams_update ON diagrams FOR UPDATE
  USING (diagram_access_here(created_by, id) = 'write');
CREATE POLICY diagrams_delete ON diagrams FOR DELETE
  USING (diagram_access_here(created_by, id) = 'write');

-- Versions follow their diagram: the subquery is itself filtered by the policies on diagrams.
ALTER TABLE diagram_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE diagram_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY diagram_versions_all ON diagram_versions
  USING (EXISTS (SELECT 1 FROM diagrams d WHERE d.id = diagram_id))
  WITH CHECK (EXISTS (SELECT 1 FROM diagrams d WHERE d.id = diagram_id));
