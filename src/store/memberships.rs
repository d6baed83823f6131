//! Memberships: a workspace's members, adding users who have signed in before, role changes and
//! removals. The rules (an admin cannot touch owners, the last owner stays, a personal workspace
//! keeps its owner) are decided in `routes::members`; each change here is one [`Change`] batch,
//! so two concurrent demotions of the last two owners cannot both land.

use serde_json::json;

use super::change::{missing, write, Change, Written};
use super::sql_fragments::sql_workspace_id;
use super::workspaces::WorkspaceAccess;
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
    /// When WorkOS deleted the user (unix milliseconds): the membership stays the workspace's
    /// until an admin removes it, but no credential of theirs works any more.
    pub user_deleted_at: Option<i64>,
}

/// The columns [`MemberRecord::from_row`] reads, of the memberships table aliased `$m` joined
/// with the users table aliased `u`.
macro_rules! sql_member_columns {
    ($m:literal) => {
        concat!(
            $m,
            ".id, ",
            $m,
            ".user_id, u.email, ",
            $m,
            ".role, ",
            $m,
            ".created_at, u.deleted_at AS user_deleted_at"
        )
    };
}

impl MemberRecord {
    /// Reads the columns of `sql_member_columns!`.
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        let role = row.text("role")?;
        Ok(Self {
            id: row.text("id")?,
            user_id: row.text("user_id")?,
            email: row.text("email")?,
            role: Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?,
            created_at: row.int("created_at")?,
            user_deleted_at: row.opt_int("user_deleted_at")?,
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
    "SELECT ",
    sql_member_columns!("m"),
    " FROM memberships m JOIN users u ON u.id = m.user_id ",
    "WHERE m.workspace_id = ",
    sql_workspace_id!("+?1", "+?2"),
    " AND (m.created_at, m.id) > (+?3, +?4) ",
    "ORDER BY m.created_at, m.id LIMIT +?5"
);

/// Up to `rows` members of a workspace in the order they joined, after `position`.
pub fn page(workspace: &WorkspaceRef, position: Option<&Position>, rows: usize) -> Statement {
    super::workspace_page(PAGE, workspace, position, rows)
}

const SELECT_TARGET: &str =
    concat!(
    "SELECT ", sql_member_columns!("t"), ", ",
    "(SELECT count(*) FROM memberships o WHERE o.workspace_id = t.workspace_id AND o.role = 'owner') AS owner_count ",
    "FROM memberships t JOIN users u ON u.id = t.user_id ",
    "WHERE t.workspace_id = ", sql_workspace_id!("+?1", "+?2"), " AND t.user_id = +?3"
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
    sql_workspace_id!("+?1", "+?2"),
    " ",
    // Each of the two found by its own index: D1's SQLite plans `u.id = ?3 OR u.email = ?4`
    // as a scan of every user (see `sql_names_workspace`).
    "WHERE u.id IN (SELECT id FROM users WHERE id = +?3 ",
    "UNION ALL SELECT id FROM users WHERE email = +?4 COLLATE NOCASE AND email_verified = 1) ",
    "AND u.deleted_at IS NULL ORDER BY u.id LIMIT 2"
);

/// Users with this id or this verified email (case-insensitively); at most two, enough to tell
/// that an email is ambiguous. An unverified email finds nobody: whoever signed up with it may
/// not own it. Nor does a user WorkOS has deleted.
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

/// The state a membership change is decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberState {
    /// The workspace and the actor's standing in it.
    pub access: Option<WorkspaceAccess>,
    /// The member concerned.
    pub target: Option<TargetMember>,
}

const SELECT_MEMBER: &str = concat!(
    "SELECT ",
    sql_member_columns!("m"),
    " FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = +?1 AND m.user_id = +?2"
);

fn select_member(change: &Change, user_id: &str) -> Statement {
    Statement::new(SELECT_MEMBER, vec![change.workspace_id.as_str().into(), user_id.into()])
}

// --------------------------------------------------------------------------------------- add

const INSERT: &str = "INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?5)";

/// A membership to add.
#[derive(Debug, Clone)]
pub struct NewMembership<'a> {
    /// `mem_…`, minted by the caller.
    pub id: &'a str,
    pub user_id: &'a str,
    pub role: Role,
}

/// One round trip: adds the member, unless the workspace changed since the decision.
pub async fn add<D: Database>(
    db: &D,
    change: &Change,
    new: &NewMembership<'_>,
) -> Result<Written<MemberRecord>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(
        INSERT,
        vec![
            new.id.into(),
            change.workspace_id.as_str().into(),
            new.user_id.into(),
            new.role.as_str().into(),
            change.now.into(),
        ],
    ));
    batch.push(change.event(
        "membership.created",
        "membership",
        new.id,
        json!({ "user_id": new.user_id, "role": new.role }),
    ));
    let added = batch.push(select_member(change, new.user_id));
    write(db, batch).await?.read(|results| member_from(results.first(added), "added membership"))
}

fn member_from(row: Option<&Row>, what: &str) -> Result<MemberRecord, DatabaseError> {
    row.map(MemberRecord::from_row).transpose()?.ok_or_else(|| missing(what))
}

// ------------------------------------------------------------------------------- change role

const UPDATE_ROLE: &str = "UPDATE memberships SET role = ?3, updated_at = ?4 WHERE workspace_id = ?1 AND user_id = ?2";

/// One round trip: gives `member` the role `role`, unless the workspace changed since the
/// decision.
pub async fn change_role<D: Database>(
    db: &D,
    change: &Change,
    member: &MemberRecord,
    role: Role,
) -> Result<Written<MemberRecord>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(
        UPDATE_ROLE,
        vec![
            change.workspace_id.as_str().into(),
            member.user_id.as_str().into(),
            role.as_str().into(),
            change.now.into(),
        ],
    ));
    batch.push(change.event(
        "membership.updated",
        "membership",
        &member.id,
        json!({ "user_id": member.user_id, "from": member.role, "to": role }),
    ));
    let updated = batch.push(select_member(change, &member.user_id));
    write(db, batch).await?.read(|results| member_from(results.first(updated), "updated membership"))
}

// ------------------------------------------------------------------------------------ remove

const DELETE: &str = "DELETE FROM memberships WHERE workspace_id = ?1 AND user_id = ?2";

/// One round trip: removes `member` from the workspace (`left`: they removed themselves),
/// unless the workspace changed since the decision.
pub async fn remove<D: Database>(
    db: &D,
    change: &Change,
    member: &MemberRecord,
    left: bool,
) -> Result<Written<()>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(DELETE, vec![change.workspace_id.as_str().into(), member.user_id.as_str().into()]));
    batch.push(change.event(
        "membership.deleted",
        "membership",
        &member.id,
        json!({ "user_id": member.user_id, "role": member.role, "left": left }),
    ));
    write(db, batch).await?.read(|_| Ok(()))
}
