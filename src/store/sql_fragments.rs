//! SQL shared by statements of several aggregates: which workspace a path names, which session a
//! cookie names, and the audit event's column list.

/// The id of the workspace a path names, by id or by slug (one of the two parameters is NULL).
macro_rules! sql_workspace_id {
    ($id:literal, $slug:literal) => {
        concat!("(SELECT id FROM workspaces WHERE id = ", $id, " OR slug = ", $slug, " COLLATE NOCASE)")
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

/// The column list of an audit event insert.
macro_rules! sql_insert_event {
    () => {
        "INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) "
    };
}

pub(crate) use {sql_insert_event, sql_live_session, sql_workspace_id};
