-- Member changes count a workspace's owners inside their write statement (the last-owner rule),
-- up to three times per batch. Without this index that count reads every membership of the
-- workspace; with it, only the owners.
CREATE INDEX memberships_workspace_role ON memberships (workspace_id, role);
