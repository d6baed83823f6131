//! Browser sessions: the cookie's keyed hash, the user, WorkOS's session and its sealed tokens.
//! A session is live while neither its idle nor its absolute lifetime has passed; a cookie is
//! looked up under every configured pepper (`?1`, a JSON array of hashes), so rotating the pepper
//! signs nobody out.

use super::sql_fragments::{
    sql_access_columns, sql_live_session, sql_names_workspace, sql_user_columns, sql_user_member_role,
};
use crate::domain::WorkspaceRef;
use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

/// A session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: String,
    pub workos_session_id: String,
    pub organization_id: Option<String>,
    pub role: Option<String>,
    pub authentication_method: Option<String>,
    /// JSON `{email, reason}` when an admin impersonates the user.
    pub impersonator: Option<String>,
    pub access_token_sealed: String,
    /// Unix milliseconds.
    pub access_expires_at: i64,
    pub refresh_token_sealed: String,
    pub seal_kid: String,
    pub version: i64,
    pub refreshing_until: Option<i64>,
    pub created_at: i64,
    pub last_used_at: i64,
    pub idle_expires_at: i64,
    pub expires_at: i64,
}

impl SessionRecord {
    /// Reads a row with the columns of [`select_live`].
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        Ok(Self {
            id_hash: row.text("id_hash")?,
            user_id: row.text("user_id")?,
            workos_session_id: row.text("workos_session_id")?,
            organization_id: row.opt_text("organization_id")?,
            role: row.opt_text("role")?,
            authentication_method: row.opt_text("authentication_method")?,
            impersonator: row.opt_text("impersonator")?,
            access_token_sealed: row.text("access_token_sealed")?,
            access_expires_at: row.int("access_expires_at")?,
            refresh_token_sealed: row.text("refresh_token_sealed")?,
            seal_kid: row.text("seal_kid")?,
            version: row.int("version")?,
            refreshing_until: row.opt_int("refreshing_until")?,
            created_at: row.int("created_at")?,
            last_used_at: row.int("last_used_at")?,
            idle_expires_at: row.int("idle_expires_at")?,
            expires_at: row.int("expires_at")?,
        })
    }
}

/// A session to create; `welcome_sealed` holds a first sign-in's default key until read once.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub record: SessionRecord,
    pub welcome_sealed: Option<String>,
}

const INSERT: &str = "INSERT INTO sessions (id_hash, user_id, workos_session_id, organization_id, role, \
     authentication_method, impersonator, access_token_sealed, access_expires_at, refresh_token_sealed, seal_kid, \
     version, refreshing_until, welcome_sealed, created_at, last_used_at, idle_expires_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, NULL, ?12, ?13, ?13, ?14, ?15)";

/// The statement that creates `new`.
pub fn insert(new: &NewSession) -> Statement {
    let r = &new.record;
    Statement::new(
        INSERT,
        vec![
            r.id_hash.as_str().into(),
            r.user_id.as_str().into(),
            r.workos_session_id.as_str().into(),
            r.organization_id.clone().into(),
            r.role.clone().into(),
            r.authentication_method.clone().into(),
            r.impersonator.clone().into(),
            r.access_token_sealed.as_str().into(),
            r.access_expires_at.into(),
            r.refresh_token_sealed.as_str().into(),
            r.seal_kid.as_str().into(),
            new.welcome_sealed.clone().into(),
            r.created_at.into(),
            r.idle_expires_at.into(),
            r.expires_at.into(),
        ],
    )
}

const SELECT_LIVE: &str = concat!(
    "SELECT id_hash, user_id, workos_session_id, organization_id, role, authentication_method, \
     impersonator, access_token_sealed, access_expires_at, refresh_token_sealed, seal_kid, version, \
     refreshing_until, created_at, last_used_at, idle_expires_at, expires_at \
     FROM sessions WHERE ",
    sql_live_session!("", "?1", "?2")
);

/// One round trip: the live session of a cookie.
pub async fn live<D: Database>(db: &D, hashes: &str, now: i64) -> Result<Option<SessionRecord>, DatabaseError> {
    let rows = db.query(select_live(hashes, now)).await?;
    rows.first().map(SessionRecord::from_row).transpose()
}

/// One round trip: creates the session with the audit event of its sign-in.
pub async fn create<D: Database>(db: &D, new: &NewSession, more: Vec<Statement>) -> Result<(), DatabaseError> {
    db.batch(std::iter::once(insert(new)).chain(more).collect()).await?;
    Ok(())
}

/// The live session of a cookie (read with [`SessionRecord::from_row`]).
pub fn select_live(hashes: &str, now: i64) -> Statement {
    Statement::new(SELECT_LIVE, vec![hashes.into(), now.into()])
}

/// The columns of a session's user (see [`select_user`]).
macro_rules! sql_session_user_columns {
    () => {
        concat!(sql_user_columns!(), ", s.access_expires_at AS session_access_expires_at")
    };
}

