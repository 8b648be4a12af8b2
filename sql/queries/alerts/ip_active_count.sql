-- name: IpActiveCount :many
-- For each address in $1, in how many pools it is active.
SELECT host(x.ip) AS ip_address,
       (SELECT count(*) FROM ip_allocations a WHERE a.ip_address = x.ip AND a.is_active)::int AS pools
  FROM unnest($1::inet[]) AS x(ip)
