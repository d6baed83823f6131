-- A user's identities at their sign-in providers (WorkOS `GET /user_management/users/{id}/identities`),
-- recorded at sign-in: the provider's own id of the user is what a team needs to move its users
-- off WorkOS later. A row is never rewritten; a new identity adds one.
CREATE TABLE user_identities (
    user_id     TEXT NOT NULL REFERENCES users (id),
    provider    TEXT NOT NULL,                -- GoogleOAuth, GitHubOAuth, …
    idp_id      TEXT NOT NULL,                -- the provider's id of the user
    kind        TEXT NOT NULL,                -- OAuth, …
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, provider, idp_id)
);
