//! `user_identities`: a user's provider identities, recorded at sign-in.

use super::sql_fragments::sql_live_session;
use crate::platform::{DatabaseError, Row, RowExt, Statement};
use crate::workos::identities::ProviderIdentity;

/// Records `identity` of `user_id` unless it is known (a statement for the sign-in's batch; the
/// user row is written earlier in the same or a previous batch).
pub fn record(user_id: &str, identity: &ProviderIdentity, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO user_identities (user_id, provider, idp_id, kind, created_at) \
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1) \
         ON CONFLICT (user_id, provider, idp_id) DO NOTHING",
        vec![
            user_id.into(),
            identity.provider.as_str().into(),
            identity.idp_id.as_str().into(),
            identity.kind.as_str().into(),
            now.into(),
        ],
    )
}

/// The identities of `user_id`, oldest first.
pub fn select_for_user(user_id: &str) -> Statement {
    Statement::new(
        "SELECT provider, idp_id, kind FROM user_identities WHERE user_id = ?1 ORDER BY created_at, provider, idp_id",
        vec![user_id.into()],
    )
}

const SELECT_FOR_SESSION: &str = concat!(
    "SELECT i.provider, i.idp_id, i.kind FROM sessions s JOIN user_identities i ON i.user_id = s.user_id WHERE ",
    sql_live_session!("s.", "+?1", "+?2"),
    " ORDER BY i.created_at, i.provider, i.idp_id"
);

/// [`select_for_user`] for the user of a session cookie (`hashes`).
pub fn select_for_session(hashes: &str, now: i64) -> Statement {
    Statement::new(SELECT_FOR_SESSION, vec![hashes.into(), now.into()])
}

/// A row of [`select_for_user`] or [`select_for_session`].
pub fn from_row(row: &Row) -> Result<ProviderIdentity, DatabaseError> {
    Ok(ProviderIdentity { provider: row.text("provider")?, idp_id: row.text("idp_id")?, kind: row.text("kind")? })
}
