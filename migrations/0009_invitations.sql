-- Invitations: a workspace's admin invites an email address, with a role; whoever signs in with
-- that address, verified, joins the workspace with that role. The invitee need not have signed
-- in before (that is what `POST …/members` needs), and the acceptance happens inside the
-- sign-in's own statement, so it takes no round trip and no request can see it half done.
--
-- An invitation is open until it is accepted or revoked; it expires at `expires_at` (after
-- which nobody accepts it, and it shows as expired). Inviting an address again closes the open
-- invitation to it and makes a new one (a fresh expiry, perhaps another role), so a workspace
-- has at most one open invitation per address.
CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,           -- inv_…
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    invited_by_type  TEXT NOT NULL CHECK (invited_by_type IN ('user', 'api_key', 'system')),
    invited_by       TEXT NOT NULL,              -- the actor's id
    -- Minted with the invitation, so that the acceptance (SQL, below) needs no id generator of
    -- its own: the membership it creates and that membership's audit event.
    membership_id    TEXT NOT NULL,              -- mem_…
    accept_event_id  TEXT NOT NULL,              -- evt_…
    created_at       INTEGER NOT NULL,           -- unix milliseconds
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    accepted_by      TEXT,                       -- the user's id (no foreign key: a user's row is
                                                 -- never deleted, and each sign-in would check it)
    revoked_at       INTEGER                     -- also set when a new invitation replaces it
);
CREATE UNIQUE INDEX invitations_open ON invitations (workspace_id, email COLLATE NOCASE)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
-- Every sign-in asks whether an open invitation names the user's email: one probe of this.
CREATE INDEX invitations_open_by_email ON invitations (email COLLATE NOCASE)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_workspace_page ON invitations (workspace_id, created_at, id);
-- The scheduled job deletes invitations a month after they expire, whatever became of them.
CREATE INDEX invitations_expiry ON invitations (expires_at);

-- The acceptance, the one place it is written: inserting `(user_id, email, now, actor)` here
-- accepts every open, unexpired invitation to `email` (case-insensitively): the membership
-- (unless the user is a member already), its audit event, the workspace's version (a member
-- changed, so decisions read before this are stale), and the invitation's `accepted_at`, last,
-- since the steps before it find the invitations by being open. The email must be verified:
-- the callers below only insert rows for users whose email is.
CREATE VIEW invitation_acceptances AS SELECT
    NULL AS user_id, NULL AS email, NULL AS now, NULL AS actor_type, NULL AS actor_id
WHERE 0;

CREATE TRIGGER invitation_acceptance INSTEAD OF INSERT ON invitation_acceptances
BEGIN
    INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at)
    SELECT i.membership_id, i.workspace_id, NEW.user_id, i.role, NEW.now, NEW.now
    FROM invitations i
    WHERE i.email = NEW.email COLLATE NOCASE AND i.accepted_at IS NULL AND i.revoked_at IS NULL
      AND i.expires_at > NEW.now
    ON CONFLICT (workspace_id, user_id) DO NOTHING;

    INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at)
    SELECT i.accept_event_id, i.workspace_id, NEW.actor_type, NEW.actor_id, 'membership.created',
        'membership', i.membership_id,
        json_object('user_id', NEW.user_id, 'role', i.role, 'invitation_id', i.id), NEW.now
    FROM invitations i
    WHERE i.email = NEW.email COLLATE NOCASE AND i.accepted_at IS NULL AND i.revoked_at IS NULL
      AND i.expires_at > NEW.now
      AND EXISTS (SELECT 1 FROM memberships m WHERE m.id = i.membership_id);

    UPDATE workspaces SET version = version + 1
    WHERE id IN (SELECT i.workspace_id FROM invitations i
                 WHERE i.email = NEW.email COLLATE NOCASE AND i.accepted_at IS NULL
                   AND i.revoked_at IS NULL AND i.expires_at > NEW.now);

    UPDATE invitations SET accepted_at = NEW.now, accepted_by = NEW.user_id
    WHERE email = NEW.email COLLATE NOCASE AND accepted_at IS NULL AND revoked_at IS NULL
      AND expires_at > NEW.now;
END;

-- A sign-in accepts: a first one inserts the user, a returning one sets `last_seen_at` (only
-- sign-ins do, `web_sign_in` in 0007), whichever path it came by. The `WHEN` costs a sign-in
-- without invitations one index probe.
CREATE TRIGGER users_first_sign_in_accepts_invitations AFTER INSERT ON users
WHEN NEW.email_verified = 1 AND NEW.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM invitations WHERE email = NEW.email COLLATE NOCASE
              AND accepted_at IS NULL AND revoked_at IS NULL)
BEGIN
    INSERT INTO invitation_acceptances (user_id, email, now, actor_type, actor_id)
    VALUES (NEW.id, NEW.email, NEW.last_seen_at, 'user', NEW.id);
END;

CREATE TRIGGER users_sign_in_accepts_invitations AFTER UPDATE OF last_seen_at ON users
WHEN NEW.email_verified = 1 AND NEW.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM invitations WHERE email = NEW.email COLLATE NOCASE
              AND accepted_at IS NULL AND revoked_at IS NULL)
BEGIN
    INSERT INTO invitation_acceptances (user_id, email, now, actor_type, actor_id)
    VALUES (NEW.id, NEW.email, NEW.last_seen_at, 'user', NEW.id);
END;
