//! SQL shared by statements of several aggregates: which workspace a path names, which session a
//! cookie names, the columns a user and a workspace access are read from, and the audit event's
//! column list.
//!
//! **Parameters the query planner must not read.** In a statement that joins tables, every
//! parameter is written `+?N`, and a `LIMIT`'s is too, in any statement. D1's SQLite (workerd's,
//! 3.54) plans such a statement with the bound value of a bare `?N` in hand: an equality of a
//! join, a `LIMIT`. It marks the statement to be planned again whenever that parameter is bound
//! anew, so the statement D1 keeps prepared is parsed and planned again on every run. A unary
//! plus changes no value and hides it from the planner; every plan is still checked for scans,
//! here and in workerd (tests/e2e/query_plans.test.mjs). Found with callgrind on 2026-12-03: the
//! org read's statement was prepared again on each request, ~200k of its ~3.7M instructions
//! (docs/performance.md, "Statements planned again on every run"); the bundled SQLite (3.46) does
//! not do it. The native tests refuse a statement that breaks the rule
//! (`parameters_hidden_from_the_planner` in tests/api/helpers.rs).

/// Whether the workspace row `$alias` (the workspaces table's alias with its dot, or "") is the
/// one a path names, by id or by slug (one of the two parameters is NULL).
///
/// Written as one equality on the primary key, the slug's id looked up by its own index, not as
/// `id = $id OR slug = $slug`: D1's SQLite (workerd's, 3.54) plans that OR as a scan of every
/// workspace, in a join's `ON` and in a subquery's `WHERE` alike, while the SQLite bundled with
/// the native tests (3.46) searches both indexes. Every request that names a workspace read all
/// of them (tests/e2e/query_plans.test.mjs now plans each statement in workerd's SQLite).
/// `COALESCE` runs the slug's lookup only when there is no id.
macro_rules! sql_names_workspace {
    ($alias:literal, $id:literal, $slug:literal) => {
        concat!($alias, "id = COALESCE(", $id, ", (SELECT id FROM workspaces WHERE slug = ", $slug, " COLLATE NOCASE))")
    };
}

/// The id of the workspace a path names (see [`sql_names_workspace`]).
macro_rules! sql_workspace_id {
    ($id:literal, $slug:literal) => {
        concat!(
            "(SELECT id FROM workspaces WHERE ",
            $crate::store::sql_fragments::sql_names_workspace!("", $id, $slug),
            ")"
        )
    };
}

/// The live session of a cookie: `$hashes` is the JSON array of the cookie secret's hashes (one
/// per pepper), `$now` unix milliseconds; `$alias` is the sessions table's alias with its dot, or
/// "". A session is live until either its idle or its absolute lifetime has passed.
macro_rules! sql_live_session {
    ($alias:literal, $hashes:literal, $now:literal) => {
        concat!(
            $alias,
            "id_hash IN (SELECT value FROM json_each(",
            $hashes,
            ")) AND ",
            $alias,
            "expires_at > ",
            $now,
            " AND ",
            $alias,
            "idle_expires_at > ",
            $now
        )
    };
}

/// The columns `users::UserRecord::from_row` reads, of the users table aliased `u`.
macro_rules! sql_user_columns {
    () => {
        "u.id, u.email, u.created_at, u.last_seen_at, u.deleted_at"
    };
}

/// The columns `workspaces::access_from` reads, of the workspaces table aliased `w`: the
/// workspace's own under `org_` names (the lookup shares the row with the caller's columns: a
/// user's `id` and `created_at`, an API key's `workspace_id` among them), its version, and the
/// actor's standing in it, `$member_role` (the role, or NULL) and `$key_active` (1 or 0).
macro_rules! sql_access_columns {
    ($member_role:expr, $key_active:expr) => {
        concat!(
            "w.id AS org_id, w.name AS org_name, w.slug AS org_slug, \
             w.personal_owner_id AS org_personal_owner_id, w.created_at AS org_created_at, \
             w.updated_at AS org_updated_at, w.version, ",
            $member_role,
            " AS member_role, ",
            $key_active,
            " AS key_active"
        )
    };
}

/// The role of the user `u` in the workspace `w`, or NULL: the `$member_role` of
/// [`sql_access_columns`] in a user's lookup.
macro_rules! sql_user_member_role {
    () => {
        "(SELECT m.role FROM memberships m WHERE m.workspace_id = w.id AND m.user_id = u.id)"
    };
}

/// Whether a row of `users` (unaliased) may accept an invitation: its email is verified and it is
/// not a deleted user's tombstone. (The sign-in triggers of migrations/0009_invitations.sql say
/// the same of `NEW`.)
macro_rules! sql_user_may_accept_invitations {
    () => {
        "email_verified = 1 AND deleted_at IS NULL"
    };
}

/// The column list of an audit event insert.
macro_rules! sql_insert_event {
    () => {
        "INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) "
    };
}

pub(crate) use {
    sql_access_columns, sql_insert_event, sql_live_session, sql_names_workspace, sql_user_columns,
    sql_user_may_accept_invitations, sql_user_member_role, sql_workspace_id,
};
