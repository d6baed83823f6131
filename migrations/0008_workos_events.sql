-- WorkOS events (webhooks): what WorkOS tells the worker about users and sessions, applied once.
--
-- WorkOS delivers an event at least once and in no particular order, so each event id is
-- recorded here in the batch that applies it. The batch's changes are guarded by the row this
-- delivery wrote (`delivery` is the request's id), so a second delivery of the same event
-- changes nothing and can tell that it was a duplicate. Rows are purged after 30 days (the
-- events API's history), far beyond WorkOS's retries.
CREATE TABLE workos_events (
    id           TEXT PRIMARY KEY,               -- event_01…
    event        TEXT NOT NULL,                  -- e.g. user.deleted
    delivery     TEXT NOT NULL,                  -- the request that applied it
    received_at  INTEGER NOT NULL                -- unix milliseconds
);
CREATE INDEX workos_events_received ON workos_events (received_at);

-- How far the scheduled job has read WorkOS's events API (the id of the last event applied), so
-- that it applies, through the same records, whatever the webhooks missed.
CREATE TABLE workos_event_cursors (
    stream       TEXT PRIMARY KEY,               -- which list of events
    after        TEXT NOT NULL,                  -- event_01…
    updated_at   INTEGER NOT NULL
);

-- A user WorkOS has deleted keeps a tombstone: their row stays (memberships, audit trails and
-- API keys they created refer to it), but no credential of theirs is accepted any more and no
-- sign-in provisions them again. WorkOS never reuses a user id.
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
-- The `updated_at` of the newest `user.updated` applied (unix milliseconds): an older event
-- arriving later does not overwrite what a newer one set.
ALTER TABLE users ADD COLUMN workos_updated_at INTEGER;

-- A deleted user's stored callback answers are deleted with them (one holds their default key).
CREATE INDEX callback_replays_user ON callback_replays (user_id);

-- No sign-in of a deleted user: this aborts the sign-in's statement (and so its whole batch)
-- whatever the kind of sign-in, before any session is made. `web_sign_in::sign_in` reads the
-- message. A second trigger on the view rather than a change to `web_sign_in`, which would have
-- to be dropped and recreated whole.
CREATE TRIGGER web_sign_in_refuses_deleted_users INSTEAD OF INSERT ON web_sign_ins
WHEN EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND deleted_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'edge_auth:user_deleted');
END;
