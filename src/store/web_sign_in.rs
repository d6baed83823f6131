//! The storage of `POST /v1/auth/web/callback`: replays, returning sign-ins and the provisioning
//! of a first sign-in, all in one batch. Every decision that concurrency could race is taken by a
//! unique index inside one atomic batch, never by reading first.

use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};
use crate::sql_rfc3339;

/// A stored callback answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    /// HTTP status.
    pub status: u16,
    /// The body, plaintext or sealed.
    pub body: StoredBody,
}

/// How an answer's body is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredBody {
    /// No secret inside.
    Plain(String),
    /// Sealed, under the pepper `seal_kid`.
    Sealed { sealed: String, seal_kid: String },
}

const SELECT_ANSWER: &str = "SELECT status, body, sealed_body, seal_kid FROM callback_replays \
     WHERE idempotency_key = ?1 AND user_id = ?2 AND expires_at > ?3";

/// Touches a returning user unless this is a replay; then the stored answer is the rows' answer.
const TOUCH_USER: &str = "UPDATE users SET email = ?2, email_verified = ?5, last_seen_at = ?3 WHERE id = ?1 \
     AND NOT EXISTS (SELECT 1 FROM callback_replays WHERE idempotency_key = ?4 AND expires_at > ?3)";

/// Records a returning sign-in's answer, built by SQLite from the rows it just updated so that
/// the whole exchange is one round trip. Its JSON is the serialisation of
/// `routes::views::CallbackAnswer`, which the tests hold it to.
const RECORD_RETURNING_ANSWER: &str = concat!(
    "INSERT INTO callback_replays (idempotency_key, user_id, status, body, expires_at) ",
    "SELECT ?1, u.id, 200, json_object(",
    "'user', json_object('id', u.id, 'email', u.email, 'created_at', ", sql_rfc3339!("u.created_at"),
    ", 'last_seen_at', ", sql_rfc3339!("u.last_seen_at"), "), ",
    "'workspace', json_object('id', w.id, 'name', w.name, 'slug', w.slug, 'personal', json('true'), ",
    "'created_at', ", sql_rfc3339!("w.created_at"), ", 'updated_at', ", sql_rfc3339!("w.updated_at"), "), ",
    "'membership', CASE WHEN m.id IS NULL THEN json('null') ELSE json_object('id', m.id, 'workspace_id', m.workspace_id, ",
    "'user_id', m.user_id, 'role', m.role, 'created_at', ", sql_rfc3339!("m.created_at"), ") END, ",
    "'default_api_key', json('null')), ?3 ",
    "FROM users u JOIN workspaces w ON w.personal_owner_id = u.id ",
    "LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id ",
    "WHERE u.id = ?2 ",
    "ON CONFLICT (idempotency_key) DO UPDATE SET user_id = excluded.user_id, status = excluded.status, ",
    "body = excluded.body, sealed_body = NULL, seal_kid = NULL, expires_at = excluded.expires_at ",
    "WHERE callback_replays.expires_at <= ?4"
);

