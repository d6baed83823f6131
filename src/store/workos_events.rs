//! WorkOS events applied to storage, each once: the batch records the event's id and makes its
//! changes only if this delivery's record is the one that stands (see
//! migrations/0008_workos_events.sql).

use super::sql_fragments::{sql_insert_event, sql_user_may_accept_invitations};
use crate::domain::{new_id, IdKind};
use crate::platform::{Database, DatabaseError, RowExt, Statement};
use crate::workos::webhook_events::{EventChange, WorkosEvent};

/// How long an applied event's id is kept to recognise a redelivery: the 30 days of WorkOS's
/// events history, far beyond its retries.
pub const KEPT_FOR_MS: i64 = 30 * 24 * 3600 * 1000;

/// What became of a delivered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// This delivery applied it; for a `user.updated`, whether it changed the user (it does not
    /// when a newer update was applied first, or the user is unknown or deleted).
    Now { user_changed: bool },
    /// An earlier delivery of the same event did; this one changed nothing.
    Before,
}

/// Whether the row of the event `?1` is this delivery's (`?2`): the guard of every change.
macro_rules! sql_this_delivery {
    () => {
        // `+?N`: the statements of owner successions join tables (`src/store/sql_fragments.rs`).
        "EXISTS (SELECT 1 FROM workos_events WHERE id = +?1 AND delivery = +?2)"
    };
}

const RECORD: &str = "INSERT INTO workos_events (id, event, delivery, received_at) VALUES (?1, ?3, ?2, ?4) \
     ON CONFLICT (id) DO NOTHING";

const OUTCOME: &str = "SELECT delivery = ?2 AS applied FROM workos_events WHERE id = ?1";

/// The user becomes a tombstone (made one if the worker never saw them: a token issued before
/// the deletion must not provision them afterwards). Their email stays, for the audit trails
/// and member lists that show it.
const TOMBSTONE_USER: &str = concat!(
    "INSERT INTO users (id, email, created_at, last_seen_at, deleted_at) \
     SELECT ?3, '', ?4, ?4, ?4 WHERE ",
    sql_this_delivery!(),
    " ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at WHERE users.deleted_at IS NULL"
);

/// Each workspace the user was a member of records it in its audit trail, by the system on
/// WorkOS's word (the event's id in `detail`). The id is drawn by SQLite, one per workspace, in
/// the alphabet and length of ours (`evt_` and 26 characters; hex is a subset of it).
const AUDIT_USER_DELETED: &str = concat!(
    sql_insert_event!(),
    "SELECT 'evt_' || lower(hex(randomblob(13))), m.workspace_id, 'system', 'workos', 'user.deleted', \
     'user', ?3, json_object('workos_event_id', ?1), ?4 FROM memberships m WHERE m.user_id = ?3 AND ",
    sql_this_delivery!()
);

/// Every cookie session of the user ends.
const END_USER_SESSIONS: &str = concat!("DELETE FROM sessions WHERE user_id = ?3 AND ", sql_this_delivery!());

/// Stored callback answers of the user (one holds their default key) are not served again.
const FORGET_USER_ANSWERS: &str = concat!("DELETE FROM callback_replays WHERE user_id = ?3 AND ", sql_this_delivery!());

/// The keys of the user's personal workspace are revoked: nobody else can use that workspace.
/// (Keys the user made in shared workspaces are the workspace's credentials, which its admins
/// see with `created_by` and may revoke; revoking them here could stop a team's integrations.)
const REVOKE_PERSONAL_KEYS: &str = concat!(
    "UPDATE api_keys SET revoked_at = ?4 WHERE revoked_at IS NULL \
     AND workspace_id = (SELECT id FROM workspaces WHERE personal_owner_id = ?3) AND ",
    sql_this_delivery!()
);

/// The personal workspace's version moves with its keys, as every change to a workspace's keys
/// moves it (`super::change`): a change decided on the keys as they were is then decided again.
const BUMP_PERSONAL: &str =
    concat!("UPDATE workspaces SET version = version + 1 WHERE personal_owner_id = ?3 AND ", sql_this_delivery!());

