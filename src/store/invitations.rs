//! Invitations to a workspace: made, listed and revoked here, each change one [`Change`] batch.
//! Their acceptance is SQL (`migrations/0009_invitations.sql`): a sign-in with the invited
//! email, verified, accepts inside its own statement, and setting an invitation's `accepted_at`
//! makes its membership. This module accepts only when the invitee has signed in already, in
//! the batch that makes the invitation.

use serde::Serialize;
use serde_json::json;

use super::change::{missing, write, Change, Written};
use super::sql_fragments::{sql_user_may_accept_invitations, sql_workspace_id};
use crate::domain::{new_id, IdKind, Role, WorkspaceRef};
use crate::pagination::Position;
use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationRecord {
    /// `inv_…`
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub role: Role,
    /// Who invited: `user` or `api_key`, and its id.
    pub invited_by_type: String,
    pub invited_by: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    /// The user who accepted it.
    pub accepted_by: Option<String>,
    /// When it was revoked, or replaced by a new invitation to the same email.
    pub revoked_at: Option<i64>,
}

/// Where an invitation stands at a given time. [`InvitationRecord::state`] decides it, and
/// `sql_invitation_state!` decides it the same way in SQL for the list's `?state=` filter
/// (`tests/api/invitations.rs` holds the two to each other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// Open and unexpired: a sign-in with the email accepts it.
    Pending,
    Accepted,
    /// Closed before it expired.
    Revoked,
    /// Its time ran out while it was open (closing it later does not change that).
    Expired,
}

impl InvitationState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Accepted, Self::Revoked, Self::Expired];

    /// Its name in the API (and in `sql_invitation_state!`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

impl Serialize for InvitationState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl InvitationRecord {
    /// Reads the columns of [`sql_invitation_columns`].
    pub fn from_row(row: &Row) -> Result<Self, DatabaseError> {
        let role = row.text("role")?;
        Ok(Self {
            id: row.text("id")?,
            workspace_id: row.text("workspace_id")?,
            email: row.text("email")?,
            role: Role::parse(&role).ok_or_else(|| DatabaseError::new(format!("unknown role {role}")))?,
            invited_by_type: row.text("invited_by_type")?,
            invited_by: row.text("invited_by")?,
            created_at: row.int("created_at")?,
            expires_at: row.int("expires_at")?,
            accepted_at: row.opt_int("accepted_at")?,
            accepted_by: row.opt_text("accepted_by")?,
            revoked_at: row.opt_int("revoked_at")?,
        })
    }

    /// Where the row sits in the invitations list.
    pub fn position(&self) -> Position {
        Position::After { created_at: self.created_at, id: self.id.clone() }
    }

    /// Its state at `now` (unix milliseconds).
    pub fn state(&self, now: i64) -> InvitationState {
        if self.accepted_at.is_some() {
            return InvitationState::Accepted;
        }
        let closed_or_now = self.revoked_at.map_or(now, |revoked_at| revoked_at.min(now));
        match self.revoked_at {
            _ if self.expires_at <= closed_or_now => InvitationState::Expired,
            Some(_) => InvitationState::Revoked,
            None => InvitationState::Pending,
        }
    }
}

/// The columns [`InvitationRecord::from_row`] reads, of the invitations table aliased `i`.
macro_rules! sql_invitation_columns {
    () => {
        "i.id, i.workspace_id, i.email, i.role, i.invited_by_type, i.invited_by, i.created_at, \
         i.expires_at, i.accepted_at, i.accepted_by, i.revoked_at"
    };
}

/// [`InvitationRecord::state`] in SQL, of the invitations table aliased `i` at `$now` (unix
/// milliseconds): the state's name.
macro_rules! sql_invitation_state {
    ($now:literal) => {
        concat!(
            "CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' ",
            "WHEN i.expires_at <= MIN(COALESCE(i.revoked_at, ",
            $now,
            "), ",
            $now,
            ") THEN 'expired' ",
            "WHEN i.revoked_at IS NOT NULL THEN 'revoked' ELSE 'pending' END"
        )
    };
}

