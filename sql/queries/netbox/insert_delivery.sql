-- name: NbInsertWebhookDelivery :one
-- Records a webhook delivery once; returns nothing when the same delivery was seen before.
INSERT INTO netbox_webhook_deliveries (delivery_key, event, model, object_id, username, outcome)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (delivery_key) DO NOTHING
RETURNING id
