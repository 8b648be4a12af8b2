-- name: NbOutboxRetry :exec
-- Records a failed push and schedules the next attempt with exponential backoff (max 5 min).
UPDATE netbox_outbox SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = now() + least(interval '5 minutes',
                                       interval '1 second' * power(2, least(attempts, 12)))
 WHERE id = $1
