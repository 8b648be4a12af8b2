-- name: NbListInterfaces :many
-- NetBox-shaped interfaces with cable and link peers, filtered (device ids in $7) and paged.
WITH page AS (
  SELECT i.id, count(*) OVER () AS total
    FROM dcim_interface i
   WHERE ($2::bigint[] IS NULL OR i.id = ANY ($2))
     AND ($3::bigint IS NULL OR i.id > $3)
     AND ($4::bigint IS NULL OR i.id >= $4)
     AND ($5::timestamptz IS NULL OR i.last_updated >= $5)
     AND ($6::text[] IS NULL OR i.name = ANY ($6))
     AND ($7::bigint[] IS NULL OR i.device_id = ANY ($7))
   ORDER BY i.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', i.id, 'url', $1 || '/api/dcim/interfaces/' || i.id || '/',
         'display_url', $1 || '/dcim/interfaces/' || i.id || '/', 'display', i.name,
         'device', jsonb_build_object(
           'id', d.id, 'url', $1 || '/api/dcim/devices/' || d.id || '/',
           'display', coalesce(d.name, 'device ' || d.id), 'name', d.name,
           'description', d.description),
         'vdcs', '[]'::jsonb, 'module', NULL, 'name', i.name, 'label', i.label,
         'type', jsonb_build_object('value', i.type, 'label', CASE i.type
           WHEN 'virtual' THEN 'Virtual' WHEN 'bridge' THEN 'Bridge'
           WHEN 'lag' THEN 'Link Aggregation Group (LAG)' WHEN '100base-tx' THEN '100BASE-TX (10/100ME)'
           WHEN '1000base-t' THEN '1000BASE-T (1GE)' WHEN '10gbase-t' THEN '10GBASE-T (10GE)'
           WHEN '1000base-x-sfp' THEN 'SFP (1GE)' WHEN '10gbase-x-sfpp' THEN 'SFP+ (10GE)'
           WHEN '25gbase-x-sfp28' THEN 'SFP28 (25GE)' WHEN '40gbase-x-qsfpp' THEN 'QSFP+ (40GE)'
           WHEN '100gbase-x-qsfp28' THEN 'QSFP28 (100GE)' WHEN 'ieee802.11ac' THEN 'IEEE 802.11ac'
           WHEN 'lte' THEN 'LTE' WHEN 'cisco-stackwise' THEN 'Cisco StackWise'
           WHEN 'other' THEN 'Other' ELSE i.type END),
         'enabled', i.enabled,
         'parent', CASE WHEN i.parent_id IS NULL THEN NULL ELSE jsonb_build_object('id', i.parent_id,
           'url', $1 || '/api/dcim/interfaces/' || i.parent_id || '/') END,
         'bridge', NULL,
         'lag', CASE WHEN lag.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', lag.id, 'url', $1 || '/api/dcim/interfaces/' || lag.id || '/',
           'display', lag.name, 'device', jsonb_build_object(
             'id', d.id, 'url', $1 || '/api/dcim/devices/' || d.id || '/',
             'display', coalesce(d.name, 'device ' || d.id), 'name', d.name,
             'description', d.description),
           'name', lag.name, 'description', lag.description, 'cable', NULL,
           '_occupied', lag.cable_id IS NOT NULL) END,
         'mtu', i.mtu, 'mac_address', mac.mac_address::text, 'speed', i.speed,
         'duplex', CASE WHEN i.duplex IS NULL THEN NULL
                        ELSE jsonb_build_object('value', i.duplex, 'label', initcap(i.duplex)) END,
         'wwn', i.wwn::text, 'mgmt_only', i.mgmt_only, 'description', i.description,
         'mode', CASE WHEN coalesce(i.mode, '') = '' THEN NULL
                      ELSE jsonb_build_object('value', i.mode, 'label', initcap(i.mode)) END)
       || jsonb_build_object(
         'untagged_vlan', CASE WHEN v.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', v.id, 'url', $1 || '/api/ipam/vlans/' || v.id || '/',
           'display', v.name || ' (' || v.vid || ')', 'vid', v.vid, 'name', v.name,
           'description', v.description) END,
         'tagged_vlans', '[]'::jsonb, 'mark_connected', i.mark_connected,
         'cable', CASE WHEN c.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', c.id, 'url', $1 || '/api/dcim/cables/' || c.id || '/',
           'display', CASE WHEN c.label = '' THEN '#' || c.id ELSE c.label END,
           'label', c.label, 'description', c.description) END,
         'cable_end', coalesce(i.cable_end, ''), 'wireless_link', NULL,
         'link_peers', coalesce(peers.list, '[]'::jsonb),
         'link_peers_type', peers.kind,
         'wireless_lans', '[]'::jsonb, 'vrf', NULL, 'l2vpn_termination', NULL,
         'connected_endpoints', NULL, 'connected_endpoints_type', NULL,
         'connected_endpoints_reachable', false,
         'tags', '[]'::jsonb, 'custom_fields', i.custom_field_data,
         'created', i.created, 'last_updated', i.last_updated,
         'count_ipaddresses', 0, 'count_fhrp_groups', 0, '_occupied', i.cable_id IS NOT NULL)
         AS obj,
       page.total
  FROM page
  JOIN dcim_interface i ON i.id = page.id
  JOIN dcim_device d ON d.id = i.device_id
  LEFT JOIN dcim_interface lag ON lag.id = i.lag_id
  LEFT JOIN dcim_macaddress mac ON mac.id = i.primary_mac_address_id
  LEFT JOIN ipam_vlan v ON v.id = i.untagged_vlan_id
  LEFT JOIN dcim_cable c ON c.id = i.cable_id
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
             'id', t.termination_id, 'url', $1 || '/api/' || ct.app_label || '/'
               || CASE ct.model WHEN 'interface' THEN 'interfaces' WHEN 'frontport' THEN 'front-ports'
                  WHEN 'rearport' THEN 'rear-ports' ELSE ct.model || 's' END
               || '/' || t.termination_id || '/',
             'display', coalesce(pi.name, ct.model || ' ' || t.termination_id),
             'name', pi.name,
             'device', CASE WHEN pd.id IS NULL THEN NULL ELSE jsonb_build_object('id', pd.id,
               'url', $1 || '/api/dcim/devices/' || pd.id || '/',
               'display', coalesce(pd.name, 'device ' || pd.id), 'name', pd.name,
               'description', pd.description) END,
             'cable', t.cable_id, '_occupied', true) ORDER BY t.termination_id) AS list,
           min(ct.app_label || '.' || ct.model) AS kind
      FROM dcim_cabletermination t
      JOIN django_content_type ct ON ct.id = t.termination_type_id
      LEFT JOIN dcim_interface pi ON ct.model = 'interface' AND pi.id = t.termination_id
      LEFT JOIN dcim_device pd ON pd.id = coalesce(pi.device_id, t._device_id)
     WHERE i.cable_id IS NOT NULL AND t.cable_id = i.cable_id AND t.cable_end <> i.cable_end
  ) peers ON true
 ORDER BY i.id
