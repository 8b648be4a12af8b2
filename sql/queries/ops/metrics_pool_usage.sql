-- name: MetricsPoolUsage :many
-- Usage of every active pool for /metrics (the document's ip_pool_usage holds active pools
-- only), with the sizes as float8 (IPv6 sizes only need magnitude).
SELECT pool_name AS name, allocated_count::float8 AS allocated,
       usable_addresses::float8 AS usable, usage_percentage::float8 AS usage_percentage
  FROM ip_pool_usage
 ORDER BY pool_name, pool_id;
