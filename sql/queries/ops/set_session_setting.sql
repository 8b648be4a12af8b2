-- name: SetSessionSetting :one
-- Sets a custom setting for the rest of the session (inputs of scripts in sql/security/).
SELECT set_config($1, $2, false) AS value;
