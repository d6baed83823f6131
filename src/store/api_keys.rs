//! API keys: stored as peppered HMACs of their credential; looked up to authenticate a request,
//! listed, created and revoked (revocation keeps the row, for the audit trail and the UI).

use serde_json::json;

use super::change::{missing, write, Change, Written};
use super::sql_fragments::{sql_access_columns, sql_names_workspace, sql_workspace_id};
use crate::domain::{rfc3339, Scopes, WorkspaceRef};
use crate::pagination::Position;
use crate::platform::{Database, DatabaseError, Row, RowExt, SqlValue, Statement};

/// An API key as the API shows it (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// `key_…`
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// `eak_` + 8 characters of the id.
    pub prefix: String,
    pub scopes: Scopes,
    /// Unix milliseconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When its credential stops being accepted; `None`: never.
    pub expires_at: Option<i64>,
}

/// The columns [`ApiKeyRecord::from_row`] reads, of the api_keys table aliased `k`.
macro_rules! sql_api_key_columns {
    () => {
        "k.id, k.workspace_id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at, \
         k.expires_at"
    };
}

impl ApiKeyRecord {
    /// Reads the columns of [`sql_api_key_columns`].
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        let scopes = row.text("scopes")?;
        Ok(Self {
            id: row.text("id")?,
            workspace_id: row.text("workspace_id")?,
            name: row.text("name")?,
            prefix: row.text("prefix")?,
            scopes: Scopes::from_stored(&scopes).ok_or_else(|| DatabaseError::new(format!("bad scopes {scopes}")))?,
            created_at: row.int("created_at")?,
            last_used_at: row.opt_int("last_used_at")?,
            revoked_at: row.opt_int("revoked_at")?,
            expires_at: row.opt_int("expires_at")?,
        })
    }

    /// Whether its lifetime has run out at `now` (a revoked key's has ended in another way).
    pub fn has_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Where the row sits in the keys list.
    pub fn position(&self) -> Position {
        Position::After { created_at: self.created_at, id: self.id.clone() }
    }
}

/// An API key with what authenticating with it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApiKey {
    /// The key.
    pub key: ApiKeyRecord,
    /// base64url HMAC of the credential, and the id of the pepper that made it.
    pub secret_hmac: String,
    pub pepper_kid: String,
}

/// Records a use of the key, at most once a minute, only while it is live (not revoked, not
/// expired), and only for the genuine credential: `?3` maps each configured pepper id to the
/// presented credential's MAC under that pepper. (This only decides whether to write a
/// timestamp; authentication itself compares in constant time.)
const TOUCH: &str = "UPDATE api_keys SET last_used_at = ?2 \
     WHERE id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2) \
     AND (last_used_at IS NULL OR last_used_at <= ?2 - 60000) \
     AND secret_hmac = (SELECT value FROM json_each(?3) WHERE key = api_keys.pepper_kid)";

/// See [`TOUCH`]; `macs_by_pepper` is a JSON object `{kid: mac}`.
pub fn touch(key_id: &str, now: i64, macs_by_pepper: String) -> Statement {
    Statement::new(TOUCH, vec![key_id.into(), now.into(), macs_by_pepper.into()])
}

/// The columns [`stored_from`] reads, of the api_keys table aliased `k`.
macro_rules! sql_key_for_auth_columns {
    () => {
        concat!(sql_api_key_columns!(), ", k.secret_hmac, k.pepper_kid")
    };
}

const SELECT_FOR_AUTH: &str = concat!("SELECT ", sql_key_for_auth_columns!(), " FROM api_keys k WHERE k.id = ?1");

/// The key with this id, with its HMAC (read with [`stored_from`]).
pub fn select_for_auth(key_id: &str) -> Statement {
    Statement::new(SELECT_FOR_AUTH, vec![key_id.into()])
}

const SELECT_FOR_AUTH_WITH_ACCESS: &str = concat!(
    "SELECT ",
    sql_key_for_auth_columns!(),
    ", ",
    sql_access_columns!("NULL", "(k.workspace_id = w.id AND k.revoked_at IS NULL)"),
    " FROM api_keys k LEFT JOIN workspaces w ON ",
    sql_names_workspace!("w.", "+?2", "+?3"),
    " WHERE k.id = +?1"
);