const SELECT_USER: &str = concat!(
    "SELECT ",
    sql_session_user_columns!(),
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE ",
    sql_live_session!("s.", "+?1", "+?2")
);

/// The user of a cookie's live session, as `users::select_user` reads a user, and when the
/// session's access token expires (`session_access_expires_at`).
pub fn select_user(hashes: &str, now: i64) -> Statement {
    Statement::new(SELECT_USER, vec![hashes.into(), now.into()])
}

const SELECT_USER_WITH_ACCESS: &str = concat!(
    "SELECT ",
    sql_session_user_columns!(),
    ", ",
    sql_access_columns!(sql_user_member_role!(), "0"),
    " FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN workspaces w ON ",
    sql_names_workspace!("w.", "+?3", "+?4"),
    " WHERE ",
    sql_live_session!("s.", "+?1", "+?2")
);

/// [`select_user`] and, in the same row, the workspace `workspace` names with the user's role in
/// it (read with `workspaces::access_from`), as `users::select_user_with_access` does for a
/// bearer token.
pub fn select_user_with_access(hashes: &str, now: i64, workspace: &WorkspaceRef) -> Statement {
    Statement::new(
        SELECT_USER_WITH_ACCESS,
        vec![hashes.into(), now.into(), workspace.id().into(), workspace.slug().into()],
    )
}

/// Marks a use, at most once a minute, and pushes the idle expiry out.
const TOUCH: &str = concat!(
    "UPDATE sessions SET last_used_at = ?2, idle_expires_at = ?3 \
     WHERE ",
    sql_live_session!("", "?1", "?2"),
    " AND last_used_at <= ?2 - 60000"
);

/// See [`TOUCH`].
pub fn touch(hashes: &str, now: i64, idle_expires_at: i64) -> Statement {
    Statement::new(TOUCH, vec![hashes.into(), now.into(), idle_expires_at.into()])
}

const SELECT_WELCOME: &str =
    concat!("SELECT id_hash, seal_kid, welcome_sealed FROM sessions WHERE ", sql_live_session!("", "?1", "?2"));

/// Reads the welcome (a first sign-in's default key) and clears it, in one atomic batch: the
/// first call gets it, every later one `None`. `(id_hash, seal_kid, welcome)` of a live session.
pub async fn take_welcome<D: Database>(
    db: &D,
    hashes: &str,
    now: i64,
) -> Result<Option<(String, String, Option<String>)>, DatabaseError> {
    let results = db
        .batch(vec![
            Statement::new(SELECT_WELCOME, vec![hashes.into(), now.into()]),
            Statement::new(
                "UPDATE sessions SET welcome_sealed = NULL WHERE id_hash IN (SELECT value FROM json_each(?1))",
                vec![hashes.into()],
            ),
        ])
        .await?;
    results[0]
        .first()
        .map(|row| Ok((row.text("id_hash")?, row.text("seal_kid")?, row.opt_text("welcome_sealed")?)))
        .transpose()
}

const DELETE: &str = "DELETE FROM sessions WHERE id_hash IN (SELECT value FROM json_each(?1)) \
     RETURNING workos_session_id, user_id";

/// Sign-out, recorded in the user's personal workspace's trail.
const RECORD_SIGN_OUT: &str = "INSERT INTO audit_events \
     (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) \
     SELECT +?1, w.id, 'user', s.user_id, 'session.signed_out', 'session', s.workos_session_id, '{}', +?3 \
     FROM sessions s JOIN workspaces w ON w.personal_owner_id = s.user_id \
     WHERE s.id_hash IN (SELECT value FROM json_each(+?2))";

/// One round trip: records the sign-out and deletes the cookie's session; its WorkOS session id
/// and user, if there was one.
pub async fn delete<D: Database>(db: &D, hashes: &str, now: i64) -> Result<Option<(String, String)>, DatabaseError> {
    let event_id = crate::domain::new_id(crate::domain::IdKind::Event);
    let results = db
        .batch(vec![
            Statement::new(RECORD_SIGN_OUT, vec![event_id.into(), hashes.into(), now.into()]),
            Statement::new(DELETE, vec![hashes.into()]),
        ])
        .await?;
    results[1].first().map(|row| Ok((row.text("workos_session_id")?, row.text("user_id")?))).transpose()
}

/// Claims the refresh of a session at `version` until `until`: one row back when this request
/// won and must refresh, none when another request refreshed or is refreshing it.
const CLAIM_REFRESH: &str = "UPDATE sessions SET refreshing_until = ?4, version = version + 1 \
     WHERE id_hash = ?1 AND version = ?2 AND (refreshing_until IS NULL OR refreshing_until <= ?3) RETURNING version";

