-- name: MetricsOpenAlerts :many
-- Open (unresolved) alerts counted by type and severity for /metrics.
SELECT alert_type, severity, count(*)::int AS open
  FROM alerts
 WHERE NOT resolved
 GROUP BY alert_type, severity
 ORDER BY alert_type, severity;