/// [`select_for_auth`] and, in the same row, the workspace `workspace` names with whether this
/// is an unrevoked key of it (read with `workspaces::access_from`), as
/// `users::select_user_with_access` does for a user.
pub fn select_for_auth_with_access(key_id: &str, workspace: &WorkspaceRef) -> Statement {
    Statement::new(SELECT_FOR_AUTH_WITH_ACCESS, vec![key_id.into(), workspace.id().into(), workspace.slug().into()])
}

/// Reads the row of [`select_for_auth`].
pub fn stored_from(row: Option<&Row>) -> Result<Option<StoredApiKey>, DatabaseError> {
    row.map(|row| {
        Ok(StoredApiKey {
            key: ApiKeyRecord::from_row(row)?,
            secret_hmac: row.text("secret_hmac")?,
            pepper_kid: row.text("pepper_kid")?,
        })
    })
    .transpose()
}

const PAGE: &str = concat!(
    "SELECT ",
    sql_api_key_columns!(),
    " FROM api_keys k ",
    "WHERE workspace_id = ",
    sql_workspace_id!("?1", "?2"),
    " AND (created_at, id) > (?3, ?4) ",
    "ORDER BY created_at, id LIMIT +?5"
);

/// Up to `rows` keys of a workspace (revoked ones included) oldest first, after `position`.
pub fn page(workspace: &WorkspaceRef, position: Option<&Position>, rows: usize) -> Statement {
    super::workspace_page(PAGE, workspace, position, rows)
}

const SELECT_IN_WORKSPACE: &str = concat!(
    "SELECT ",
    sql_api_key_columns!(),
    " FROM api_keys k ",
    "WHERE id = ?3 AND workspace_id = ",
    sql_workspace_id!("?1", "?2")
);

/// The key `key_id` if it belongs to the workspace.
pub fn select_in_workspace(workspace: &WorkspaceRef, key_id: &str) -> Statement {
    Statement::new(SELECT_IN_WORKSPACE, vec![workspace.id().into(), workspace.slug().into(), key_id.into()])
}

// ------------------------------------------------------------------------------------ create

/// A key to create; the credential itself is never stored.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a Scopes,
    pub secret_hmac: &'a str,
    pub pepper_kid: &'a str,
    /// The user who creates it; `None` for a key made by another key.
    pub created_by: Option<&'a str>,
    /// When it stops being accepted; `None`: never.
    pub expires_at: Option<i64>,
}

const INSERT: &str = "INSERT INTO api_keys \
     (id, workspace_id, name, prefix, scopes, secret_hmac, pepper_kid, created_by, is_default, created_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)";

const SELECT_BY_ID: &str = concat!("SELECT ", sql_api_key_columns!(), " FROM api_keys k WHERE k.id = ?1");

/// One round trip: creates the key, unless the workspace changed since the decision.
pub async fn create<D: Database>(
    db: &D,
    change: &Change,
    new: &NewApiKey<'_>,
) -> Result<Written<ApiKeyRecord>, DatabaseError> {
    let scopes = new.scopes.to_stored();
    let mut batch = change.batch();
    batch.push(Statement::new(
        INSERT,
        vec![
            new.id.into(),
            change.workspace_id.as_str().into(),
            new.name.into(),
            new.prefix.into(),
            scopes.into(),
            new.secret_hmac.into(),
            new.pepper_kid.into(),
            SqlValue::from(new.created_by),
            change.now.into(),
            SqlValue::from(new.expires_at),
        ],
    ));
    batch.push(change.event(
        "api_key.created",
        "api_key",
        new.id,
        json!({ "name": new.name, "prefix": new.prefix, "scopes": new.scopes, "expires_at": new.expires_at.map(rfc3339) }),
    ));
    let created = batch.push(Statement::new(SELECT_BY_ID, vec![new.id.into()]));
    write(db, batch).await?.read(|results| {
        results.first(created).map(ApiKeyRecord::from_row).transpose()?.ok_or_else(|| missing("created API key"))
    })
}

// ------------------------------------------------------------------------------------ revoke

const REVOKE: &str = "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1";

/// One round trip: revokes the key, unless the workspace changed since the decision.
pub async fn revoke<D: Database>(db: &D, change: &Change, key: &ApiKeyRecord) -> Result<Written<()>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(REVOKE, vec![key.id.as_str().into(), change.now.into()]));
    batch.push(change.event("api_key.revoked", "api_key", &key.id, json!({ "name": key.name, "prefix": key.prefix })));
    write(db, batch).await?.read(|_| Ok(()))
}
