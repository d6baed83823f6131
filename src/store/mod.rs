//! SQL kept next to the code that owns it: one file per aggregate of the schema in
//! `migrations/`. Requests compose their reads into one [`Batch`] (one D1 round trip), and every
//! change to a workspace is one more atomic batch, written against the version its decision
//! read (see [`change`]). No rule lives here: the routes decide.

mod batch;
mod sql_fragments;

pub mod api_keys;
pub mod audit_events;
pub mod change;
pub mod identities;
pub mod login_flows;
pub mod memberships;
pub mod sessions;
pub mod users;
pub mod web_sign_in;
pub mod workspaces;

pub use batch::{Batch, BatchResults, Slot};

use crate::platform::{Database, DatabaseError};

/// What the scheduled job deletes: callback answers of expired tokens, expired sign-in flows,
/// sessions past either lifetime. How many rows went.
pub async fn purge_expired<D: Database>(db: &D, now: i64) -> Result<usize, DatabaseError> {
    Ok(web_sign_in::purge_expired_answers(db, now).await?
        + login_flows::purge_expired(db, now).await?
        + sessions::purge_expired(db, now).await?)
}
