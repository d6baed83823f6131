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
pub mod invitations;
pub mod login_flows;
pub mod memberships;
pub mod sessions;
pub mod users;
pub mod web_sign_in;
pub mod workos_events;
pub mod workspaces;

pub use batch::{Batch, BatchResults, Slot};

use crate::domain::WorkspaceRef;
use crate::pagination::{keyset_after, Position};
use crate::platform::{Database, DatabaseError, Statement};

/// A page of an ascending `(created_at, id)` list inside one workspace (members, invitations,
/// API keys): `sql` takes the workspace's id or slug (`?1`, `?2`), the row to continue after
/// (`?3`, `?4`) and how many rows (`?5`).
fn workspace_page(sql: &'static str, workspace: &WorkspaceRef, position: Option<&Position>, rows: usize) -> Statement {
    let (created_at, id) = keyset_after(position);
    Statement::new(
        sql,
        vec![workspace.id().into(), workspace.slug().into(), created_at.into(), id.into(), (rows as i64).into()],
    )
}

/// Rows one purge statement deletes at most, and statements one scheduled run sends at most for
/// each kind of row: 25,000 rows of each kind a run. A deployment whose job did not run for a
/// while (or a burst of sign-ins) must not meet, at every run after, one DELETE too large for D1's
/// limits on a statement; what is left waits for the next run, 15 minutes later. Each kind has its
/// own budget, so a backlog of one never keeps another from being purged.
pub const PURGE_LIMITS: PurgeLimits = PurgeLimits { rows_per_statement: 1_000, statements_per_kind: 25 };

/// How a purge is cut up (see [`PURGE_LIMITS`]).
#[derive(Debug, Clone, Copy)]
pub struct PurgeLimits {
    pub rows_per_statement: i64,
    pub statements_per_kind: usize,
}

/// What a scheduled purge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Rows deleted.
    pub rows: usize,
    /// Whether nothing expired is left (false: some kind stopped at its budget).
    pub finished: bool,
}

/// What the scheduled job deletes: callback answers of expired tokens, expired sign-in flows,
/// sessions past either lifetime, records of WorkOS events older than 30 days, invitations 30
/// days after they expired. Each statement
/// deletes at most `limits.rows_per_statement` rows (`?1` is now, `?2` that limit); a kind is
/// done when a statement deletes fewer.
pub async fn purge_expired<D: Database>(db: &D, now: i64, limits: PurgeLimits) -> Result<Purged, DatabaseError> {
    let kinds = [
        web_sign_in::PURGE_EXPIRED_ANSWERS,
        login_flows::PURGE_EXPIRED,
        sessions::PURGE_PAST_LIFETIME,
        sessions::PURGE_IDLE,
        workos_events::PURGE_OLD,
        invitations::PURGE_OLD,
    ];
    let mut purged = Purged { rows: 0, finished: true };
    for sql in kinds {
        let mut kind_done = false;
        for _ in 0..limits.statements_per_kind {
            let deleted =
                db.query(Statement::new(sql, vec![now.into(), limits.rows_per_statement.into()])).await?.len();
            purged.rows += deleted;
            if (deleted as i64) < limits.rows_per_statement {
                kind_done = true;
                break;
            }
        }
        purged.finished &= kind_done;
    }
    Ok(purged)
}
