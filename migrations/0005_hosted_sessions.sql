-- Hosted sign-in and cookie sessions.
--
-- A sign-in flow, from GET /v1/auth/login to GET /v1/auth/callback: keyed by its random `state`,
-- bound to the browser that started it (the keyed hash of a per-browser cookie), single use
-- (the callback deletes it and reads it in one statement), ten minutes at most. Several tabs of
-- one browser each have their own row. Purged by the scheduled job.
CREATE TABLE login_flows (
    state          TEXT PRIMARY KEY,
    browser_hash   TEXT NOT NULL,
    code_verifier  TEXT NOT NULL,             -- PKCE; useless without the code, gone in 10 min
    return_to      TEXT NOT NULL,
    invitation_token TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX login_flows_browser ON login_flows (browser_hash, created_at);
CREATE INDEX login_flows_expiry ON login_flows (expires_at);

-- A browser session. The cookie holds only a random id; this row holds its keyed hash, so a
-- database leak yields no usable cookie. WorkOS's tokens are sealed at rest (AEAD under a key
-- derived from the pepper). `version` serialises refreshes across isolates (compare-and-swap).
CREATE TABLE sessions (
    id_hash            TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id),
    workos_session_id  TEXT NOT NULL,
    organization_id    TEXT,
    role               TEXT,
    authentication_method TEXT,
    impersonator       TEXT,                  -- JSON {email, reason}, when an admin impersonates
    access_token_sealed TEXT NOT NULL,
    access_expires_at  INTEGER NOT NULL,      -- unix milliseconds
    refresh_token_sealed TEXT NOT NULL,
    seal_kid           TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 0,
    refreshing_until   INTEGER,               -- a refresh claimed by one request, until then
    welcome_sealed     TEXT,                  -- a first sign-in's default key, until read once
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL,
    idle_expires_at    INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL       -- absolute
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_workos ON sessions (workos_session_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_idle_expiry ON sessions (idle_expires_at);
