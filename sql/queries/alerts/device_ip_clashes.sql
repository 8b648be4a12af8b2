-- name: DeviceIpClashes :many
-- Other devices than asset $1 whose primary or management address is one of $2.
SELECT asset_id, device_name, host(primary_ip) AS primary_ip, host(management_ip) AS management_ip
  FROM network_devices
 WHERE asset_id <> $1::text AND (primary_ip = ANY($2::inet[]) OR management_ip = ANY($2::inet[]))
