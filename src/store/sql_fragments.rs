//! SQL shared by statements of several aggregates: which workspace a path names, and the audit
//! event's column list.

/// The id of the workspace a path names, by id or by slug (one of the two parameters is NULL).
macro_rules! sql_workspace_id {
    ($id:literal, $slug:literal) => {
        concat!("(SELECT id FROM workspaces WHERE id = ", $id, " OR slug = ", $slug, " COLLATE NOCASE)")
    };
}

/// The column list of an audit event insert.
macro_rules! sql_insert_event {
    () => {
        "INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) "
    };
}

pub(crate) use {sql_insert_event, sql_workspace_id};