/// One round trip, no writes: the stored answer, if any (used when WorkOS is unreachable, so a
/// replay still gets its answer).
pub async fn stored_answer<D: Database>(
    db: &D,
    key: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<StoredAnswer>, DatabaseError> {
    let rows = db.query(Statement::new(SELECT_ANSWER, vec![key.into(), user_id.into(), now.into()])).await?;
    rows.first().map(answer_from_row).transpose()
}

fn answer_from_row(row: &Row) -> Result<StoredAnswer, DatabaseError> {
    let status = u16::try_from(row.int("status")?).map_err(|_| DatabaseError::new("bad status"))?;
    let body = match (row.opt_text("body")?, row.opt_text("sealed_body")?) {
        (Some(plain), None) => StoredBody::Plain(plain),
        (None, Some(sealed)) => StoredBody::Sealed { sealed, seal_kid: row.text("seal_kid")? },
        _ => return Err(DatabaseError::new("callback_replays row has no single body")),
    };
    Ok(StoredAnswer { status, body })
}

/// Everything a sign-in may create (the first one does), minted by the caller before the batch.
#[derive(Debug, Clone)]
pub struct NewPersonalWorkspace {
    /// WorkOS user id.
    pub user_id: String,
    /// Canonical email, and whether it is verified.
    pub email: String,
    pub email_verified: bool,
    /// Workspace id, name, preferred slug and the fallback when it is taken.
    pub workspace_id: String,
    pub workspace_name: String,
    pub slug: String,
    pub fallback_slug: String,
    /// Owner membership id.
    pub membership_id: String,
    /// Default API key: id, display prefix, name, scopes (JSON), HMAC and pepper id.
    pub api_key_id: String,
    pub api_key_prefix: String,
    pub api_key_name: String,
    pub api_key_scopes_json: String,
    pub api_key_hmac: String,
    pub pepper_kid: String,
    /// Audit event ids: workspace, membership, API key.
    pub event_ids: [String; 3],
    /// The 201 answer sealed for each slug the batch may pick (preferred, fallback).
    pub sealed_answers: [String; 2],
    /// The idempotency key and when its record expires.
    pub idempotency_key: String,
    pub expires_at: i64,
    /// Now, Unix milliseconds.
    pub now: i64,
}

/// What the sign-in batch found once it had run.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInOutcome {
    /// A first sign-in: this request created the workspace; `fallback_slug` tells which of its
    /// answers stands.
    Created { fallback_slug: bool },
    /// The answer stored under the idempotency key: a returning sign-in's, just recorded, or
    /// a replay's (of this request or of a concurrent one with the same key).
    Stored(StoredAnswer),
    /// Neither: the key is held by another user's unexpired answer.
    KeyHeldElsewhere,
}

const INSERT_USER: &str =
    "INSERT INTO users (id, email, email_verified, created_at, last_seen_at) VALUES (?1, ?2, ?4, ?3, ?3) \
     ON CONFLICT (id) DO NOTHING";

/// The personal workspace, at most one per user (unique `personal_owner_id`). The slug is
/// chosen inside the batch, where no other write can interleave.
const INSERT_PERSONAL_WORKSPACE: &str = "INSERT INTO workspaces (id, name, slug, personal_owner_id, created_at, updated_at) \
     SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM workspaces WHERE slug = ?3 COLLATE NOCASE) THEN ?4 ELSE ?3 END, ?5, ?6, ?6 \
     WHERE true ON CONFLICT (personal_owner_id) DO NOTHING";

/// The following rows exist only if this request's workspace insert won.
const INSERT_OWNER_MEMBERSHIP: &str =
    "INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at) \
     SELECT ?1, ?2, ?3, 'owner', ?4, ?4 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?2)";

const INSERT_DEFAULT_API_KEY: &str =
    "INSERT INTO api_keys (id, workspace_id, name, prefix, scopes, secret_hmac, pepper_kid, \
     created_by, is_default, created_at) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?2)";

const INSERT_EVENT: &str = "INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) \
     SELECT ?1, ?2, 'user', ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?2)";

const INSERT_SEALED_ANSWER: &str =
    "INSERT INTO callback_replays (idempotency_key, user_id, status, sealed_body, seal_kid, expires_at) \
     SELECT ?1, ?2, 201, CASE WHEN w.slug = ?7 THEN ?3 ELSE ?8 END, ?4, ?5 FROM workspaces w WHERE w.id = ?6 \
     ON CONFLICT (idempotency_key) DO NOTHING";

const SELECT_PERSONAL_WORKSPACE: &str = "SELECT id, slug FROM workspaces WHERE personal_owner_id = ?1";

