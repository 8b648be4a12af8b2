-- IP address management engine: reserved ranges and alert thresholds on pools, idempotency
-- keys, a per-pool state row (active counter, excluded count) and the free ranges of each pool,
-- so that allocating the lowest free address and counting usage never walk the allocations.

ALTER TABLE ip_pools
  ADD COLUMN reserved_ranges text[] NOT NULL DEFAULT '{}',
  ADD COLUMN alert_threshold numeric(5, 2) NOT NULL DEFAULT 90
    CHECK (alert_threshold > 0 AND alert_threshold <= 100);

-- One row per pool. active_count is kept by statement triggers on ip_allocations, so any writer
-- keeps it right; total_addresses follows the network (trigger); excluded_count (edges, gateway,
-- DNS servers, reserved ranges inside the network) is written by the allocator when it rebuilds
-- the free ranges; ranges_ready says whether ip_pool_free_ranges is current for the pool's
-- exclusions. Keeping the sizes here makes listing 10,000 pools plain subtraction.
CREATE TABLE ip_pool_state (
  pool_id        bigint PRIMARY KEY REFERENCES ip_pools (id) ON DELETE CASCADE,
  active_count   bigint NOT NULL DEFAULT 0 CHECK (active_count >= 0),
  total_addresses numeric(40, 0) NOT NULL,
  excluded_count numeric(40, 0) NOT NULL DEFAULT 0 CHECK (excluded_count >= 0),
  ranges_ready   boolean NOT NULL DEFAULT false
);

-- The free addresses of each pool as inclusive ranges. Allocating takes from the lowest range;
-- releasing puts an address back and merges it with its neighbours.
CREATE TABLE ip_pool_free_ranges (
  pool_id  bigint NOT NULL REFERENCES ip_pools (id) ON DELETE CASCADE,
  first_ip inet NOT NULL,
  last_ip  inet NOT NULL,
  PRIMARY KEY (pool_id, first_ip),
  CHECK (first_ip <= last_ip AND family(first_ip) = family(last_ip))
);
-- Only the primary key indexes the ranges: every lookup (lowest, the range holding an address,
-- the neighbours of a released address) is a walk of it, so the planner has no slower index to
-- pick for a badly fragmented pool.

-- A retried allocate-ip with the same key returns the allocations of the first call.
CREATE TABLE ip_allocation_keys (
  pool_id         bigint NOT NULL REFERENCES ip_pools (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  allocation_ids  bigint[] NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pool_id, idempotency_key)
);

-- Addresses of a prefix never handed out when the pool has no reserved ranges: the edges
-- (IPv4 network and broadcast below /31, the IPv6 Subnet-Router anycast address below /127)
-- and the gateway and DNS servers inside the usable span.
CREATE FUNCTION ip_pool_base_excluded(net cidr, gw inet, dns inet[]) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE WHEN family(net) = 4 AND masklen(net) < 31 THEN 2
               WHEN family(net) = 6 AND masklen(net) < 127 THEN 1 ELSE 0 END)::numeric
       + (SELECT count(DISTINCT host(x)::inet)
            FROM unnest(array_append(dns, gw)) AS x
           WHERE x IS NOT NULL AND family(x) = family(net) AND host(x)::inet <<= net
             AND NOT (masklen(net) < CASE family(net) WHEN 4 THEN 31 ELSE 127 END
                      AND host(x)::inet = host(network(net))::inet)
             AND NOT (family(net) = 4 AND masklen(net) < 31
                      AND host(x)::inet = host(broadcast(net))::inet))
$$;

-- How many addresses a prefix holds, exactly (numeric, so IPv6 /48 and ::/0 fit).
CREATE FUNCTION cidr_size(net cidr) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT power(2::numeric, (CASE family(net) WHEN 4 THEN 32 ELSE 128 END) - masklen(net))::numeric(40, 0)
$$;

CREATE FUNCTION ip_pools_init_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ip_pool_state (pool_id, total_addresses, excluded_count)
  VALUES (NEW.id, cidr_size(NEW.network),
          ip_pool_base_excluded(NEW.network, NEW.gateway, NEW.dns_servers));
  RETURN NULL;
END
$$;
CREATE TRIGGER ip_pools_init_state AFTER INSERT ON ip_pools
  FOR EACH ROW EXECUTE FUNCTION ip_pools_init_state();

-- Changing what a pool excludes makes its free ranges stale; the allocator rebuilds them.
CREATE FUNCTION ip_pools_exclusions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ip_pool_state
     SET ranges_ready = false, total_addresses = cidr_size(NEW.network),
         excluded_count = ip_pool_base_excluded(NEW.network, NEW.gateway, NEW.dns_servers)
   WHERE pool_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER ip_pools_exclusions_changed AFTER UPDATE ON ip_pools
  FOR EACH ROW
  WHEN (OLD.network IS DISTINCT FROM NEW.network OR OLD.gateway IS DISTINCT FROM NEW.gateway
        OR OLD.dns_servers IS DISTINCT FROM NEW.dns_servers
        OR OLD.reserved_ranges IS DISTINCT FROM NEW.reserved_ranges)
  EXECUTE FUNCTION ip_pools_exclusions_changed();

-- Active counters per pool, one UPDATE per statement however many rows it touched.
CREATE FUNCTION ip_allocations_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ip_pool_state s SET active_count = s.active_count + n.c
    FROM (SELECT pool_id, count(*) AS c FROM new_rows WHERE is_active GROUP BY pool_id) n
   WHERE s.pool_id = n.pool_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER ip_allocations_count_insert AFTER INSERT ON ip_allocations
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ip_allocations_count_insert();

CREATE FUNCTION ip_allocations_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ip_pool_state s SET active_count = s.active_count + d.c
    FROM (SELECT pool_id, sum(c) AS c
            FROM (SELECT pool_id, count(*) AS c FROM new_rows WHERE is_active GROUP BY pool_id
                  UNION ALL
                  SELECT pool_id, -count(*) FROM old_rows WHERE is_active GROUP BY pool_id) x
           GROUP BY pool_id) d
   WHERE s.pool_id = d.pool_id AND d.c <> 0;
  RETURN NULL;
END
$$;
CREATE TRIGGER ip_allocations_count_update AFTER UPDATE ON ip_allocations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ip_allocations_count_update();

CREATE FUNCTION ip_allocations_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ip_pool_state s SET active_count = s.active_count - n.c
    FROM (SELECT pool_id, count(*) AS c FROM old_rows WHERE is_active GROUP BY pool_id) n
   WHERE s.pool_id = n.pool_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER ip_allocations_count_delete AFTER DELETE ON ip_allocations
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ip_allocations_count_delete();

-- Pools that existed before this migration: counters from their rows, ranges built on first use.
INSERT INTO ip_pool_state (pool_id, active_count, total_addresses, excluded_count)
SELECT p.id,
       (SELECT count(*) FROM ip_allocations a WHERE a.pool_id = p.id AND a.is_active),
       cidr_size(p.network),
       ip_pool_base_excluded(p.network, p.gateway, p.dns_servers)
  FROM ip_pools p;

CREATE INDEX idx_alerts_type_created ON alerts (alert_type, created_at DESC);
