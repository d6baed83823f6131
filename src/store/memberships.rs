//! Memberships: a workspace's members, adding users who have signed in before, role changes and
//! removals. The role rules that concurrency could race (an admin cannot touch owners, the last
//! owner stays, a personal workspace keeps its owner) are tested inside the marker statement of
//! each change, so two concurrent demotions of the last two owners cannot both pass.

use super::audit_events::Change;
use super::sql_fragments::{sql_actor_rank, sql_insert_event, sql_marked, sql_workspace_id};
use super::workspaces::{keyset_after, WorkspaceAccess};
use crate::domain::{Role, WorkspaceRef};
use crate::pagination::Position;
use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

/// A member: the membership with the user's email.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    /// `mem_…`
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl MemberRecord {
    /// Reads the columns `id, user_id, email, role, created_at`.
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        let role = row.text("role")?;
        Ok(Self {
            id: row.text("id")?,
            user_id: row.text("user_id")?,
            email: row.text("email")?,
            role: Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?,
            created_at: row.int("created_at")?,
        })
    }

    /// Where the row sits in the members list.
    pub fn position(&self) -> Position {
        Position::After { created_at: self.created_at, id: self.id.clone() }
    }
}

/// A member somebody wants to change, and how many owners the workspace has.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetMember {
    /// The member.
    pub member: MemberRecord,
    /// Owners of the workspace, the member included if an owner.
    pub owner_count: i64,
}

const PAGE: &str = concat!(
    "SELECT m.id, m.user_id, u.email, m.role, m.created_at ",
    "FROM memberships m JOIN users u ON u.id = m.user_id ",
    "WHERE m.workspace_id = ",
    sql_workspace_id!("?1", "?2"),
    " AND (m.created_at, m.id) > (?3, ?4) ",
    "ORDER BY m.created_at, m.id LIMIT ?5"
);

/// Up to `rows` members of a workspace in the order they joined, after `position`.
pub fn page(workspace: &WorkspaceRef, position: Option<&Position>, rows: usize) -> Statement {
    let (created_at, id) = keyset_after(position);
    Statement::new(
        PAGE,
        vec![workspace.id().into(), workspace.slug().into(), created_at.into(), id.into(), (rows as i64).into()],
    )
}

const SELECT_TARGET: &str =
    concat!(
    "SELECT t.id, t.user_id, u.email, t.role, t.created_at, ",
    "(SELECT count(*) FROM memberships o WHERE o.workspace_id = t.workspace_id AND o.role = 'owner') AS owner_count ",
    "FROM memberships t JOIN users u ON u.id = t.user_id ",
    "WHERE t.workspace_id = ", sql_workspace_id!("?1", "?2"), " AND t.user_id = ?3"
);

/// The membership of `user_id` in a workspace, with the owner count (read with [`target_from`]).
pub fn select_target(workspace: &WorkspaceRef, user_id: &str) -> Statement {
    Statement::new(SELECT_TARGET, vec![workspace.id().into(), workspace.slug().into(), user_id.into()])
}

/// Reads the row of [`select_target`].
pub fn target_from(row: Option<&Row>) -> Result<Option<TargetMember>, DatabaseError> {
    row.map(|row| Ok(TargetMember { member: MemberRecord::from_row(row)?, owner_count: row.int("owner_count")? }))
        .transpose()
}

/// A user who could be added: who they are and their role in the workspace, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub user_id: String,
    pub email: String,
    /// Their current role, when already a member.
    pub existing_role: Option<Role>,
}

const SELECT_CANDIDATES: &str = concat!(
    "SELECT u.id AS user_id, u.email, m.role AS existing_role FROM users u ",
    "LEFT JOIN memberships m ON m.user_id = u.id AND m.workspace_id = ",
    sql_workspace_id!("?1", "?2"),
    " ",
    "WHERE u.id = ?3 OR (u.email = ?4 COLLATE NOCASE AND u.email_verified = 1) ORDER BY u.id LIMIT 2"
);

/// Users with this id or this verified email (case-insensitively); at most two, enough to tell
/// that an email is ambiguous. An unverified email finds nobody: whoever signed up with it may
/// not own it.
pub fn select_candidates(workspace: &WorkspaceRef, user_id: Option<&str>, email: Option<&str>) -> Statement {
    Statement::new(
        SELECT_CANDIDATES,
        vec![workspace.id().into(), workspace.slug().into(), user_id.into(), email.into()],
    )
}

/// Reads the rows of [`select_candidates`].
pub fn candidates_from(rows: &[Row]) -> Result<Vec<Candidate>, DatabaseError> {
    rows.iter()
        .map(|row| {
            let existing_role = match row.opt_text("existing_role")? {
                Some(role) => {
                    Some(Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?)
                }
                None => None,
            };
            Ok(Candidate { user_id: row.text("user_id")?, email: row.text("email")?, existing_role })
        })
        .collect()
}

/// The state a membership change leaves, to answer with or to explain a refusal from.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberState {
    /// The workspace and the actor's standing in it.
    pub access: Option<WorkspaceAccess>,
    /// The member concerned.
    pub target: Option<TargetMember>,
}

/// Runs a change's statements followed by the reads that tell whether it was made and what
/// state it left.
async fn run_change<D: Database>(
    db: &D,
    change: &Change,
    user_id: &str,
    statements: Vec<Statement>,
) -> Result<(bool, MemberState), DatabaseError> {
    let target = select_target(&WorkspaceRef::Id(change.workspace_id.clone()), user_id);
    let (made, access, target) = change.run(db, statements, target, target_from).await?;
    Ok((made, MemberState { access, target }))
}

// --------------------------------------------------------------------------------------- add

