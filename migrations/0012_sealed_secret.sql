-- A first sign-in's stored answer seals only its secret.
--
-- Until now the whole 201 answer was sealed (`sealed_body`), about a kilobyte, although only the
-- default key's secret in it is secret: every other value in it is in D1's other tables too, as
-- plain as a returning sign-in's stored answer. Every sign-in seals its answers before the batch
-- can tell whether it is the first, and every replay of a first sign-in opened the whole of it.
-- Now the answer is stored as its template (its JSON with the secret left empty, not sealed, as
-- unpadded base64url, in `answer_template`) beside the secret sealed on its own (`sealed_body`,
-- under `seal_kid`); `routes::stored_first_answer` puts the secret back, byte for byte. A row
-- without a template is a whole sealed answer stored before this migration, and still opens until
-- it expires.
--
-- The view gains three columns (the two templates and the sealed secret), and a view cannot be
-- altered: it is dropped (which drops both triggers on it) and made again, with 0008's trigger as
-- it was and 0011's `web_sign_in` with this change to its answers (an applied migration is never
-- edited; D1 keeps it as it ran). `wrangler d1 migrations apply` sends this file as one query,
-- which D1 runs before any other, so no sign-in meets the view while it is missing.
--
-- A deploy applies migrations before the code, so the code before this one still inserts
-- `sealed_answer` and `fallback_sealed_answer` for a while: the view keeps them, and a sign-in
-- that sends no sealed secret stores its whole sealed answer as before. (That code cannot open a
-- record of the new kind: a replay of one made by the new code, served by the old during a
-- rollout, is refused with `replay_unavailable`, as after a pepper's retirement.)
ALTER TABLE callback_replays ADD COLUMN answer_template TEXT;

DROP VIEW web_sign_ins;

CREATE VIEW web_sign_ins AS SELECT
    NULL AS user_id, NULL AS email, NULL AS email_verified,
    NULL AS workspace_id, NULL AS workspace_name, NULL AS slug, NULL AS fallback_slug,
    NULL AS membership_id,
    NULL AS api_key_id, NULL AS api_key_name, NULL AS api_key_prefix, NULL AS api_key_scopes,
    NULL AS api_key_hmac, NULL AS pepper_kid,
    NULL AS workspace_event_id, NULL AS workspace_event_detail,
    NULL AS membership_event_id, NULL AS membership_event_detail,
    NULL AS api_key_event_id, NULL AS api_key_event_detail,
    NULL AS sealed_answer, NULL AS fallback_sealed_answer,
    NULL AS answer_template, NULL AS fallback_answer_template, NULL AS sealed_secret,
    NULL AS idempotency_key, NULL AS expires_at, NULL AS now
WHERE 0;

-- As 0008 made it.
CREATE TRIGGER web_sign_in_refuses_deleted_users INSTEAD OF INSERT ON web_sign_ins
WHEN EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND deleted_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'edge_auth:user_deleted');
END;