const PAGE: &str = concat!(
    "SELECT ",
    sql_invitation_columns!(),
    " FROM invitations i WHERE i.workspace_id = ",
    sql_workspace_id!("?1", "?2"),
    " AND (i.created_at, i.id) > (?3, ?4) AND (?6 IS NULL OR ?6 = ",
    sql_invitation_state!("?7"),
    ") ORDER BY i.created_at, i.id LIMIT +?5"
);

/// Up to `rows` invitations of a workspace, oldest first, after `position`; only those in
/// `state` at `now` when it is given.
pub fn page(
    workspace: &WorkspaceRef,
    position: Option<&Position>,
    rows: usize,
    state: Option<InvitationState>,
    now: i64,
) -> Statement {
    let mut statement = super::workspace_page(PAGE, workspace, position, rows);
    statement.params.push(state.map(InvitationState::as_str).into());
    statement.params.push(now.into());
    statement
}

const SELECT_IN_WORKSPACE: &str = concat!(
    "SELECT ",
    sql_invitation_columns!(),
    " FROM invitations i WHERE i.id = ?3 AND i.workspace_id = ",
    sql_workspace_id!("?1", "?2")
);

/// The invitation `id` of a workspace (read with [`InvitationRecord::from_row`]).
pub fn select_in_workspace(workspace: &WorkspaceRef, id: &str) -> Statement {
    Statement::new(SELECT_IN_WORKSPACE, vec![workspace.id().into(), workspace.slug().into(), id.into()])
}

const SELECT_OPEN: &str = concat!(
    "SELECT ",
    sql_invitation_columns!(),
    " FROM invitations i WHERE i.email = ?3 COLLATE NOCASE AND i.accepted_at IS NULL AND i.revoked_at IS NULL ",
    "AND i.workspace_id = ",
    sql_workspace_id!("?1", "?2")
);

/// The open invitation to `email` in a workspace, if any: inviting the email again replaces it.
pub fn select_open(workspace: &WorkspaceRef, email: &str) -> Statement {
    Statement::new(SELECT_OPEN, vec![workspace.id().into(), workspace.slug().into(), email.into()])
}

const SELECT_BY_ID: &str = concat!("SELECT ", sql_invitation_columns!(), " FROM invitations i WHERE i.id = ?1");

// ------------------------------------------------------------------------------------ create

const CLOSE: &str =
    "UPDATE invitations SET revoked_at = ?2 WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL";

const INSERT: &str = "INSERT INTO invitations (id, workspace_id, email, role, invited_by_type, invited_by, \
     membership_id, accept_event_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// The invitee accepts at once when they have signed in before with the email verified (and
/// are not deleted); the trigger on `accepted_at` makes the membership.
const ACCEPT_NOW: &str = concat!(
    "UPDATE invitations SET accepted_at = ?2, accepted_by = ?3 WHERE id = ?1 \
     AND EXISTS (SELECT 1 FROM users WHERE id = ?3 AND ",
    sql_user_may_accept_invitations!(),
    ")"
);

/// An invitation to make.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// `inv_…`, minted by the caller.
    pub id: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub expires_at: i64,
    /// The open invitation to the same email that this one replaces.
    pub replaces: Option<&'a InvitationRecord>,
    /// The user with this verified email, who accepts at once.
    pub invitee: Option<&'a str>,
}

