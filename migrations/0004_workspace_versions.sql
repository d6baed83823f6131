-- Optimistic concurrency for every change to a workspace (its settings, members, API keys): a
-- change is decided in Rust on a snapshot that includes `version`, and its write batch starts
-- with a guard that fails the whole batch unless the workspace is still at that version (D1
-- rolls an atomic batch back entirely), then bumps it. The request then reads and decides again.
ALTER TABLE workspaces ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Always empty. The guard inserts NULL here when the workspace is gone or at another version,
-- so the batch fails with `NOT NULL constraint failed: version_guard.stale_workspace`: a
-- failure told apart from every other database error by this constraint's name.
CREATE TABLE version_guard (
    stale_workspace TEXT NOT NULL
);
