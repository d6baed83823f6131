//! The last copy of a rotated refresh token that D1 could not take. WorkOS rotates a session's
//! refresh token on every refresh, so once it has answered, the token in the session's row is
//! spent. When D1 then fails both tries of the write, the new token is kept in KV instead, beside
//! the spent one it replaces. The claim that request held is never released, so the next
//! refresh of the session takes over a claim that did not finish, and only then is KV read: if
//! the row still holds the spent token, the kept one is written into the row (D1 answers again by
//! then) and spent instead.
//!
//! KV is a second store, not a second D1: a write is seen at once where it was made and within
//! about a minute elsewhere. A refresh taken over in another location within that minute still
//! spends the row's token, and WorkOS's `invalid_grant` then ends the session, as it did before.

use serde::{Deserialize, Serialize};

use super::session_refresh::{open_sealed, seal_for_session};
use crate::app::App;
use crate::log::log_error;
use crate::platform::{KeyValueError, KeyValueStore, Platform};
use crate::store::sessions::SessionRecord;

/// What is kept: both sealed as the session's own values are, under its `seal_kid`.
#[derive(Serialize, Deserialize)]
struct Rescued {
    /// The row's refresh token when WorkOS rotated it: the rescue stands while the row holds it.
    spent: String,
    refresh_token_sealed: String,
}

fn key(id_hash: &str) -> String {
    format!("session-refresh-rescue:{id_hash}")
}

/// Keeps `refresh_token`, which WorkOS gave in exchange for `session`'s, after D1 failed to
/// store it. Awaited: the request is failing anyway, and this is the token's only copy.
pub async fn keep<P: Platform>(app: &App<'_, P>, session: &SessionRecord, refresh_token: &str) {
    let Some(pepper) = app.config.peppers.get(&session.seal_kid) else {
        return;
    };
    let rescued = Rescued {
        spent: session.refresh_token_sealed.clone(),
        refresh_token_sealed: seal_for_session(pepper, &session.id_hash, refresh_token),
    };
    let text = serde_json::to_string(&rescued).unwrap_or_default();
    // Until the session itself would end; KV keeps nothing for less than 60 s.
    let ttl_seconds = ((session.expires_at - app.platform.now()) / 1000).max(60) as u64;
    match app.platform.kv().put(&key(&session.id_hash), &text, ttl_seconds).await {
        Ok(()) => {
            log_error("session refresh: D1 kept failing; the rotated refresh token is kept in KV for the next refresh")
        }
        Err(KeyValueError(message)) => {
            log_error(&format!("session refresh: D1 and KV both failed ({message}); the rotated refresh token is lost"))
        }
    }
}

/// The refresh token kept for `session` (as read before this request claimed its refresh), in
/// its sealed form, when the claim before this one did not finish and left one that the row has
/// not taken yet.
pub async fn kept_for<P: Platform>(app: &App<'_, P>, session: &SessionRecord) -> Result<Option<String>, KeyValueError> {
    if session.refreshing_until.is_none() {
        return Ok(None); // the last refresh finished or was released: nothing was left behind
    }
    let Some(text) = app.platform.kv().get(&key(&session.id_hash)).await? else {
        return Ok(None);
    };
    let rescued = serde_json::from_str::<Rescued>(&text).ok().filter(|r| r.spent == session.refresh_token_sealed);
    Ok(rescued
        .filter(|r| open_sealed(app.config, &session.id_hash, &session.seal_kid, &r.refresh_token_sealed).is_ok())
        .map(|r| r.refresh_token_sealed))
}
