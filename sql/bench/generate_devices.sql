-- name: BenchGenerateDevices :one
-- Inserts $1 synthetic devices at site $2 for bench:generate, in tiers as a campus network has
-- them (routers, core switches, access switches, then servers), racks of 40 devices each.
WITH tiers AS (
  SELECT greatest(2, ceil($1::int * 0.004))::int AS r,
         greatest(2, ceil($1::int * 0.02))::int AS c,
         greatest(2, ceil($1::int * 0.176))::int AS a
), ins AS (
  INSERT INTO network_devices (asset_id, device_name, device_type, site, status, primary_ip,
                               metadata)
  SELECT 'G-' || i,
         t.kind || '-' || lpad(i::text, 5, '0'),
         t.kind,
         $2::text,
         CASE WHEN i % 50 = 0 THEN 'planned' ELSE 'active' END,
         ('10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256))::inet,
         jsonb_build_object('netbox', jsonb_build_object('rack', 'rack-' || (i / 40)))
    FROM tiers, generate_series(1, $1::int) AS i,
         LATERAL (SELECT CASE WHEN i <= r THEN 'router'
                              WHEN i <= r + c THEN 'core-switch'
                              WHEN i <= r + c + a THEN 'switch'
                              ELSE 'server' END AS kind) AS t
  RETURNING 1
)
SELECT count(*)::int AS devices FROM ins