/// A web sign-in in one round trip, one atomic batch whichever kind it turns out to be:
/// - a replay (an unexpired answer is stored under the key) changes nothing and reads the answer;
/// - a returning user is touched and the answer built and stored by SQLite from the rows;
/// - a first sign-in creates the user, personal workspace, owner membership, default API key,
///   audit events and the sealed answer, all or nothing.
///
/// Each step is guarded by the rows the earlier ones left, so the kinds exclude each other and
/// concurrent batches (D1 runs them one at a time) find each other's work: a second tab of a first
/// sign-in arrives as a returning user. The price is that every sign-in mints the first sign-in's
/// rows and seals its answers, and returning ones then discard them unused.
pub async fn sign_in<D: Database>(db: &D, new: &NewPersonalWorkspace) -> Result<SignInOutcome, DatabaseError> {
    let event = |id: &String, action: &str, target_type: &str, target_id: &String, detail: String| {
        Statement::new(
            INSERT_EVENT,
            vec![
                id.into(),
                (&new.workspace_id).into(),
                (&new.user_id).into(),
                action.into(),
                target_type.into(),
                target_id.into(),
                detail.into(),
                new.now.into(),
            ],
        )
    };
    let detail = |value: serde_json::Value| value.to_string();
    let statements = vec![
        Statement::new(
            TOUCH_USER,
            vec![
                (&new.user_id).into(),
                (&new.email).into(),
                new.now.into(),
                (&new.idempotency_key).into(),
                i64::from(new.email_verified).into(),
            ],
        ),
        Statement::new(
            RECORD_RETURNING_ANSWER,
            vec![(&new.idempotency_key).into(), (&new.user_id).into(), new.expires_at.into(), new.now.into()],
        ),
        Statement::new(
            INSERT_USER,
            vec![(&new.user_id).into(), (&new.email).into(), new.now.into(), i64::from(new.email_verified).into()],
        ),
        Statement::new(
            INSERT_PERSONAL_WORKSPACE,
            vec![
                (&new.workspace_id).into(),
                (&new.workspace_name).into(),
                (&new.slug).into(),
                (&new.fallback_slug).into(),
                (&new.user_id).into(),
                new.now.into(),
            ],
        ),
        Statement::new(
            INSERT_OWNER_MEMBERSHIP,
            vec![(&new.membership_id).into(), (&new.workspace_id).into(), (&new.user_id).into(), new.now.into()],
        ),
        Statement::new(
            INSERT_DEFAULT_API_KEY,
            vec![
                (&new.api_key_id).into(),
                (&new.workspace_id).into(),
                (&new.api_key_name).into(),
                (&new.api_key_prefix).into(),
                (&new.api_key_scopes_json).into(),
                (&new.api_key_hmac).into(),
                (&new.pepper_kid).into(),
                (&new.user_id).into(),
                new.now.into(),
            ],
        ),
        event(
            &new.event_ids[0],
            "workspace.created",
            "workspace",
            &new.workspace_id,
            detail(serde_json::json!({ "personal": true })),
        ),
        event(
            &new.event_ids[1],
            "membership.created",
            "membership",
            &new.membership_id,
            detail(serde_json::json!({ "user_id": new.user_id, "role": "owner" })),
        ),
        event(
            &new.event_ids[2],
            "api_key.created",
            "api_key",
            &new.api_key_id,
            detail(serde_json::json!({ "name": new.api_key_name, "prefix": new.api_key_prefix })),
        ),
        Statement::new(
            INSERT_SEALED_ANSWER,
            vec![
                (&new.idempotency_key).into(),
                (&new.user_id).into(),
                (&new.sealed_answers[0]).into(),
                (&new.pepper_kid).into(),
                new.expires_at.into(),
                (&new.workspace_id).into(),
                (&new.slug).into(),
                (&new.sealed_answers[1]).into(),
            ],
        ),
        Statement::new(SELECT_PERSONAL_WORKSPACE, vec![(&new.user_id).into()]),
        Statement::new(SELECT_ANSWER, vec![(&new.idempotency_key).into(), (&new.user_id).into(), new.now.into()]),
    ];
    let results = db.batch(statements).await?;
    if let Some(row) = results[results.len() - 2].first() {
        if row.text("id")? == new.workspace_id {
            return Ok(SignInOutcome::Created { fallback_slug: row.text("slug")? != new.slug });
        }
    }
    match results[results.len() - 1].first() {
        Some(row) => Ok(SignInOutcome::Stored(answer_from_row(row)?)),
        None => Ok(SignInOutcome::KeyHeldElsewhere),
    }
}

/// Deletes answers whose token has expired (the scheduled handler); returns how many.
pub async fn purge_expired_answers<D: Database>(db: &D, now: i64) -> Result<usize, DatabaseError> {
    let rows = db
        .query(Statement::new(
            "DELETE FROM callback_replays WHERE expires_at <= ?1 RETURNING idempotency_key",
            vec![now.into()],
        ))
        .await?;
    Ok(rows.len())
}