/// The marker: the user exists and is not a member, the actor has rank `?9`, and only an owner
/// adds an owner.
const MARK_ADD: &str = concat!(
    sql_insert_event!(),
    "SELECT ?4, ?1, ?2, ?3, 'membership.created', 'membership', ?8, json_object('user_id', u.id, 'role', ?7), ?5 ",
    "FROM users u WHERE u.id = ?6 ",
    "AND ",
    sql_actor_rank!("?1", "?2", "?3"),
    " >= ?9 ",
    "AND (?7 <> 'owner' OR ",
    sql_actor_rank!("?1", "?2", "?3"),
    " >= 3) ",
    "AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = ?1 AND m.user_id = u.id)"
);

const INSERT: &str = concat!(
    "INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at) ",
    "SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE ",
    sql_marked!("?6")
);

/// A membership to add.
#[derive(Debug, Clone)]
pub struct NewMembership<'a> {
    /// `mem_…`, minted by the caller.
    pub id: &'a str,
    pub user_id: &'a str,
    pub role: Role,
}

/// One round trip: adds the member if still allowed.
pub async fn add<D: Database>(
    db: &D,
    change: &Change,
    min_rank: i64,
    new: &NewMembership<'_>,
) -> Result<(bool, MemberState), DatabaseError> {
    let statements = vec![
        change.marker(MARK_ADD, vec![new.user_id.into(), new.role.as_str().into(), new.id.into(), min_rank.into()]),
        Statement::new(
            INSERT,
            vec![
                new.id.into(),
                change.workspace_id.as_str().into(),
                new.user_id.into(),
                new.role.as_str().into(),
                change.now.into(),
                change.event_id.as_str().into(),
            ],
        ),
    ];
    run_change(db, change, new.user_id, statements).await
}

// ------------------------------------------------------------------------------- change role

/// The marker: the role changes, the actor has rank `?8`, owners are touched only by owners,
/// the personal workspace's owner keeps the role, and a demoted owner is never the last one.
const MARK_ROLE: &str = concat!(
    sql_insert_event!(),
    "SELECT ?4, ?1, ?2, ?3, 'membership.updated', 'membership', t.id, ",
    "json_object('user_id', t.user_id, 'from', t.role, 'to', ?7), ?5 ",
    "FROM memberships t JOIN workspaces w ON w.id = t.workspace_id ",
    "WHERE t.workspace_id = ?1 AND t.user_id = ?6 AND t.role <> ?7 ",
    "AND ", sql_actor_rank!("?1", "?2", "?3"), " >= ?8 ",
    "AND ((t.role <> 'owner' AND ?7 <> 'owner') OR ", sql_actor_rank!("?1", "?2", "?3"), " >= 3) ",
    "AND w.personal_owner_id IS NOT t.user_id ",
    "AND (t.role <> 'owner' OR (SELECT count(*) FROM memberships o WHERE o.workspace_id = ?1 AND o.role = 'owner') > 1)"
);

const UPDATE_ROLE: &str = concat!(
    "UPDATE memberships SET role = ?3, updated_at = ?4 WHERE workspace_id = ?1 AND user_id = ?2 AND ",
    sql_marked!("?5")
);

/// One round trip: gives `user_id` the role `role` if still allowed.
pub async fn change_role<D: Database>(
    db: &D,
    change: &Change,
    min_rank: i64,
    user_id: &str,
    role: Role,
) -> Result<(bool, MemberState), DatabaseError> {
    let statements = vec![
        change.marker(MARK_ROLE, vec![user_id.into(), role.as_str().into(), min_rank.into()]),
        Statement::new(
            UPDATE_ROLE,
            vec![
                change.workspace_id.as_str().into(),
                user_id.into(),
                role.as_str().into(),
                change.now.into(),
                change.event_id.as_str().into(),
            ],
        ),
    ];
    run_change(db, change, user_id, statements).await
}

// ------------------------------------------------------------------------------------ remove

/// The marker: the actor has rank `?7` (a member removing themselves needs only member), owners
/// are removed only by owners, never the personal workspace's owner nor the last owner.
const MARK_REMOVE: &str = concat!(
    sql_insert_event!(),
    "SELECT ?4, ?1, ?2, ?3, 'membership.deleted', 'membership', t.id, ",
    "json_object('user_id', t.user_id, 'role', t.role, ",
    "'left', json(CASE WHEN ?2 = 'user' AND ?3 = t.user_id THEN 'true' ELSE 'false' END)), ?5 ",
    "FROM memberships t JOIN workspaces w ON w.id = t.workspace_id ",
    "WHERE t.workspace_id = ?1 AND t.user_id = ?6 ",
    "AND ", sql_actor_rank!("?1", "?2", "?3"), " >= ?7 ",
    "AND (t.role <> 'owner' OR ", sql_actor_rank!("?1", "?2", "?3"), " >= 3) ",
    "AND w.personal_owner_id IS NOT t.user_id ",
    "AND (t.role <> 'owner' OR (SELECT count(*) FROM memberships o WHERE o.workspace_id = ?1 AND o.role = 'owner') > 1)"
);

const DELETE: &str =
    concat!("DELETE FROM memberships WHERE workspace_id = ?1 AND user_id = ?2 AND ", sql_marked!("?3"));

/// One round trip: removes `user_id` from the workspace if still allowed.
pub async fn remove<D: Database>(
    db: &D,
    change: &Change,
    min_rank: i64,
    user_id: &str,
) -> Result<(bool, MemberState), DatabaseError> {
    let statements = vec![
        change.marker(MARK_REMOVE, vec![user_id.into(), min_rank.into()]),
        Statement::new(
            DELETE,
            vec![change.workspace_id.as_str().into(), user_id.into(), change.event_id.as_str().into()],
        ),
    ];
    run_change(db, change, user_id, statements).await
}
