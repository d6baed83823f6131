//! Workspaces (the organisations): lookup with the caller's standing, the caller's list, and
//! create / update / delete, each one atomic batch. The slug index (`workspaces_slug`, unique and
//! case-insensitive) is the only arbiter of slug uniqueness: every slug test runs inside the
//! batch that writes, never in an earlier round trip.

use serde_json::json;

use super::audit_events::{self, NewEvent};
use super::change::{missing, write, Change, Written};
use super::sql_fragments::{sql_live_session, sql_workspace_id};
use super::Batch;
use crate::domain::{Actor, Role, WorkspaceRef};
use crate::pagination::{keyset_after, Position};
use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

/// A workspace as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceRecord {
    /// `org_…`
    pub id: String,
    pub name: String,
    pub slug: String,
    /// Set on a user's personal workspace.
    pub personal_owner_id: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

impl WorkspaceRecord {
    /// Reads the columns `id, name, slug, personal_owner_id, created_at, updated_at`.
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        Self::read(row, &WorkspaceColumns::PLAIN)
    }

    fn read(row: &Row, columns: &WorkspaceColumns) -> Result<Self, DatabaseError> {
        Ok(Self {
            id: row.text(columns.id)?,
            name: row.text(columns.name)?,
            slug: row.text(columns.slug)?,
            personal_owner_id: row.opt_text(columns.personal_owner_id)?,
            created_at: row.int(columns.created_at)?,
            updated_at: row.int(columns.updated_at)?,
        })
    }
}

/// The names a workspace's columns have in a row.
struct WorkspaceColumns {
    id: &'static str,
    name: &'static str,
    slug: &'static str,
    personal_owner_id: &'static str,
    created_at: &'static str,
    updated_at: &'static str,
}

impl WorkspaceColumns {
    const PLAIN: Self = Self {
        id: "id",
        name: "name",
        slug: "slug",
        personal_owner_id: "personal_owner_id",
        created_at: "created_at",
        updated_at: "updated_at",
    };
    /// As `sql_access_columns!` names them.
    const IN_ACCESS: Self = Self {
        id: "org_id",
        name: "org_name",
        slug: "org_slug",
        personal_owner_id: "org_personal_owner_id",
        created_at: "org_created_at",
        updated_at: "org_updated_at",
    };
}

/// A workspace with what the actor is in it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceAccess {
    /// The workspace.
    pub workspace: WorkspaceRecord,
    /// A user actor's role, if a member.
    pub member_role: Option<Role>,
    /// For an API key actor: whether it is an unrevoked key of this workspace.
    pub key_active: bool,
    /// The workspace's version: what a change decided on this snapshot writes against.
    pub version: i64,
}

/// Reads the workspace and the actor's standing in it from the row of a caller's lookup with
/// `sql_access_columns!` (`users::select_user_with_access`, `sessions::select_user_with_access`,
/// `api_keys::select_for_auth_with_access`); `None` when no workspace has that id or slug.
pub fn access_from(row: Option<&Row>) -> Result<Option<WorkspaceAccess>, DatabaseError> {
    let Some(row) = row else { return Ok(None) };
    // The caller's row is there whether or not its workspace join found one.
    if row.opt_text(WorkspaceColumns::IN_ACCESS.id)?.is_none() {
        return Ok(None);
    }
    let member_role = match row.opt_text("member_role")? {
        Some(role) => Some(Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?),
        None => None,
    };
    Ok(Some(WorkspaceAccess {
        workspace: WorkspaceRecord::read(row, &WorkspaceColumns::IN_ACCESS)?,
        member_role,
        key_active: row.int("key_active")? == 1,
        version: row.int("version")?,
    }))
}

const SELECT_SLUG_TAKEN: &str = concat!(
    "SELECT EXISTS (SELECT 1 FROM workspaces o WHERE o.slug = ?3 COLLATE NOCASE AND o.id IS NOT ",
    sql_workspace_id!("?1", "?2"),
    ") AS taken"
);

/// Whether a workspace other than the named one has `slug` (read with [`slug_taken_from`]).
pub fn select_slug_taken(workspace: &WorkspaceRef, slug: &str) -> Statement {
    Statement::new(SELECT_SLUG_TAKEN, vec![workspace.id().into(), workspace.slug().into(), slug.into()])
}

/// Reads the row of [`select_slug_taken`].
pub fn slug_taken_from(row: Option<&Row>) -> Result<bool, DatabaseError> {
    Ok(row.ok_or_else(|| DatabaseError::new("no slug row"))?.int("taken")? == 1)
}

