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

use super::session_sealing::{open_sealed, seal_for_session};
use crate::app::App;
use crate::log::log_error;
use crate::platform::{KeyValueError, KeyValueStore, Platform};
use crate::store::sessions::SessionRecord;

/// What is kept, as one text: the row's refresh token when WorkOS rotated it (the rescue stands
/// while the row holds it), a newline, and the rotated one. Both sealed as the session's values
/// are, under its `seal_kid`, so both are base64url: neither holds a newline.
fn record(spent: &str, rotated: &str) -> String {
    format!("{spent}\n{rotated}")
}

fn key(id_hash: &str) -> String {
    format!("session-refresh-rescue:{id_hash}")
}

/// Keeps `refresh_token`, which WorkOS gave in exchange for `session`'s, after D1 failed to
/// store it. Written under the request's `waitUntil`, as the rest of its work runs; a failure is
/// logged, and the token is then lost.
pub fn keep<P: Platform>(app: &App<'_, P>, session: &SessionRecord, refresh_token: &str) {
    let Some(pepper) = app.config.peppers.get(&session.seal_kid) else {
        return;
    };
    let rotated = seal_for_session(pepper, &session.id_hash, refresh_token);
    // Until the session itself would end; KV keeps nothing for less than 60 s.
    let ttl_seconds = ((session.expires_at - app.platform.now()) / 1000).max(60) as u64;
    log_error("session refresh: D1 kept failing; the rotated refresh token is kept in KV for the next refresh");
    app.platform.kv().put_later(&key(&session.id_hash), &record(&session.refresh_token_sealed, &rotated), ttl_seconds);
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
    let kept =
        text.split_once('\n').filter(|(spent, _)| *spent == session.refresh_token_sealed).map(|(_, rotated)| rotated);
    Ok(kept
        .filter(|rotated| open_sealed(app.config, &session.id_hash, &session.seal_kid, rotated).is_ok())
        .map(str::to_owned))
}
