-- name: BenchGenerateCables :one
-- Cables $2 links between the $1 devices BenchGenerateDevices made: each core switch to two
-- routers, each access switch to two cores, each server to two access switches, then a router
-- mesh and an access ring until there are enough. Both ends of each cable in one insert.
WITH tiers AS (
  SELECT greatest(2, ceil($1::int * 0.004))::int AS r,
         greatest(2, ceil($1::int * 0.02))::int AS c,
         greatest(2, ceil($1::int * 0.176))::int AS a
), pairs AS (
  SELECT x, y, row_number() OVER (ORDER BY tier, x, y) AS k
    FROM (
      SELECT 1 AS tier, i AS x, 1 + (i + j) % r AS y
        FROM tiers, generate_series(r + 1, r + c) AS i, generate_series(0, 1) AS j
      UNION ALL
      SELECT 2, i, r + 1 + (i + j) % c
        FROM tiers, generate_series(r + c + 1, r + c + a) AS i, generate_series(0, 1) AS j
      UNION ALL
      SELECT 3, i, r + c + 1 + (i + j) % a
        FROM tiers, generate_series(r + c + a + 1, $1::int) AS i, generate_series(0, 1) AS j
      UNION ALL
      SELECT 4, i, j FROM tiers, generate_series(1, r) AS i, generate_series(1, r) AS j WHERE i < j
      UNION ALL
      SELECT 5, i, i + 1 FROM tiers, generate_series(r + c + 1, r + c + a - 1) AS i
    ) AS p
), chosen AS (
  SELECT * FROM pairs WHERE k <= $2::int
), ins AS (
  INSERT INTO device_ports (device_id, port_name, status, connected_to_device, connected_to_port)
  SELECT 'G-' || x, 'e' || k, 'up', 'G-' || y, 'e' || k FROM chosen
  UNION ALL
  SELECT 'G-' || y, 'e' || k, 'up', 'G-' || x, 'e' || k FROM chosen
  RETURNING 1
)
SELECT (count(*) / 2)::int AS cables FROM ins
