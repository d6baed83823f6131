//! SQL shared by statements of several aggregates: which workspace a path names, the actor's
//! authority at the moment a change is written, and the audit event that marks a change as made.
//!
//! Every change is one atomic batch whose first write is its audit event, inserted only if the
//! change is allowed in the state the batch sees (the actor's rank, the last-owner rule, slug
//! uniqueness…). The other writes of the batch are guarded by [`sql_marked!`], so they happen
//! exactly when the event was written, and "was my change made?" is "does my event exist?".

use crate::domain::Role;

/// The id of the workspace a path names, by id or by slug (one of the two parameters is NULL).
macro_rules! sql_workspace_id {
    ($id:literal, $slug:literal) => {
        concat!("(SELECT id FROM workspaces WHERE id = ", $id, " OR slug = ", $slug, " COLLATE NOCASE)")
    };
}

/// The actor's rank in a workspace at this point of the batch, as [`rank`] numbers roles: the
/// member's role for a user, the admin rank for an unrevoked API key of that workspace (a key
/// never acts as owner), NULL for anyone else (NULL compares false, so guards fail closed).
macro_rules! sql_actor_rank {
    ($workspace:literal, $actor_type:literal, $actor_id:literal) => {
        concat!(
            "(CASE ",
            $actor_type,
            " WHEN 'user' THEN (SELECT CASE r.role WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END",
            " FROM memberships r WHERE r.workspace_id = ",
            $workspace,
            " AND r.user_id = ",
            $actor_id,
            ")",
            " WHEN 'api_key' THEN (SELECT 2 FROM api_keys r WHERE r.id = ",
            $actor_id,
            " AND r.workspace_id = ",
            $workspace,
            " AND r.revoked_at IS NULL)",
            " END)"
        )
    };
}

/// True once the change whose audit event has id `$event` was made earlier in this batch.
macro_rules! sql_marked {
    ($event:literal) => {
        concat!("EXISTS (SELECT 1 FROM audit_events WHERE id = ", $event, ")")
    };
}

/// The column list of an audit event insert.
macro_rules! sql_insert_event {
    () => {
        "INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) "
    };
}

pub(crate) use {sql_actor_rank, sql_insert_event, sql_marked, sql_workspace_id};

/// The rank [`sql_actor_rank!`] gives a role; guards compare it with the rank a change needs.
pub fn rank(role: Role) -> i64 {
    match role {
        Role::Member => 1,
        Role::Admin => 2,
        // Guards that concern owners compare with this literal 3.
        Role::Owner => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_role_order() {
        assert!(rank(Role::Member) < rank(Role::Admin) && rank(Role::Admin) < rank(Role::Owner));
        assert_eq!(rank(Role::Owner), 3, "the SQL guards spell the owner rank as 3");
    }
}