/// A workspace in a user's list, with their membership.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWorkspace {
    /// The workspace.
    pub workspace: WorkspaceRecord,
    /// The membership: id, role, when it was made (the list's order).
    pub membership_id: String,
    pub role: Role,
    pub joined_at: i64,
}

impl UserWorkspace {
    /// Reads a row of [`list_for_user`].
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        let role = row.text("role")?;
        Ok(Self {
            workspace: WorkspaceRecord::from_row(row)?,
            membership_id: row.text("membership_id")?,
            role: Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?,
            joined_at: row.int("joined_at")?,
        })
    }

    /// Where the row sits in the list.
    pub fn position(&self) -> Position {
        Position::After { created_at: self.joined_at, id: self.membership_id.clone() }
    }
}

const LIST_FOR_USER: &str = "SELECT w.id, w.name, w.slug, w.personal_owner_id, w.created_at, w.updated_at, \
     m.id AS membership_id, m.role, m.created_at AS joined_at \
     FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
     WHERE m.user_id = +?1 AND (m.created_at, m.id) > (+?2, +?3) \
     ORDER BY m.created_at, m.id LIMIT +?4";

/// Up to `rows` of a user's workspaces in the order they joined, after `position`.
pub fn list_for_user(user_id: &str, position: Option<&Position>, rows: usize) -> Statement {
    let (created_at, id) = keyset_after(position);
    Statement::new(LIST_FOR_USER, vec![user_id.into(), created_at.into(), id.into(), (rows as i64).into()])
}

const LIST_FOR_SESSION: &str = concat!(
    "SELECT w.id, w.name, w.slug, w.personal_owner_id, w.created_at, w.updated_at, \
     m.id AS membership_id, m.role, m.created_at AS joined_at \
     FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
     WHERE m.user_id = (SELECT s.user_id FROM sessions s WHERE ",
    sql_live_session!("s.", "+?1", "+?5"),
    ") AND (m.created_at, m.id) > (+?2, +?3) ORDER BY m.created_at, m.id LIMIT +?4"
);

/// [`list_for_user`] for the user of a session cookie (`hashes`), in the round trip that reads
/// the session.
pub fn list_for_session(hashes: &str, now: i64, position: Option<&Position>, rows: usize) -> Statement {
    let (created_at, id) = keyset_after(position);
    Statement::new(
        LIST_FOR_SESSION,
        vec![hashes.into(), created_at.into(), id.into(), (rows as i64).into(), now.into()],
    )
}

const LIST_FOR_API_KEY: &str = "SELECT w.id, w.name, w.slug, w.personal_owner_id, w.created_at, w.updated_at \
     FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id \
     WHERE k.id = +?1 AND (w.created_at, w.id) > (+?2, +?3) \
     ORDER BY w.created_at, w.id LIMIT +?4";

/// An API key's list of workspaces: its own, unless `position` is past it.
pub fn list_for_api_key(key_id: &str, position: Option<&Position>, rows: usize) -> Statement {
    let (created_at, id) = keyset_after(position);
    Statement::new(LIST_FOR_API_KEY, vec![key_id.into(), created_at.into(), id.into(), (rows as i64).into()])
}

const SELECT_OF_API_KEY: &str = "SELECT w.id, w.name, w.slug, w.personal_owner_id, w.created_at, w.updated_at \
     FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.id = +?1";

/// The workspace of an API key.
pub fn select_of_api_key(key_id: &str) -> Statement {
    Statement::new(SELECT_OF_API_KEY, vec![key_id.into()])
}

// ------------------------------------------------------------------------------------ create

/// A workspace to create, with its first owner; ids minted by the caller.
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub id: String,
    pub name: String,
    /// Lowercase, valid (see [`crate::domain::Slug`]).
    pub slug: String,
    /// The creator, who becomes owner, and the membership's id.
    pub owner: Actor,
    pub membership_id: String,
    /// Audit events: `workspace.created`, `membership.created`.
    pub event_ids: [String; 2],
    pub now: i64,
}

/// Inserts the workspace unless the slug is taken — tested in the same statement, so two
/// concurrent creates of one slug cannot both pass. `ON CONFLICT DO NOTHING` covers the unique
/// indexes as well, without depending on error text.
const INSERT_WORKSPACE: &str = "INSERT INTO workspaces (id, name, slug, personal_owner_id, created_at, updated_at) \
     SELECT ?1, ?2, ?3, NULL, ?4, ?4 \
     WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE slug = ?3 COLLATE NOCASE) \
     ON CONFLICT DO NOTHING";

