-- name: NbInsertDevice :one
-- Creates a device of a device type ($2), role ($3) and site ($4).
INSERT INTO dcim_device (created, last_updated, custom_field_data, name, serial, asset_tag, status,
                         comments, role_id, device_type_id, site_id, description,
                         console_port_count, console_server_port_count, power_port_count,
                         power_outlet_count, interface_count, front_port_count, rear_port_count,
                         device_bay_count, module_bay_count, inventory_item_count)
VALUES (now(), now(), '{}', $1, '', $5, coalesce($6, 'active'), '', $3, $2, $4, coalesce($7, ''),
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
RETURNING id
