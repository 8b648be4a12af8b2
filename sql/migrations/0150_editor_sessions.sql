-- Revoking a NetBox user's editor sessions: editor tokens are not stored anywhere (the NetBox
-- plugin signs them), so a revocation is a time per NetBox user before which every token issued
-- to that user is refused (`deno task token revoke-editor --user <name>`).
CREATE TABLE editor_revocations (
  netbox_user text PRIMARY KEY CHECK (length(netbox_user) BETWEEN 1 AND 150),
  not_before  timestamptz NOT NULL,
  revoked_by  text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now()
);
