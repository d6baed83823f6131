//! Users, as the web callback provisions them: read here, never written.

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
}

impl UserRecord {
    /// Reads a row with columns `id, email, created_at, last_seen_at`.
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        Ok(Self {
            id: row.text("id")?,
            email: row.text("email")?,
            created_at: row.int("created_at")?,
            last_seen_at: row.int("last_seen_at")?,
        })
    }
}

const SELECT_USER: &str = "SELECT id, email, created_at, last_seen_at FROM users WHERE id = ?1";

/// The user with this id.
pub fn select_user(user_id: &str) -> Statement {
    Statement::new(SELECT_USER, vec![user_id.into()])
}
