-- The document's ip_pool_usage: each active pool with its allocated and available counts and
-- usage percentage, under the document's column names; the pool's other columns follow so
-- that listing pools reads each table once. The figures are ip_pool_usage_all's (how they are
-- computed, and how that departs from the document, is said there).
CREATE VIEW ip_pool_usage AS
SELECT u.*
  FROM ip_pool_usage_all u
 WHERE u.is_active = true;
