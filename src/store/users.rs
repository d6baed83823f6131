//! Users, as the web callback provisions them: read here, never written.

use super::sql_fragments::{sql_access_columns, sql_names_workspace, sql_user_columns, sql_user_member_role};
use crate::domain::WorkspaceRef;
use crate::platform::{DatabaseError, Row, RowExt, Statement};

/// A user who has signed in through the web callback.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// WorkOS user id.
    pub id: String,
    /// Canonical email at the last sign-in.
    pub email: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When WorkOS told us it deleted the user (a `user.deleted` event); a tombstone since.
    pub deleted_at: Option<i64>,
}

impl UserRecord {
    /// Reads a row with columns `id, email, created_at, last_seen_at, deleted_at`
    /// ([`sql_user_columns`]).
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        Ok(Self {
            id: row.text("id")?,
            email: row.text("email")?,
            created_at: row.int("created_at")?,
            last_seen_at: row.int("last_seen_at")?,
            deleted_at: row.opt_int("deleted_at")?,
        })
    }
}

const SELECT_USER: &str = concat!("SELECT ", sql_user_columns!(), " FROM users u WHERE u.id = ?1");

/// The user with this id.
pub fn select_user(user_id: &str) -> Statement {
    Statement::new(SELECT_USER, vec![user_id.into()])
}

const SELECT_USER_WITH_ACCESS: &str = concat!(
    "SELECT ",
    sql_user_columns!(),
    ", ",
    sql_access_columns!(sql_user_member_role!(), "0"),
    " FROM users u LEFT JOIN workspaces w ON ",
    sql_names_workspace!("w.", "+?2", "+?3"),
    " WHERE u.id = +?1"
);

/// [`select_user`] and, in the same row, the workspace `workspace` names with the user's role in
/// it (read with `workspaces::access_from`): one statement where a route that names a workspace
/// needed two. No row when there is no such user; no workspace columns when there is no such
/// workspace.
pub fn select_user_with_access(user_id: &str, workspace: &WorkspaceRef) -> Statement {
    Statement::new(SELECT_USER_WITH_ACCESS, vec![user_id.into(), workspace.id().into(), workspace.slug().into()])
}