/// One round trip: makes the invitation (closing the one it replaces, and accepted at once by
/// a known invitee), unless the workspace changed since the decision.
pub async fn create<D: Database>(
    db: &D,
    change: &Change,
    new: &NewInvitation<'_>,
) -> Result<Written<InvitationRecord>, DatabaseError> {
    let mut batch = change.batch();
    if let Some(old) = new.replaces {
        batch.push(Statement::new(CLOSE, vec![old.id.as_str().into(), change.now.into()]));
    }
    batch.push(Statement::new(
        INSERT,
        vec![
            new.id.into(),
            change.workspace_id.as_str().into(),
            new.email.into(),
            new.role.as_str().into(),
            change.actor.kind().into(),
            change.actor.id().into(),
            new_id(IdKind::Membership).into(),
            new_id(IdKind::Event).into(),
            change.now.into(),
            new.expires_at.into(),
        ],
    ));
    batch.push(change.event(
        "invitation.created",
        "invitation",
        new.id,
        json!({ "email": new.email, "role": new.role, "replaces": new.replaces.map(|old| &old.id) }),
    ));
    if let Some(user_id) = new.invitee {
        batch.push(Statement::new(ACCEPT_NOW, vec![new.id.into(), change.now.into(), user_id.into()]));
    }
    let made = batch.push(Statement::new(SELECT_BY_ID, vec![new.id.into()]));
    write(db, batch).await?.read(|results| invitation_from(results.first(made), "new invitation"))
}

fn invitation_from(row: Option<&Row>, what: &str) -> Result<InvitationRecord, DatabaseError> {
    row.map(InvitationRecord::from_row).transpose()?.ok_or_else(|| missing(what))
}

// ------------------------------------------------------------------------------------ revoke

/// One round trip: revokes an open invitation, unless the workspace changed since the decision.
pub async fn revoke<D: Database>(
    db: &D,
    change: &Change,
    invitation: &InvitationRecord,
) -> Result<Written<()>, DatabaseError> {
    let mut batch = change.batch();
    batch.push(Statement::new(CLOSE, vec![invitation.id.as_str().into(), change.now.into()]));
    batch.push(change.event(
        "invitation.revoked",
        "invitation",
        &invitation.id,
        json!({ "email": invitation.email, "role": invitation.role }),
    ));
    write(db, batch).await?.read(|_| Ok(()))
}

// ------------------------------------------------------------------------------------- purge

/// How long an invitation is kept after it expires, whatever became of it: the list shows a
/// month of history, the audit trail keeps the rest.
pub const KEPT_AFTER_EXPIRY_MS: i64 = 30 * 86_400_000;

/// Deletes invitations that expired over [`KEPT_AFTER_EXPIRY_MS`] ago, at most `?2` of them
/// (the scheduled job, `super::purge_expired`).
pub const PURGE_OLD: &str = "DELETE FROM invitations WHERE id IN \
     (SELECT id FROM invitations WHERE expires_at <= ?1 - 2592000000 LIMIT +?2) RETURNING id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_keeps_what_kept_after_expiry_says() {
        assert!(PURGE_OLD.contains(&format!("?1 - {KEPT_AFTER_EXPIRY_MS}")));
    }

    fn invitation(expires_at: i64, accepted_at: Option<i64>, revoked_at: Option<i64>) -> InvitationRecord {
        InvitationRecord {
            id: "inv_1".into(),
            workspace_id: "org_1".into(),
            email: "ada@example.com".into(),
            role: Role::Member,
            invited_by_type: "user".into(),
            invited_by: "user_1".into(),
            created_at: 0,
            expires_at,
            accepted_at,
            accepted_by: accepted_at.map(|_| "user_2".into()),
            revoked_at,
        }
    }

    #[test]
    fn the_state_is_read_from_the_times() {
        assert_eq!(invitation(100, None, None).state(99), InvitationState::Pending);
        assert_eq!(invitation(100, None, None).state(100), InvitationState::Expired);
        assert_eq!(invitation(100, Some(50), None).state(200), InvitationState::Accepted);
        assert_eq!(invitation(100, None, Some(50)).state(200), InvitationState::Revoked);
        assert_eq!(invitation(100, None, Some(50)).state(60), InvitationState::Revoked);
        // Closed after its time ran out (a new invitation replaced an expired one).
        assert_eq!(invitation(100, None, Some(150)).state(200), InvitationState::Expired);
    }
}
