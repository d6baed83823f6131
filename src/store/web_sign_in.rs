//! The storage of `POST /v1/auth/web/callback`: replays, returning sign-ins and the provisioning
//! of a first sign-in, all in one batch. Every decision that concurrency could race is taken by a
//! unique index inside one atomic batch, never by reading first.

use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

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
    /// The whole answer sealed, under the pepper `seal_kid` (first sign-ins stored before
    /// migrations/0012_sealed_secret.sql).
    Sealed { sealed: String, seal_kid: String },
    /// The answer's template (its secret left empty, in its stored form) beside the secret sealed
    /// under the pepper `seal_kid` (a first sign-in's answer; `routes::stored_first_answer`).
    SecretSealed { template: String, sealed_secret: String, seal_kid: String },
}

/// The answer stored under the key `$key` for the user `$user` that is still served at `$now`;
/// `$alias` is the callback_replays table's alias with its dot, or "".
macro_rules! sql_served_answer {
    ($alias:literal, $key:literal, $user:literal, $now:literal) => {
        concat!(
            $alias,
            "idempotency_key = ",
            $key,
            " AND ",
            $alias,
            "user_id = ",
            $user,
            " AND ",
            $alias,
            "expires_at > ",
            $now
        )
    };
}

const SELECT_ANSWER: &str = concat!(
    "SELECT status, body, sealed_body, seal_kid, answer_template FROM callback_replays WHERE ",
    sql_served_answer!("", "?1", "?2", "?3")
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
    let body = match (row.opt_text("body")?, row.opt_text("sealed_body")?, row.opt_text("answer_template")?) {
        (Some(plain), None, None) => StoredBody::Plain(plain),
        (None, Some(sealed), None) => StoredBody::Sealed { sealed, seal_kid: row.text("seal_kid")? },
        (None, Some(sealed_secret), Some(template)) => {
            StoredBody::SecretSealed { template, sealed_secret, seal_kid: row.text("seal_kid")? }
        }
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
    /// The 201 answer's stored template for each slug the batch may pick (preferred, fallback),
    /// and its secret sealed (`routes::stored_first_answer`).
    pub answer_templates: [String; 2],
    pub sealed_secret: String,
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
    /// Nothing: WorkOS has deleted the user (the trigger `web_sign_in_refuses_deleted_users`,
    /// migrations/0008_workos_events.sql, aborted the batch).
    UserDeleted,
}

/// The message of the abort `web_sign_in_refuses_deleted_users` raises.
const USER_DELETED_ABORT: &str = "edge_auth:user_deleted";

/// The sign-in itself: the trigger `web_sign_in` (migrations/0007_web_sign_in.sql) runs on this
/// insert and does every write a sign-in may make.
const INSERT_WEB_SIGN_IN: &str = "INSERT INTO web_sign_ins (user_id, email, email_verified, \
     workspace_id, workspace_name, slug, fallback_slug, membership_id, \
     api_key_id, api_key_name, api_key_prefix, api_key_scopes, api_key_hmac, pepper_kid, \
     workspace_event_id, workspace_event_detail, membership_event_id, membership_event_detail, \
     api_key_event_id, api_key_event_detail, answer_template, fallback_answer_template, sealed_secret, \
     idempotency_key, expires_at, now) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22, ?23, ?24, ?25, ?26)";

/// What the sign-in left, in one row: the user's personal workspace (whoever created it) and the
/// answer stored under the key for this user, if any.
const SELECT_OUTCOME: &str = concat!(
    "SELECT w.id AS workspace_id, w.slug AS workspace_slug, a.status, a.body, a.sealed_body, a.seal_kid, \
     a.answer_template \
     FROM (SELECT 1) LEFT JOIN workspaces w ON w.personal_owner_id = +?1 LEFT JOIN callback_replays a ON ",
    sql_served_answer!("a.", "+?2", "+?1", "+?3")
);

/// A web sign-in in one round trip, one atomic batch whichever kind it turns out to be:
/// - a replay (an unexpired answer is stored under the key) changes nothing and reads the answer;
/// - a returning user is touched and the answer built and stored by SQLite from the rows;
/// - a first sign-in creates the user, personal workspace, owner membership, default API key,
///   audit events and the answer (its secret sealed), all or nothing.
///
/// The batch is two statements whatever the kind: the insert whose trigger takes every step, and
/// the read of what they left. Each step is guarded by the rows the earlier ones left, so the
/// kinds exclude each other and concurrent batches (D1 runs them one at a time) find each other's
/// work: a second tab of a first sign-in arrives as a returning user. The price is that every
/// sign-in mints the first sign-in's rows and seals its secret, and returning ones then discard
/// them unused.
pub async fn sign_in<D: Database>(db: &D, new: &NewPersonalWorkspace) -> Result<SignInOutcome, DatabaseError> {
    let detail = |value: serde_json::Value| value.to_string();
    let sign_in = Statement::new(
        INSERT_WEB_SIGN_IN,
        vec![
            (&new.user_id).into(),
            (&new.email).into(),
            i64::from(new.email_verified).into(),
            (&new.workspace_id).into(),
            (&new.workspace_name).into(),
            (&new.slug).into(),
            (&new.fallback_slug).into(),
            (&new.membership_id).into(),
            (&new.api_key_id).into(),
            (&new.api_key_name).into(),
            (&new.api_key_prefix).into(),
            (&new.api_key_scopes_json).into(),
            (&new.api_key_hmac).into(),
            (&new.pepper_kid).into(),
            (&new.event_ids[0]).into(),
            detail(serde_json::json!({ "personal": true })).into(),
            (&new.event_ids[1]).into(),
            detail(serde_json::json!({ "user_id": new.user_id, "role": "owner" })).into(),
            (&new.event_ids[2]).into(),
            detail(serde_json::json!({ "name": new.api_key_name, "prefix": new.api_key_prefix })).into(),
            (&new.answer_templates[0]).into(),
            (&new.answer_templates[1]).into(),
            (&new.sealed_secret).into(),
            (&new.idempotency_key).into(),
            new.expires_at.into(),
            new.now.into(),
        ],
    );
    let outcome =
        Statement::new(SELECT_OUTCOME, vec![(&new.user_id).into(), (&new.idempotency_key).into(), new.now.into()]);
    let results = match db.batch(vec![sign_in, outcome]).await {
        Err(error) if error.message.contains(USER_DELETED_ABORT) => return Ok(SignInOutcome::UserDeleted),
        other => other?,
    };
    let row = results.get(1).and_then(|rows| rows.first()).ok_or_else(|| DatabaseError::new("no sign-in outcome"))?;
    if row.opt_text("workspace_id")?.as_deref() == Some(new.workspace_id.as_str()) {
        return Ok(SignInOutcome::Created { fallback_slug: row.text("workspace_slug")? != new.slug });
    }
    match row.opt_int("status")? {
        Some(_) => Ok(SignInOutcome::Stored(answer_from_row(row)?)),
        None => Ok(SignInOutcome::KeyHeldElsewhere),
    }
}

/// Deletes answers whose token has expired, at most `?2` of them (the scheduled job,
/// `super::purge_expired`).
pub const PURGE_EXPIRED_ANSWERS: &str = "DELETE FROM callback_replays WHERE idempotency_key IN \
     (SELECT idempotency_key FROM callback_replays WHERE expires_at <= ?1 LIMIT +?2) RETURNING idempotency_key";
