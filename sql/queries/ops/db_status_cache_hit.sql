-- name: DbStatusCacheHit :one
-- Share of block reads of this database served from shared buffers (null before any read).
SELECT blks_hit::bigint AS blocks_hit, blks_read::bigint AS blocks_read,
       CASE WHEN blks_hit + blks_read > 0
            THEN round(blks_hit::numeric / (blks_hit + blks_read), 4)::float8 END AS ratio,
       pg_database_size(current_database())::bigint AS database_bytes
  FROM pg_stat_database
 WHERE datname = current_database();
