-- A web sign-in as one statement. Inserting a row into `web_sign_ins` (a view that holds nothing)
-- runs the trigger below, which does what the callback's batch did in ten statements: every
-- statement of a batch costs D1 a round of preparing, binding and answering, whichever rows it
-- touches, and a replay paid for ten that changed nothing. The batch is now this insert and one
-- read of the outcome (src/store/web_sign_in.rs), still one atomic round trip.
--
-- Each step is guarded by the rows the earlier ones left, so the kinds exclude each other:
-- - a replay (an unexpired answer is stored under the key) changes nothing;
-- - a returning user is touched and the answer built and stored by SQLite from the rows;
-- - a first sign-in creates the user, personal workspace, owner membership, default API key,
--   audit events and the sealed answer, all or nothing.
-- Changing a step means a migration that drops and recreates the trigger.
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
    NULL AS idempotency_key, NULL AS expires_at, NULL AS now
WHERE 0;

CREATE TRIGGER web_sign_in INSTEAD OF INSERT ON web_sign_ins
BEGIN
    -- A returning user is touched, unless this is a replay.
    UPDATE users SET email = NEW.email, email_verified = NEW.email_verified, last_seen_at = NEW.now
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
        body = excluded.body, sealed_body = NULL, seal_kid = NULL, expires_at = excluded.expires_at
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

    -- The first sign-in's answer, sealed, for the slug the workspace got.
    INSERT INTO callback_replays (idempotency_key, user_id, status, sealed_body, seal_kid, expires_at)
    SELECT NEW.idempotency_key, NEW.user_id, 201,
        CASE WHEN w.slug = NEW.slug THEN NEW.sealed_answer ELSE NEW.fallback_sealed_answer END,
        NEW.pepper_kid, NEW.expires_at
    FROM workspaces w WHERE w.id = NEW.workspace_id
    ON CONFLICT (idempotency_key) DO NOTHING;
END;