/// The owner membership, only if this batch's workspace insert won.
const INSERT_OWNER: &str = "INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at) \
     SELECT ?1, ?2, ?3, 'owner', ?4, ?4 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?2)";

const SELECT_BY_ID: &str =
    "SELECT id, name, slug, personal_owner_id, created_at, updated_at FROM workspaces WHERE id = ?1";

/// One round trip: workspace, owner membership and their audit events, all or nothing. `None`
/// when the slug is taken.
pub async fn create<D: Database>(db: &D, new: &NewWorkspace) -> Result<Option<WorkspaceRecord>, DatabaseError> {
    let owner_id = new.owner.user_id().ok_or_else(|| DatabaseError::new("a workspace owner is a user"))?;
    let mut batch = Batch::new();
    batch.push(Statement::new(
        INSERT_WORKSPACE,
        vec![(&new.id).into(), (&new.name).into(), (&new.slug).into(), new.now.into()],
    ));
    batch.push(Statement::new(
        INSERT_OWNER,
        vec![(&new.membership_id).into(), (&new.id).into(), owner_id.into(), new.now.into()],
    ));
    batch.push(audit_events::insert_if_workspace_exists(NewEvent {
        id: &new.event_ids[0],
        workspace_id: &new.id,
        actor: &new.owner,
        action: "workspace.created",
        target_type: "workspace",
        target_id: &new.id,
        detail: json!({ "name": new.name, "slug": new.slug }),
        now: new.now,
    }));
    batch.push(audit_events::insert_if_workspace_exists(NewEvent {
        id: &new.event_ids[1],
        workspace_id: &new.id,
        actor: &new.owner,
        action: "membership.created",
        target_type: "membership",
        target_id: &new.membership_id,
        detail: json!({ "user_id": owner_id, "role": "owner" }),
        now: new.now,
    }));
    let created = batch.push(Statement::new(SELECT_BY_ID, vec![(&new.id).into()]));
    let results = batch.run(db).await?;
    results.first(created).map(WorkspaceRecord::from_row).transpose()
}

// ------------------------------------------------------------------------------------ update

const UPDATE: &str = "UPDATE workspaces SET name = ?2, slug = ?3, updated_at = ?4 WHERE id = ?1";

/// One round trip: gives the workspace `name` and `slug`, unless it changed since the decision
/// (or the slug was taken meanwhile).
pub async fn update<D: Database>(
    db: &D,
    change: &Change,
    before: &WorkspaceRecord,
    name: &str,
    slug: &str,
) -> Result<Written<WorkspaceRecord>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(UPDATE, vec![before.id.as_str().into(), name.into(), slug.into(), change.now.into()]));
    batch.push(change.event(
        "workspace.updated",
        "workspace",
        &before.id,
        json!({ "from": { "name": before.name, "slug": before.slug }, "to": { "name": name, "slug": slug } }),
    ));
    let updated = batch.push(Statement::new(SELECT_BY_ID, vec![before.id.as_str().into()]));
    write(db, batch).await?.read(|results| {
        results.first(updated).map(WorkspaceRecord::from_row).transpose()?.ok_or_else(|| missing("updated workspace"))
    })
}

// ------------------------------------------------------------------------------------ delete

// Children first: D1 enforces foreign keys, and explicit deletes do not depend on the cascade.
const DELETE_API_KEYS: &str = "DELETE FROM api_keys WHERE workspace_id = ?1";
const DELETE_INVITATIONS: &str = "DELETE FROM invitations WHERE workspace_id = ?1";
const DELETE_MEMBERSHIPS: &str = "DELETE FROM memberships WHERE workspace_id = ?1";
const DELETE_WORKSPACE: &str = "DELETE FROM workspaces WHERE id = ?1";

/// One round trip: deletes the workspace with its memberships, invitations and API keys, keeping
/// the audit trail, unless it changed since the decision.
pub async fn delete<D: Database>(
    db: &D,
    change: &Change,
    workspace: &WorkspaceRecord,
) -> Result<Written<()>, DatabaseError> {
    let id = || vec![workspace.id.as_str().into()];
    let mut batch = change.batch();
    batch.push(Statement::new(DELETE_API_KEYS, id()));
    batch.push(Statement::new(DELETE_INVITATIONS, id()));
    batch.push(Statement::new(DELETE_MEMBERSHIPS, id()));
    batch.push(Statement::new(DELETE_WORKSPACE, id()));
    batch.push(change.event(
        "workspace.deleted",
        "workspace",
        &workspace.id,
        json!({ "name": workspace.name, "slug": workspace.slug }),
    ));
    write(db, batch).await?.read(|_| Ok(()))
}
