-- name: MetricsPoolUsage :many
-- Usage of every pool for /metrics, with the sizes as float8 (IPv6 sizes only need magnitude).
SELECT name, is_active, allocated_count::float8 AS allocated,
       usable_addresses::float8 AS usable, usage_percentage::float8 AS usage_percentage
  FROM ip_pool_usage
 ORDER BY name;