/// The admins who succeed the user as owner: in each shared workspace the user owned that has
/// no owner left who is not deleted, its longest-standing admin who is not deleted. Without one
/// such a workspace would have nobody who may delete it or grant `owner` (a deletion at WorkOS
/// cannot wait for a hand-over, as a directory's deprovisioning shows). Rows of `m`, their
/// memberships; the tombstone above comes first, so the user no longer counts as an owner.
macro_rules! sql_owner_successors {
    () => {
        "FROM memberships d JOIN workspaces w ON w.id = d.workspace_id AND w.personal_owner_id IS NULL \
         JOIN memberships m ON m.workspace_id = d.workspace_id \
         WHERE d.user_id = +?3 AND d.role = 'owner' \
         AND m.id = (SELECT a.id FROM memberships a JOIN users au ON au.id = a.user_id \
             WHERE a.workspace_id = d.workspace_id AND a.role = 'admin' AND au.deleted_at IS NULL \
             ORDER BY a.created_at, a.id LIMIT 1) \
         AND NOT EXISTS (SELECT 1 FROM memberships o JOIN users ou ON ou.id = o.user_id \
             WHERE o.workspace_id = d.workspace_id AND o.role = 'owner' AND ou.deleted_at IS NULL)"
    };
}

/// Each succession is recorded as the role change it is, by the system on WorkOS's word.
const AUDIT_OWNER_SUCCESSION: &str = concat!(
    sql_insert_event!(),
    "SELECT 'evt_' || lower(hex(randomblob(13))), m.workspace_id, 'system', 'workos', 'membership.updated', \
     'membership', m.id, json_object('user_id', m.user_id, 'from', 'admin', 'to', 'owner', 'workos_event_id', +?1), +?4 ",
    sql_owner_successors!(),
    " AND ",
    sql_this_delivery!()
);

/// Their workspaces' versions move, as with every change of a member's role (`super::change`).
const BUMP_SUCCEEDED: &str = concat!(
    "UPDATE workspaces SET version = version + 1 WHERE id IN (SELECT m.workspace_id ",
    sql_owner_successors!(),
    ") AND ",
    sql_this_delivery!()
);

const PROMOTE_SUCCESSORS: &str = concat!(
    "UPDATE memberships SET role = 'owner', updated_at = +?4 WHERE id IN (SELECT m.id ",
    sql_owner_successors!(),
    ") AND ",
    sql_this_delivery!()
);

/// The user's email as WorkOS now has it, unless a newer `user.updated` was applied already; a
/// row when it changed the user.
const UPDATE_USER: &str = concat!(
    "UPDATE users SET email = ?4, email_verified = ?5, workos_updated_at = ?6 \
     WHERE id = ?3 AND deleted_at IS NULL AND (workos_updated_at IS NULL OR workos_updated_at < ?6) AND ",
    sql_this_delivery!(),
    " RETURNING id"
);

/// A user whose email WorkOS now calls verified, or who now has an invited address, joins the
/// workspaces that invited it at once, as their next sign-in would have made them join
/// (`invitation_accepted` in migrations/0009_invitations.sql makes each membership). Whatever
/// the update did: the row's email as it stands is what counts.
const ACCEPT_INVITATIONS: &str = concat!(
    "UPDATE invitations SET accepted_at = ?4, accepted_by = ?3 \
     WHERE email = (SELECT email FROM users WHERE id = ?3 AND ",
    sql_user_may_accept_invitations!(),
    ") COLLATE NOCASE AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?4 AND ",
    sql_this_delivery!()
);

/// The cookie sessions made from a WorkOS session end.
const END_WORKOS_SESSION: &str =
    concat!("DELETE FROM sessions WHERE workos_session_id = ?3 AND ", sql_this_delivery!());

/// A value no other delivery has: the mark by which one delivery's batch knows its own record.
pub fn new_delivery() -> String {
    new_id(IdKind::Delivery)
}

