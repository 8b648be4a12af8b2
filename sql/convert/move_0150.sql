-- A database made by the previous schema (schema version 150) holds ArchiFlow's tables and
-- functions in `public`. They move aside, unchanged, into the schema archiflow_0150, where
-- from_0150.sql reads them (as it reads the rows of an old backup that restore loads into
-- tables_0150.sql), and where drop_0150.sql drops them once their rows are copied. Every
-- object is named: whatever else lives in `public` (extensions, other applications) stays.
DROP VIEW IF EXISTS public.ip_pool_usage, public.device_connections;

CREATE SCHEMA archiflow_0150;

ALTER TABLE public.schema_migrations SET SCHEMA archiflow_0150;
ALTER TABLE public.ip_pools SET SCHEMA archiflow_0150;
ALTER TABLE public.ip_allocations SET SCHEMA archiflow_0150;
ALTER TABLE public.ip_pool_state SET SCHEMA archiflow_0150;
ALTER TABLE public.ip_pool_free_ranges SET SCHEMA archiflow_0150;
ALTER TABLE public.ip_allocation_keys SET SCHEMA archiflow_0150;
ALTER TABLE public.network_devices SET SCHEMA archiflow_0150;
ALTER TABLE public.device_ports SET SCHEMA archiflow_0150;
ALTER TABLE public.diagrams SET SCHEMA archiflow_0150;
ALTER TABLE public.diagram_versions SET SCHEMA archiflow_0150;
ALTER TABLE public.diagram_shares SET SCHEMA archiflow_0150;
ALTER TABLE public.diagram_links SET SCHEMA archiflow_0150;
ALTER TABLE public.templates SET SCHEMA archiflow_0150;
ALTER TABLE public.alerts SET SCHEMA archiflow_0150;
ALTER TABLE public.audit_log SET SCHEMA archiflow_0150;
ALTER TABLE public.api_tokens SET SCHEMA archiflow_0150;
ALTER TABLE public.server_state SET SCHEMA archiflow_0150;
ALTER TABLE public.editor_revocations SET SCHEMA archiflow_0150;
ALTER TABLE public.sites SET SCHEMA archiflow_0150;
ALTER TABLE public.vlans SET SCHEMA archiflow_0150;
ALTER TABLE public.netbox_prefixes SET SCHEMA archiflow_0150;
ALTER TABLE public.netbox_ip_addresses SET SCHEMA archiflow_0150;
ALTER TABLE public.netbox_cables SET SCHEMA archiflow_0150;
ALTER TABLE public.sync_runs SET SCHEMA archiflow_0150;
ALTER TABLE public.netbox_webhook_deliveries SET SCHEMA archiflow_0150;
ALTER TABLE public.netbox_outbox SET SCHEMA archiflow_0150;

ALTER FUNCTION public.set_updated_at() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_pool_base_excluded(cidr, inet, inet[]) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.cidr_size(cidr) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_pools_init_state() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_pools_exclusions_changed() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_allocations_count_insert() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_allocations_count_update() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.ip_allocations_count_delete() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.forget_links_of_deleted_diagrams() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.forget_links_of_deleted_ports() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_rows(regclass, bigint, integer) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_self_refs(regclass) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_load(regclass, json) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_link(regclass, jsonb) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_fix_sequences() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_backup_truncate(text[]) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.diagram_access(text, bigint, text, boolean, boolean) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.diagram_visible(bigint, text, boolean, boolean) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.diagram_access_here(text, bigint) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.lock_referenced(regclass, bigint[], text, text) SET SCHEMA archiflow_0150;
ALTER FUNCTION public.check_port_references() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.delete_ports_of_deleted_devices() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_kept_references() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_keep_session_memory() SET SCHEMA archiflow_0150;
ALTER FUNCTION public.archiflow_first_invalid_diagram_json() SET SCHEMA archiflow_0150;

-- The old policies call the old access functions, which look for their tables by search path;
-- the copy reads every row as the owner does.
ALTER TABLE archiflow_0150.diagrams DISABLE ROW LEVEL SECURITY;
ALTER TABLE archiflow_0150.diagram_versions DISABLE ROW LEVEL SECURITY;