-- As 0011 made it, but for the first sign-in's answer (and the returning one clearing its template).
CREATE TRIGGER web_sign_in INSTEAD OF INSERT ON web_sign_ins
BEGIN
    -- A returning user is touched, unless this is a replay. Their email is not written back over
    -- one a `user.updated` applied within the hour: the sign-in's may be older.
    UPDATE users SET
        email = CASE WHEN workos_updated_at > NEW.now - 3600000 THEN email ELSE NEW.email END,
        email_verified = CASE WHEN workos_updated_at > NEW.now - 3600000 THEN email_verified
                              ELSE NEW.email_verified END,
        last_seen_at = NEW.now
    WHERE id = NEW.user_id
      AND NOT EXISTS (SELECT 1 FROM callback_replays
                      WHERE idempotency_key = NEW.idempotency_key AND expires_at > NEW.now);

    -- A returning sign-in's answer, built from the rows just updated. Its JSON is the serialisation
    -- of `routes::views::CallbackAnswer` (the tests hold it to that); its times are RFC 3339 in
    -- integer arithmetic only, so that they agree with `domain::rfc3339` to the millisecond.
    INSERT INTO callback_replays (idempotency_key, user_id, status, body, expires_at)
    SELECT NEW.idempotency_key, u.id, 200, json_object(
        'user', json_object('id', u.id, 'email', u.email,
            'created_at', (strftime('%Y-%m-%dT%H:%M:%S', u.created_at / 1000, 'unixepoch') || '.' || printf('%03d', u.created_at % 1000) || 'Z'),
            'last_seen_at', (strftime('%Y-%m-%dT%H:%M:%S', u.last_seen_at / 1000, 'unixepoch') || '.' || printf('%03d', u.last_seen_at % 1000) || 'Z')),
        'workspace', json_object('id', w.id, 'name', w.name, 'slug', w.slug, 'personal', json('true'),
            'created_at', (strftime('%Y-%m-%dT%H:%M:%S', w.created_at / 1000, 'unixepoch') || '.' || printf('%03d', w.created_at % 1000) || 'Z'),
            'updated_at', (strftime('%Y-%m-%dT%H:%M:%S', w.updated_at / 1000, 'unixepoch') || '.' || printf('%03d', w.updated_at % 1000) || 'Z')),
        'membership', CASE WHEN m.id IS NULL THEN json('null') ELSE json_object('id', m.id,
            'workspace_id', m.workspace_id, 'user_id', m.user_id, 'role', m.role,
            'created_at', (strftime('%Y-%m-%dT%H:%M:%S', m.created_at / 1000, 'unixepoch') || '.' || printf('%03d', m.created_at % 1000) || 'Z')) END,
        'default_api_key', json('null')), NEW.expires_at
    FROM users u JOIN workspaces w ON w.personal_owner_id = u.id
    LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id
    WHERE u.id = NEW.user_id
    ON CONFLICT (idempotency_key) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,
        body = excluded.body, sealed_body = NULL, seal_kid = NULL, answer_template = NULL,
        expires_at = excluded.expires_at
    WHERE callback_replays.expires_at <= NEW.now;

    -- A first sign-in from here on: each insert is a no-op for a returning user.
    INSERT INTO users (id, email, email_verified, created_at, last_seen_at)
    VALUES (NEW.user_id, NEW.email, NEW.email_verified, NEW.now, NEW.now)
    ON CONFLICT (id) DO NOTHING;

    -- The personal workspace, at most one per user (unique `personal_owner_id`). The slug is
    -- chosen here, where no other write can interleave.
    INSERT INTO workspaces (id, name, slug, personal_owner_id, created_at, updated_at)
    SELECT NEW.workspace_id, NEW.workspace_name,
        CASE WHEN EXISTS (SELECT 1 FROM workspaces WHERE slug = NEW.slug COLLATE NOCASE)
             THEN NEW.fallback_slug ELSE NEW.slug END,
        NEW.user_id, NEW.now, NEW.now
    WHERE true ON CONFLICT (personal_owner_id) DO NOTHING;

    -- The rest exists only if this request's workspace insert won.
    INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at)
    SELECT NEW.membership_id, NEW.workspace_id, NEW.user_id, 'owner', NEW.now, NEW.now
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);

    INSERT INTO api_keys (id, workspace_id, name, prefix, scopes, secret_hmac, pepper_kid,
        created_by, is_default, created_at)
    SELECT NEW.api_key_id, NEW.workspace_id, NEW.api_key_name, NEW.api_key_prefix, NEW.api_key_scopes,
        NEW.api_key_hmac, NEW.pepper_kid, NEW.user_id, 1, NEW.now
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);

    INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at)
    SELECT NEW.workspace_event_id, NEW.workspace_id, 'user', NEW.user_id, 'workspace.created',
        'workspace', NEW.workspace_id, NEW.workspace_event_detail, NEW.now
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);

    INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at)
    SELECT NEW.membership_event_id, NEW.workspace_id, 'user', NEW.user_id, 'membership.created',
        'membership', NEW.membership_id, NEW.membership_event_detail, NEW.now
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);

    INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at)
    SELECT NEW.api_key_event_id, NEW.workspace_id, 'user', NEW.user_id, 'api_key.created',
        'api_key', NEW.api_key_id, NEW.api_key_event_detail, NEW.now
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);

    -- The first sign-in's answer, for the slug the workspace got: its template beside its secret
    -- sealed; from the code before this migration, which sends no secret, the whole answer sealed.
    INSERT INTO callback_replays (idempotency_key, user_id, status, sealed_body, seal_kid, answer_template,
        expires_at)
    SELECT NEW.idempotency_key, NEW.user_id, 201,
        CASE WHEN NEW.sealed_secret IS NOT NULL THEN NEW.sealed_secret
             WHEN w.slug = NEW.slug THEN NEW.sealed_answer ELSE NEW.fallback_sealed_answer END,
        NEW.pepper_kid,
        CASE WHEN NEW.sealed_secret IS NULL THEN NULL
             WHEN w.slug = NEW.slug THEN NEW.answer_template ELSE NEW.fallback_answer_template END,
        NEW.expires_at
    FROM workspaces w WHERE w.id = NEW.workspace_id
    ON CONFLICT (idempotency_key) DO NOTHING;
END;
