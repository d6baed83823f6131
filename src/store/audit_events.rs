//! The audit trail: one event per change, written in the change's own atomic batch (see
//! [`super::change`]). Events outlive their workspace.

use serde_json::Value;

use super::sql_fragments::{sql_insert_event, sql_workspace_id};
use crate::domain::{Actor, WorkspaceRef};
use crate::platform::{DatabaseError, Row, RowExt, Statement};

/// An event written together with a new workspace.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// `evt_…`
    pub id: &'a str,
    /// The new workspace.
    pub workspace_id: &'a str,
    /// Who creates it.
    pub actor: &'a Actor,
    /// e.g. `workspace.created`.
    pub action: &'static str,
    /// e.g. `workspace`, and the target's id.
    pub target_type: &'static str,
    pub target_id: &'a str,
    /// A small JSON object.
    pub detail: Value,
    /// Unix milliseconds.
    pub now: i64,
}

const INSERT_EVENT_IF_WORKSPACE: &str = concat!(
    sql_insert_event!(),
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?2)"
);

/// Inserts `event` if its workspace exists at that point of the batch.
pub fn insert_if_workspace_exists(event: NewEvent<'_>) -> Statement {
    Statement::new(
        INSERT_EVENT_IF_WORKSPACE,
        vec![
            event.id.into(),
            event.workspace_id.into(),
            event.actor.kind().into(),
            event.actor.id().into(),
            event.action.into(),
            event.target_type.into(),
            event.target_id.into(),
            event.detail.to_string().into(),
            event.now.into(),
        ],
    )
}

/// An audit event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Insertion order: newest first is `seq` descending.
    pub seq: i64,
    pub id: String,
    pub action: String,
    pub actor_type: String,
    pub actor_id: String,
    pub target_type: String,
    pub target_id: String,
    /// The JSON detail object (an empty object if the stored text is not JSON).
    pub detail: Value,
    pub created_at: i64,
}

impl EventRecord {
    /// Reads a row of [`page`].
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        Ok(Self {
            seq: row.int("seq")?,
            id: row.text("id")?,
            action: row.text("action")?,
            actor_type: row.text("actor_type")?,
            actor_id: row.text("actor_id")?,
            target_type: row.text("target_type")?,
            target_id: row.text("target_id")?,
            detail: serde_json::from_slice(row.text("detail")?.as_bytes()).unwrap_or_else(|_| serde_json::json!({})),
            created_at: row.int("created_at")?,
        })
    }
}

/// Above every `seq` (and exact in D1's doubles): the start of a newest-first page.
pub const SEQ_START: i64 = 1 << 53;

const PAGE: &str = concat!(
    "SELECT seq, id, action, actor_type, actor_id, target_type, target_id, detail, created_at ",
    "FROM audit_events WHERE workspace_id = ",
    sql_workspace_id!("?1", "?2"),
    " AND seq < ?3 ",
    "ORDER BY seq DESC LIMIT +?4"
);

/// Up to `rows` events of a workspace, newest first, below `before_seq`.
pub fn page(workspace: &WorkspaceRef, before_seq: i64, rows: usize) -> Statement {
    Statement::new(PAGE, vec![workspace.id().into(), workspace.slug().into(), before_seq.into(), (rows as i64).into()])
}
