//! The audit trail: one event per change, written in the change's own atomic batch, where it
//! also marks the change as made (see [`super::sql_fragments`]). Events outlive their workspace.

use serde_json::Value;

use super::sql_fragments::{sql_insert_event, sql_workspace_id};
use super::workspaces::{access_from, select_access, WorkspaceAccess};
use super::Batch;
use crate::domain::{new_id, Actor, IdKind, WorkspaceRef};
use crate::platform::{Database, DatabaseError, Row, RowExt, SqlValue, Statement};

/// One change to a workspace: where, by whom, when, and the id of the event that records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The workspace changed.
    pub workspace_id: String,
    /// Who changes it.
    pub actor: Actor,
    /// The audit event's id, minted up front so the batch can test for it.
    pub event_id: String,
    /// Unix milliseconds.
    pub now: i64,
}

const SELECT_MADE: &str = "SELECT EXISTS (SELECT 1 FROM audit_events WHERE id = ?1) AS made";

impl Change {
    /// A change with a fresh event id.
    pub fn new(workspace_id: &str, actor: &Actor, now: i64) -> Self {
        Self { workspace_id: workspace_id.to_owned(), actor: actor.clone(), event_id: new_id(IdKind::Event), now }
    }

    /// The marker statement of the change: an audit event insert whose SQL binds `?1` workspace
    /// id, `?2` actor type, `?3` actor id, `?4` event id, `?5` now, then `more` from `?6`.
    pub fn marker(&self, sql: &'static str, more: Vec<SqlValue>) -> Statement {
        let mut params: Vec<SqlValue> = vec![
            self.workspace_id.as_str().into(),
            self.actor.kind().into(),
            self.actor.id().into(),
            self.event_id.as_str().into(),
            self.now.into(),
        ];
        params.extend(more);
        Statement::new(sql, params)
    }

    /// A statement answering whether the change was made (`made`, read with [`was_made`]).
    pub fn made_statement(&self) -> Statement {
        Statement::new(SELECT_MADE, vec![self.event_id.as_str().into()])
    }

    /// Runs the change's statements in one atomic batch, followed by the reads that tell whether
    /// it was made, the actor's standing afterwards, and the state of `target` (parsed by
    /// `target_from`): what to answer with, or to explain a refusal from.
    pub async fn run<D: Database, T>(
        &self,
        db: &D,
        statements: Vec<Statement>,
        target: Statement,
        target_from: impl FnOnce(Option<&Row>) -> Result<T, DatabaseError>,
    ) -> Result<(bool, Option<WorkspaceAccess>, T), DatabaseError> {
        let workspace = WorkspaceRef::Id(self.workspace_id.clone());
        let mut batch = Batch::new();
        for statement in statements {
            batch.push(statement);
        }
        let made = batch.push(self.made_statement());
        let access = batch.push(select_access(&workspace, &self.actor));
        let target = batch.push(target);
        let results = batch.run(db).await?;
        Ok((was_made(results.first(made))?, access_from(results.first(access))?, target_from(results.first(target))?))
    }
}

/// Reads the row of [`Change::made_statement`].
pub fn was_made(row: Option<&Row>) -> Result<bool, DatabaseError> {
    Ok(row.ok_or_else(|| DatabaseError::new("no made row"))?.int("made")? == 1)
}

/// An event written together with a new workspace (which is its own marker).
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
            detail: serde_json::from_str(&row.text("detail")?).unwrap_or_else(|_| serde_json::json!({})),
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
    "ORDER BY seq DESC LIMIT ?4"
);

/// Up to `rows` events of a workspace, newest first, below `before_seq`.
pub fn page(workspace: &WorkspaceRef, before_seq: i64, rows: usize) -> Statement {
    Statement::new(PAGE, vec![workspace.id().into(), workspace.slug().into(), before_seq.into(), (rows as i64).into()])
}
