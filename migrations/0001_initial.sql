-- The organisation model: users (keyed by their WorkOS user id), workspaces with a unique slug,
-- memberships with roles, API keys stored only as peppered HMACs, and an append-only audit trail.
-- Uniqueness lives in the schema so that concurrent requests are settled by the database
-- (`ON CONFLICT`), never by read-then-write checks in the worker.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,              -- WorkOS user id, e.g. user_01H…
    email         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,              -- unix milliseconds
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX users_email ON users (email COLLATE NOCASE);

CREATE TABLE workspaces (
    id                TEXT PRIMARY KEY,          -- org_…
    name              TEXT NOT NULL,
    slug              TEXT NOT NULL,
    -- Set only on a user's personal workspace: the unique index makes "exactly one personal
    -- workspace per user" hold under any number of concurrent first sign-ins.
    personal_owner_id TEXT REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- The slug index of the organisation model: case-insensitively unique.
CREATE UNIQUE INDEX workspaces_slug ON workspaces (slug COLLATE NOCASE);
CREATE UNIQUE INDEX workspaces_personal_owner ON workspaces (personal_owner_id);

CREATE TABLE memberships (
    id            TEXT PRIMARY KEY,              -- mem_…
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX memberships_workspace_user ON memberships (workspace_id, user_id);
-- Listing a user's workspaces pages by (created_at, id).
CREATE INDEX memberships_user ON memberships (user_id, created_at, id);
CREATE INDEX memberships_workspace_page ON memberships (workspace_id, created_at, id);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,             -- key_…, also the public part of the credential
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,                -- what a UI shows to tell keys apart
    scopes         TEXT NOT NULL,                -- JSON array of scope names
    secret_hmac    TEXT NOT NULL,                -- base64url HMAC-SHA256(pepper, secret)
    pepper_kid     TEXT NOT NULL,                -- which pepper made secret_hmac (rotation)
    created_by     TEXT,                         -- user id, NULL when created by the system
    is_default     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX api_keys_workspace_page ON api_keys (workspace_id, created_at, id);
-- One default key per workspace, created with the personal workspace.
CREATE UNIQUE INDEX api_keys_default ON api_keys (workspace_id) WHERE is_default = 1;

CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT, -- total order for "newest first" pages
    id            TEXT NOT NULL UNIQUE,          -- evt_…
    workspace_id  TEXT NOT NULL,                 -- kept after the workspace is deleted
    actor_type    TEXT NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
    actor_id      TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}',    -- small JSON object
    created_at    INTEGER NOT NULL
);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, seq);

-- Answers of POST /v1/auth/web/callback by idempotency key (jti, else sid), so that a replayed
-- callback gets the byte-identical answer. A first provisioning's answer holds the default API
-- key's secret, so such bodies are sealed (XChaCha20-Poly1305) and never stored in plaintext:
-- D1 keeps point-in-time history for 30 days. Rows are useless once the token has expired and
-- are purged by the scheduled handler.
CREATE TABLE callback_replays (
    idempotency_key TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT,                        -- plaintext answer (no secret inside)
    sealed_body     TEXT,                        -- sealed answer (holds a secret)
    seal_kid        TEXT,                        -- pepper id the sealing key was derived from
    expires_at      INTEGER NOT NULL,            -- unix milliseconds: the token's exp
    CHECK ((body IS NULL) <> (sealed_body IS NULL))
);
CREATE INDEX callback_replays_expiry ON callback_replays (expires_at);
