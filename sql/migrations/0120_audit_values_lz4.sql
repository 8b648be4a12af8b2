-- An audit row can be large: a diagram's row lists every link its save made between ports it
-- created (a few hundred KB for a new drawing of 10,000 links). The default compression (pglz)
-- took longer than reading that JSON; lz4 takes a fifth of the time. Servers built without lz4
-- (and the embedded PGlite) keep the default.
DO $$
BEGIN
  ALTER TABLE audit_log ALTER COLUMN old_values SET COMPRESSION lz4,
                        ALTER COLUMN new_values SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available here; audit values keep the default compression';
END
$$;