/// Applies `event`, delivered as `delivery` ([`new_delivery`]) at `now`, in one atomic batch.
pub async fn apply<D: Database>(
    db: &D,
    event: &WorkosEvent,
    delivery: &str,
    now: i64,
) -> Result<Applied, DatabaseError> {
    let guarded = |sql: &'static str, rest: Vec<crate::platform::SqlValue>| {
        let mut params = vec![(&event.id).into(), delivery.into()];
        params.extend(rest);
        Statement::new(sql, params)
    };
    let mut statements = vec![guarded(RECORD, vec![(&event.kind).into(), now.into()])];
    match &event.change {
        EventChange::UserDeleted { user_id } => {
            statements.push(guarded(TOMBSTONE_USER, vec![user_id.into(), now.into()]));
            statements.push(guarded(AUDIT_USER_DELETED, vec![user_id.into(), now.into()]));
            statements.push(guarded(END_USER_SESSIONS, vec![user_id.into()]));
            statements.push(guarded(FORGET_USER_ANSWERS, vec![user_id.into()]));
            statements.push(guarded(REVOKE_PERSONAL_KEYS, vec![user_id.into(), now.into()]));
            statements.push(guarded(BUMP_PERSONAL, vec![user_id.into()]));
            // Audit and version first: once promoted, a successor no longer matches.
            statements.push(guarded(AUDIT_OWNER_SUCCESSION, vec![user_id.into(), now.into()]));
            statements.push(guarded(BUMP_SUCCEEDED, vec![user_id.into()]));
            statements.push(guarded(PROMOTE_SUCCESSORS, vec![user_id.into(), now.into()]));
        }
        EventChange::UserUpdated { user_id, email, email_verified, updated_at } => {
            statements.push(guarded(
                UPDATE_USER,
                vec![user_id.into(), email.as_str().into(), i64::from(*email_verified).into(), (*updated_at).into()],
            ));
            statements.push(guarded(ACCEPT_INVITATIONS, vec![user_id.into(), now.into()]));
        }
        EventChange::SessionRevoked { session_id } => {
            statements.push(guarded(END_WORKOS_SESSION, vec![session_id.into()]));
        }
        EventChange::Ignored => {}
    }
    statements.push(guarded(OUTCOME, vec![]));
    let results = db.batch(statements).await?;
    let row = results.last().and_then(|rows| rows.first()).ok_or_else(|| DatabaseError::new("no event outcome"))?;
    if row.int("applied")? != 1 {
        return Ok(Applied::Before);
    }
    let user_changed =
        matches!(event.change, EventChange::UserUpdated { .. }) && results.get(1).is_some_and(|rows| !rows.is_empty());
    Ok(Applied::Now { user_changed })
}

const SELECT_CURSOR: &str = "SELECT after FROM workos_event_cursors WHERE stream = ?1";

const SAVE_CURSOR: &str = "INSERT INTO workos_event_cursors (stream, after, updated_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT (stream) DO UPDATE SET after = excluded.after, updated_at = excluded.updated_at";

/// The id of the last event of `stream` the scheduled job applied, if any.
pub async fn cursor<D: Database>(db: &D, stream: &str) -> Result<Option<String>, DatabaseError> {
    let rows = db.query(Statement::new(SELECT_CURSOR, vec![stream.into()])).await?;
    rows.first().map(|row| row.text("after")).transpose()
}

/// Records that the events of `stream` up to `after` are applied.
pub async fn save_cursor<D: Database>(db: &D, stream: &str, after: &str, now: i64) -> Result<(), DatabaseError> {
    db.query(Statement::new(SAVE_CURSOR, vec![stream.into(), after.into(), now.into()])).await?;
    Ok(())
}

/// Deletes records of events received over [`KEPT_FOR_MS`] ago, at most `?2` of them (the
/// scheduled job, `super::purge_expired`).
pub const PURGE_OLD: &str = "DELETE FROM workos_events WHERE id IN \
     (SELECT id FROM workos_events WHERE received_at <= ?1 - 2592000000 LIMIT +?2) RETURNING id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_keeps_what_kept_for_says() {
        assert!(PURGE_OLD.contains(&format!("?1 - {KEPT_FOR_MS}")));
    }
}