/// See [`CLAIM_REFRESH`]; the claimed version, which [`store_refreshed`] writes against.
pub async fn claim_refresh<D: Database>(
    db: &D,
    session: &SessionRecord,
    now: i64,
    until: i64,
) -> Result<Option<i64>, DatabaseError> {
    let rows = db
        .query(Statement::new(
            CLAIM_REFRESH,
            vec![session.id_hash.as_str().into(), session.version.into(), now.into(), until.into()],
        ))
        .await?;
    rows.first().map(|row| row.int("version")).transpose()
}

/// The tokens a refresh gave.
#[derive(Debug, Clone)]
pub struct RefreshedTokens {
    pub organization_id: Option<String>,
    pub role: Option<String>,
    pub access_token_sealed: String,
    pub access_expires_at: i64,
    pub refresh_token_sealed: String,
    pub seal_kid: String,
}

const STORE_REFRESHED: &str = "UPDATE sessions SET organization_id = ?3, role = ?4, access_token_sealed = ?5, \
     access_expires_at = ?6, refresh_token_sealed = ?7, seal_kid = ?8, refreshing_until = NULL, version = version + 1 \
     WHERE id_hash = ?1 AND version = ?2";

/// Stores what the claimed refresh gave.
pub async fn store_refreshed<D: Database>(
    db: &D,
    id_hash: &str,
    claimed_version: i64,
    tokens: &RefreshedTokens,
) -> Result<(), DatabaseError> {
    db.query(Statement::new(
        STORE_REFRESHED,
        vec![
            id_hash.into(),
            claimed_version.into(),
            tokens.organization_id.clone().into(),
            tokens.role.clone().into(),
            tokens.access_token_sealed.as_str().into(),
            tokens.access_expires_at.into(),
            tokens.refresh_token_sealed.as_str().into(),
            tokens.seal_kid.as_str().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Stores the refresh token a claimed refresh rotated when its access token could not be
/// verified (the session keeps its last verified access token), and holds the claim until
/// `retry_at`, when the next refresh may run.
pub async fn store_rotated_refresh_token<D: Database>(
    db: &D,
    id_hash: &str,
    claimed_version: i64,
    refresh_token_sealed: &str,
    retry_at: i64,
) -> Result<(), DatabaseError> {
    db.query(Statement::new(
        "UPDATE sessions SET refresh_token_sealed = ?3, refreshing_until = ?4, version = version + 1 \
         WHERE id_hash = ?1 AND version = ?2",
        vec![id_hash.into(), claimed_version.into(), refresh_token_sealed.into(), retry_at.into()],
    ))
    .await?;
    Ok(())
}

/// Puts back into the row a refresh token kept elsewhere (sealed as the row's are) while D1 could
/// not take it, under the claim at `claimed_version`, which stays held.
pub async fn adopt_refresh_token<D: Database>(
    db: &D,
    id_hash: &str,
    claimed_version: i64,
    refresh_token_sealed: &str,
) -> Result<(), DatabaseError> {
    db.query(Statement::new(
        "UPDATE sessions SET refresh_token_sealed = ?3 WHERE id_hash = ?1 AND version = ?2",
        vec![id_hash.into(), claimed_version.into(), refresh_token_sealed.into()],
    ))
    .await?;
    Ok(())
}

/// Releases a claim whose refresh failed without ending the session (WorkOS unavailable).
pub async fn release_claim<D: Database>(db: &D, id_hash: &str, claimed_version: i64) -> Result<(), DatabaseError> {
    db.query(Statement::new(
        "UPDATE sessions SET refreshing_until = NULL WHERE id_hash = ?1 AND version = ?2",
        vec![id_hash.into(), claimed_version.into()],
    ))
    .await?;
    Ok(())
}

/// Ends a session whose refresh WorkOS refused for good.
pub async fn end<D: Database>(db: &D, id_hash: &str) -> Result<(), DatabaseError> {
    db.query(Statement::new("DELETE FROM sessions WHERE id_hash = ?1", vec![id_hash.into()])).await?;
    Ok(())
}

/// Ends the local sessions of `user_id` that belong to the WorkOS session `workos_session_id`
/// (revoked at WorkOS).
pub fn end_of_workos_session(user_id: &str, workos_session_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM sessions WHERE user_id = ?1 AND workos_session_id = ?2",
        vec![user_id.into(), workos_session_id.into()],
    )
}

/// Deletes sessions past their absolute lifetime, at most `?2` of them (the scheduled job,
/// `super::purge_expired`).
pub const PURGE_PAST_LIFETIME: &str = "DELETE FROM sessions WHERE id_hash IN \
     (SELECT id_hash FROM sessions WHERE expires_at <= ?1 LIMIT +?2) RETURNING id_hash";

/// Deletes sessions unused for their idle lifetime, at most `?2` of them.
pub const PURGE_IDLE: &str = "DELETE FROM sessions WHERE id_hash IN \
     (SELECT id_hash FROM sessions WHERE idle_expires_at <= ?1 LIMIT +?2) RETURNING id_hash";
