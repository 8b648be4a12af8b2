-- One running sync per NetBox: a second concurrent run is refused instead of interleaving pages.
CREATE UNIQUE INDEX uq_sync_runs_running ON sync_runs (netbox_url) WHERE status = 'running';
