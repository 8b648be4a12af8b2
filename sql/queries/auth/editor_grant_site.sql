-- name: EditorGrantSite :one
-- The site, as ArchiFlow names sites, of NetBox site slug $1 (a slug not synced from NetBox
-- stands for itself) and of the device with NetBox id $2 (null when unknown or without a site).
SELECT coalesce((SELECT s.name FROM sites s WHERE s.slug = $1::text ORDER BY s.id LIMIT 1),
                $1::text) AS site,
       (SELECT d.site FROM network_devices d WHERE d.netbox_id = $2::int) AS device_site
