//! A change to a workspace, with optimistic concurrency. The rules decide in Rust on a snapshot
//! read in one round trip, which includes the workspace's `version`; the change is then one
//! atomic batch that starts with a guard failing the whole batch unless the workspace is still
//! at that version, bumps it, writes, records its audit event, and reads what the answer needs.
//! A batch that fails its guard changed nothing: the request reads, decides and tries again.
//!
//! Every change to a workspace's settings, members or keys goes through here, so every input of
//! a decision (the actor's role or key, the target member, the owner count, the slug) is covered
//! by the version. Slug uniqueness stays with its unique index, whose violation a retry reads as
//! "taken".

use serde_json::Value;

use super::sql_fragments::sql_insert_event;
use super::{Batch, BatchResults};
use crate::domain::{new_id, Actor, IdKind};
use crate::http::ApiError;
use crate::http::ErrorCode;
use crate::platform::{Database, DatabaseError, Statement};

/// How many times a request reads, decides and writes before it gives up on a busy workspace.
pub const MAX_ATTEMPTS: usize = 3;

/// Fails the batch (a NULL into a NOT NULL column) unless the workspace is at version `?2`.
const GUARD: &str = "INSERT INTO version_guard (stale_workspace) \
     SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1 AND version = ?2)";
/// The constraint the guard trips, as SQLite and D1 name it in their error.
const GUARD_CONSTRAINT: &str = "version_guard.stale_workspace";
/// A slug taken between the read and the write: the retry's read sees it taken.
const SLUG_CONSTRAINT: &str = "UNIQUE constraint failed: workspaces.slug";

const BUMP: &str = "UPDATE workspaces SET version = version + 1 WHERE id = ?1";

const INSERT_EVENT: &str = concat!(sql_insert_event!(), "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");

/// One change to a workspace: where, at which version it was decided, by whom, when.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The workspace changed.
    pub workspace_id: String,
    /// The version the decision read.
    pub version: i64,
    /// Who changes it.
    pub actor: Actor,
    /// Unix milliseconds.
    pub now: i64,
}

/// What a change's batch came to.
#[derive(Debug)]
pub enum Written<T> {
    /// It landed; what the reads after the writes found.
    Done(T),
    /// The workspace moved on since the decision (or a slug was taken meanwhile): nothing was
    /// written, read and decide again.
    Stale,
}

impl Written<BatchResults> {
    /// What the landed batch's reads say, through `read`.
    pub fn read<T>(
        self,
        read: impl FnOnce(&BatchResults) -> Result<T, DatabaseError>,
    ) -> Result<Written<T>, DatabaseError> {
        match self {
            Written::Done(results) => Ok(Written::Done(read(&results)?)),
            Written::Stale => Ok(Written::Stale),
        }
    }
}

/// A row the batch has just written is not there: a storage bug.
pub fn missing(what: &str) -> DatabaseError {
    DatabaseError::new(format!("{what} missing right after being written"))
}

impl Change {
    /// A change of `workspace_id`, decided at `version`.
    pub fn new(workspace_id: &str, version: i64, actor: &Actor, now: i64) -> Self {
        Self { workspace_id: workspace_id.to_owned(), version, actor: actor.clone(), now }
    }

    /// The batch of the change, starting with its guard and the version bump; push the writes,
    /// the audit event and the reads, then [`write`].
    pub fn batch(&self) -> Batch {
        let mut batch = Batch::new();
        batch.push(Statement::new(GUARD, vec![self.workspace_id.as_str().into(), self.version.into()]));
        batch.push(Statement::new(BUMP, vec![self.workspace_id.as_str().into()]));
        batch
    }

    /// The audit event recording the change.
    pub fn event(&self, action: &str, target_type: &str, target_id: &str, detail: Value) -> Statement {
        Statement::new(
            INSERT_EVENT,
            vec![
                new_id(IdKind::Event).into(),
                self.workspace_id.as_str().into(),
                self.actor.kind().into(),
                self.actor.id().into(),
                action.into(),
                target_type.into(),
                target_id.into(),
                detail.to_string().into(),
                self.now.into(),
            ],
        )
    }
}

/// Runs a change's batch: [`Written::Stale`] when its guard (or the slug index) refused it.
pub async fn write<D: Database>(db: &D, batch: Batch) -> Result<Written<BatchResults>, DatabaseError> {
    match batch.run(db).await {
        Ok(results) => Ok(Written::Done(results)),
        Err(error) if is_conflict(&error) => Ok(Written::Stale),
        Err(error) => Err(error),
    }
}

fn is_conflict(error: &DatabaseError) -> bool {
    error.message.contains(GUARD_CONSTRAINT) || error.message.contains(SLUG_CONSTRAINT)
}

/// 503 for a request whose every attempt lost to another change of the same workspace.
pub fn busy() -> ApiError {
    ApiError::new(ErrorCode::Conflict, "the workspace changed while this request was being decided; retry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_guard_and_the_slug_index_read_as_a_conflict() {
        let conflict = |message: &str| is_conflict(&DatabaseError::from_driver(message));
        assert!(conflict("D1_ERROR: NOT NULL constraint failed: version_guard.stale_workspace: SQLITE_CONSTRAINT"));
        assert!(conflict("UNIQUE constraint failed: workspaces.slug"));
        assert!(!conflict("NOT NULL constraint failed: workspaces.name"));
        assert!(!conflict("UNIQUE constraint failed: memberships.workspace_id, memberships.user_id"));
        assert!(!conflict("D1_ERROR: Network connection lost."));
    }
}
