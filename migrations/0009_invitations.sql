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

-- The acceptance. Whatever accepts an invitation sets its `accepted_at` and `accepted_by` (a
-- sign-in, below, or the batch that makes an invitation for someone who has signed in already,
-- `store::invitations`); this trigger then makes the membership in the same statement (unless
-- the user is a member already), records it in the audit trail as the inviter's doing, and
-- moves the workspace's version (a member changed: decisions read before this are stale).
CREATE TRIGGER invitation_accepted AFTER UPDATE OF accepted_at ON invitations
WHEN OLD.accepted_at IS NULL AND NEW.accepted_at IS NOT NULL
BEGIN
    INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at)
    VALUES (NEW.membership_id, NEW.workspace_id, NEW.accepted_by, NEW.role, NEW.accepted_at, NEW.accepted_at)
    ON CONFLICT (workspace_id, user_id) DO NOTHING;

    INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at)
    SELECT NEW.accept_event_id, NEW.workspace_id, NEW.invited_by_type, NEW.invited_by, 'membership.created',
        'membership', NEW.membership_id,
        json_object('user_id', NEW.accepted_by, 'role', NEW.role, 'invitation_id', NEW.id), NEW.accepted_at
    WHERE EXISTS (SELECT 1 FROM memberships WHERE id = NEW.membership_id);

    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;

-- A sign-in accepts every open, unexpired invitation to its email (case-insensitively), when
-- the email is verified: a first one inserts the user, a returning one sets `last_seen_at` (only
-- sign-ins do, `web_sign_in` in 0007), whichever path it came by. Without an invitation to the
-- email this is one probe of `invitations_open_by_email`. (One statement each, so that a
-- sign-in's statement, which SQLite compiles with every trigger it may fire, stays small.)
CREATE TRIGGER users_first_sign_in_accepts_invitations AFTER INSERT ON users
WHEN NEW.email_verified = 1 AND NEW.deleted_at IS NULL
BEGIN
    UPDATE invitations SET accepted_at = NEW.last_seen_at, accepted_by = NEW.id
    WHERE email = NEW.email COLLATE NOCASE AND accepted_at IS NULL AND revoked_at IS NULL
      AND expires_at > NEW.last_seen_at;
END;

-- The same statement as above: SQLite has no trigger for an insert or an update.
CREATE TRIGGER users_sign_in_accepts_invitations AFTER UPDATE OF last_seen_at ON users
WHEN NEW.email_verified = 1 AND NEW.deleted_at IS NULL
BEGIN
    UPDATE invitations SET accepted_at = NEW.last_seen_at, accepted_by = NEW.id
    WHERE email = NEW.email COLLATE NOCASE AND accepted_at IS NULL AND revoked_at IS NULL
      AND expires_at > NEW.last_seen_at;
END;
