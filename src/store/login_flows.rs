//! Sign-in flows between `GET /v1/auth/login` and `GET /v1/auth/callback`: one row per flow (so
//! several tabs of one browser each have theirs), bound to the browser, taken exactly once.

use crate::platform::{Database, DatabaseError, Row, RowExt, Statement};

/// Most flows one browser may have open; starting another drops its oldest.
pub const MAX_FLOWS_PER_BROWSER: i64 = 10;

/// A flow, as the callback takes it back.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginFlow {
    pub state: String,
    pub browser_hash: String,
    pub code_verifier: String,
    pub return_to: String,
    pub invitation_token: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const INSERT: &str = "INSERT INTO login_flows \
     (state, browser_hash, code_verifier, return_to, invitation_token, created_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Keeps the browser's newest flows only.
const CAP: &str = "DELETE FROM login_flows WHERE browser_hash = ?1 AND state NOT IN \
     (SELECT state FROM login_flows WHERE browser_hash = ?1 ORDER BY created_at DESC, state DESC LIMIT +?2)";

/// One round trip: records `flow`, dropping the browser's oldest beyond the cap.
pub async fn start<D: Database>(db: &D, flow: &LoginFlow) -> Result<(), DatabaseError> {
    db.batch(vec![
        Statement::new(
            INSERT,
            vec![
                flow.state.as_str().into(),
                flow.browser_hash.as_str().into(),
                flow.code_verifier.as_str().into(),
                flow.return_to.as_str().into(),
                flow.invitation_token.clone().into(),
                flow.created_at.into(),
                flow.expires_at.into(),
            ],
        ),
        Statement::new(CAP, vec![flow.browser_hash.as_str().into(), MAX_FLOWS_PER_BROWSER.into()]),
    ])
    .await?;
    Ok(())
}

/// Deleting and reading in one statement is what makes a flow single-use, even when a callback
/// is replayed concurrently.
const TAKE: &str = "DELETE FROM login_flows WHERE state = ?1 AND browser_hash = ?2 AND expires_at > ?3 \
     RETURNING state, browser_hash, code_verifier, return_to, invitation_token, created_at, expires_at";

/// One round trip: the flow of `state` started by this browser and not expired, which is then
/// gone; `None` for an unknown, used, expired or foreign `state`.
pub async fn take<D: Database>(
    db: &D,
    state: &str,
    browser_hash: &str,
    now: i64,
) -> Result<Option<LoginFlow>, DatabaseError> {
    let rows = db.query(Statement::new(TAKE, vec![state.into(), browser_hash.into(), now.into()])).await?;
    rows.first().map(flow_from).transpose()
}

fn flow_from(row: &Row) -> Result<LoginFlow, DatabaseError> {
    Ok(LoginFlow {
        state: row.text("state")?,
        browser_hash: row.text("browser_hash")?,
        code_verifier: row.text("code_verifier")?,
        return_to: row.text("return_to")?,
        invitation_token: row.opt_text("invitation_token")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
    })
}

/// Deletes expired flows, at most `?2` of them (the scheduled job, `super::purge_expired`).
pub const PURGE_EXPIRED: &str = "DELETE FROM login_flows WHERE state IN \
     (SELECT state FROM login_flows WHERE expires_at <= ?1 LIMIT +?2) RETURNING state";
