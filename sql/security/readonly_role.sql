-- Optional, run by `deno task db:readonly-role` with a role allowed to create roles (and owning
-- the ArchiFlow tables or a superuser). Not a numbered migration: ordinary deployments run
-- migrations as an unprivileged owner. Creates (or updates) a read-only role with SELECT on
-- every table and view of ArchiFlow's schema `archiflow` (the design document's read-only
-- user), also on views and tables created later by migrations, and read-only transactions by
-- default. The database's search path starts with archiflow, so the role finds the tables
-- unqualified. The role name and optional password come from the
-- settings archiflow.readonly_role and archiflow.readonly_password of the session.
DO $$
DECLARE
  role_name text := coalesce(nullif(current_setting('archiflow.readonly_role', true), ''),
                             'archiflow_readonly');
  pw text := nullif(current_setting('archiflow.readonly_password', true), '');
  owner_name text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
  END IF;
  IF pw IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', role_name, pw);
  END IF;
  EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', role_name);
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
  EXECUTE format('GRANT USAGE ON SCHEMA archiflow TO %I', role_name);
  -- ALL TABLES includes views.
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA archiflow TO %I', role_name);
  -- Views are re-created on every migrate; default privileges of the owner re-grant them.
  SELECT pg_get_userbyid(c.relowner) INTO owner_name
    FROM pg_class c WHERE c.oid = to_regclass('archiflow.ip_pools');
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA archiflow GRANT SELECT ON TABLES TO %I',
                 coalesce(owner_name, current_user), role_name);
END
$$;
