//! A cookie session's WorkOS access token, refreshed when it is about to expire. Refreshes of
//! one session are serialised across isolates by a claim on the session's `version` in D1
//! (compare-and-swap): the request that wins spends the single-use refresh token; the others
//! keep the still-valid token, or are told to retry while the winner finishes. Moving a session
//! into another WorkOS organisation is such a refresh too.

use super::credential::session_invalid;
use super::refresh_rescue;
use super::session_sealing::{open_sealed, seal_for_session};
use crate::app::App;
use crate::config::Config;
use crate::http::ErrorCode;
use crate::http::{login_path, ApiError};
use crate::log::log_error;
use crate::platform::{DatabaseError, DatabaseErrorKind, Platform};
use crate::store::sessions::{self, RefreshedTokens, SessionRecord};
use crate::token::{verify_access_token, TokenError};
use crate::workos::api::CallFailed;
use crate::workos::authenticate::{self, GrantRefused};
use crate::workos::memberships;

/// `/v1/auth/access-token` refreshes a token expiring within this long.
pub const REFRESH_WINDOW_MS: i64 = 60_000;
/// How long one request may hold a session's refresh before another may take it over: longer
/// than the holder can take (the refresh at WorkOS, perhaps a key-set fetch to verify its token,
/// each up to `WORKOS_TIMEOUT_MS`, then one D1 write), so that a slow refresh is never overtaken
/// by a second one presenting the refresh token the first is spending (WorkOS's `invalid_grant`
/// to that one would end the session). 15 s at the least.
fn refresh_claim_ms(config: &Config) -> i64 {
    (2 * config.workos_timeout_ms as i64 + 5_000).max(15_000)
}

/// What a session's access token came to.
#[derive(Debug, Clone, PartialEq)]
pub enum FreshToken {
    /// A token valid beyond the window (or the still-valid one when WorkOS could not refresh).
    Current { token: String, expires_at: i64 },
    /// Expired, and WorkOS could not give a new one now (or another request is getting it).
    Unavailable { retry_after_seconds: u64 },
}

/// The access token of the cookie's session (`hashes`), refreshed when it expires within
/// `window_ms`. A refusal by WorkOS (`invalid_grant`, …) ends the session: 401 `session_expired`.
pub async fn access_token<P: Platform>(app: &App<'_, P>, hashes: &str, window_ms: i64) -> Result<FreshToken, ApiError> {
    let db = app.platform.db();
    let now = app.platform.now();
    let session = sessions::live(db, hashes, now).await?.ok_or_else(session_invalid)?;
    let current = |session: &SessionRecord| -> Result<FreshToken, ApiError> {
        let token = open_sealed(app.config, &session.id_hash, &session.seal_kid, &session.access_token_sealed)?;
        Ok(FreshToken::Current { token, expires_at: session.access_expires_at })
    };
    if session.access_expires_at - now > window_ms {
        return current(&session);
    }
    let Some(claimed) = sessions::claim_refresh(db, &session, now, now + refresh_claim_ms(app.config)).await? else {
        // Another request refreshed or is refreshing: its tokens, or the still-valid one.
        let latest = sessions::live(db, hashes, now).await?.ok_or_else(session_invalid)?;
        if latest.access_expires_at > now {
            return current(&latest);
        }
        return Ok(FreshToken::Unavailable { retry_after_seconds: 1 });
    };
    match refresh_claimed(app, &session, claimed, None).await? {
        Refreshed::Tokens { token, expires_at } => Ok(FreshToken::Current { token, expires_at }),
        Refreshed::Refused(code) => {
            log_error(&format!("session refresh refused by WorkOS ({code}); the session ends"));
            sessions::end(db, &session.id_hash).await?;
            Err(session_invalid())
        }
        Refreshed::Unavailable { retry_after_seconds } => {
            if session.access_expires_at > now {
                return current(&session);
            }
            Ok(FreshToken::Unavailable { retry_after_seconds })
        }
    }
}

/// What a claimed refresh came to. Only [`Refreshed::Tokens`] changed the session's access
/// token; the claim is released, or held until a refresh can succeed (see
/// `keep_rotated_refresh_token`).
pub enum Refreshed {
    /// New tokens, stored.
    Tokens { token: String, expires_at: i64 },
    /// WorkOS refused: its code (`invalid_grant`, `sso_required`, …). The caller decides
    /// whether that ends the session.
    Refused(String),
    /// WorkOS could not be reached, or what it gave cannot be verified yet (its refresh token
    /// is then kept: see `keep_rotated_refresh_token`).
    Unavailable { retry_after_seconds: u64 },
}

/// Spends the session's refresh token (the caller holds the claim `claimed`), into
/// `organization_id` when given, and stores the new tokens.
async fn refresh_claimed<P: Platform>(
    app: &App<'_, P>,
    session: &SessionRecord,
    claimed: i64,
    organization_id: Option<&str>,
) -> Result<Refreshed, ApiError> {
    let db = app.platform.db();
    let refresh_token_sealed = match refresh_rescue::kept_for(app, session).await {
        // The claim before this one was left holding a token it could not store: the row's is
        // spent. The row takes the kept one first, so that this refresh failing too loses nothing.
        Ok(Some(kept)) => {
            sessions::adopt_refresh_token(db, &session.id_hash, claimed, &kept).await?;
            kept
        }
        Ok(None) => session.refresh_token_sealed.clone(),
        // Whether a token was kept is unknown: spending the row's could end the session. The
        // claim is held, unreleased, so the next refresh after it lapses looks again.
        Err(error) => {
            log_error(&format!("session refresh: KV could not be read ({}); retrying later", error.0));
            return Ok(Refreshed::Unavailable { retry_after_seconds: 5 });
        }
    };
    let refresh_token = open_sealed(app.config, &session.id_hash, &session.seal_kid, &refresh_token_sealed)?;
    match authenticate::refresh(app.platform, app.config, &refresh_token, organization_id).await {
        Ok(refreshed) => {
            let verified =
                verify_access_token(&app.isolate.tokens, app.platform, app.config, &refreshed.access_token).await;
            let identity = match verified {
                Ok(identity) => identity,
                Err(error) => {
                    return keep_rotated_refresh_token(app, session, claimed, &refreshed.refresh_token, error).await
                }
            };
            let pepper = app.config.peppers.current();
            let seal = |plaintext: &str| seal_for_session(pepper, &session.id_hash, plaintext);
            let tokens = RefreshedTokens {
                organization_id: refreshed.organization_id.clone(),
                role: identity.role.clone(),
                access_token_sealed: seal(&refreshed.access_token),
                access_expires_at: identity.expires_at * 1000,
                refresh_token_sealed: seal(&refreshed.refresh_token),
                seal_kid: pepper.kid().to_owned(),
            };
            after_rotation(app, session, &refreshed.refresh_token, || {
                sessions::store_refreshed(db, &session.id_hash, claimed, &tokens)
            })
            .await?;
            Ok(Refreshed::Tokens { token: refreshed.access_token, expires_at: tokens.access_expires_at })
        }
        Err(GrantRefused::Terminal(code)) => {
            sessions::release_claim(db, &session.id_hash, claimed).await?;
            Ok(Refreshed::Refused(code))
        }
        Err(GrantRefused::Unavailable { retry_after_seconds }) => {
            sessions::release_claim(db, &session.id_hash, claimed).await?;
            Ok(Refreshed::Unavailable { retry_after_seconds: retry_after_seconds.unwrap_or(5).clamp(1, 300) })
        }
    }
}

/// Runs a write of what WorkOS answered a refresh of `session`. WorkOS has rotated the refresh
/// token by then (`refresh_token`), so this write holds its only copy: a transient D1 failure gets
/// one more try rather than signing the user out at the next refresh, and when that fails too the
/// token is kept in KV for the next refresh (`refresh_rescue`). Trying twice is safe: the write
/// is conditional on the claim's version, so a first try that did land makes the second change
/// nothing.
async fn after_rotation<P, F, Write>(
    app: &App<'_, P>,
    session: &SessionRecord,
    refresh_token: &str,
    write: F,
) -> Result<(), DatabaseError>
where
    P: Platform,
    F: Fn() -> Write,
    Write: std::future::Future<Output = Result<(), DatabaseError>>,
{
    let unavailable = |result: &Result<(), DatabaseError>| {
        result.as_ref().is_err_and(|error| error.kind == DatabaseErrorKind::Unavailable)
    };
    let mut written = write().await;
    if let (true, Err(error)) = (unavailable(&written), &written) {
        log_error(&format!("session refresh: storing WorkOS's answer failed ({}); trying once more", error.message));
        written = write().await;
    }
    if unavailable(&written) {
        refresh_rescue::keep(app, session, refresh_token);
    }
    written
}

/// WorkOS refreshed, but the access token it gave cannot be verified now (its key set out of
/// reach, or a key we cannot look up yet). WorkOS has rotated the refresh token, so the one the
/// session holds is spent: storing the new one (sealed as the session's other values are) keeps
/// the session, where dropping it would sign the user out at the next refresh. The access token
/// stays the last one verified. The next refresh waits for the key set's refetch cooldown (the
/// claim is held until then), so requests in the meantime do not each spend a refresh.
async fn keep_rotated_refresh_token<P: Platform>(
    app: &App<'_, P>,
    session: &SessionRecord,
    claimed: i64,
    refresh_token: &str,
    error: TokenError,
) -> Result<Refreshed, ApiError> {
    log_error(&format!(
        "session refresh: WorkOS's new access token could not be verified ({error:?}); kept its refresh token"
    ));
    let pepper = app.config.peppers.get(&session.seal_kid).ok_or_else(session_invalid)?;
    let sealed = seal_for_session(pepper, &session.id_hash, refresh_token);
    let retry_after_seconds = app.config.jwks_refetch_cooldown_seconds.clamp(1, 300);
    let retry_at = app.platform.now() + retry_after_seconds * 1000;
    let db = app.platform.db();
    after_rotation(app, session, refresh_token, || {
        sessions::store_rotated_refresh_token(db, &session.id_hash, claimed, &sealed, retry_at)
    })
    .await?;
    Ok(Refreshed::Unavailable { retry_after_seconds: retry_after_seconds as u64 })
}

/// Moves the cookie's session (`hashes`) into the WorkOS organisation `organization_id`: a
/// refresh into it. The user must be a member (403 `organization_not_member`, asked of WorkOS
/// first so that a refusal spends nothing); an organisation that demands SSO or MFA answers 409
/// with the URL that signs in to it. Every refusal leaves the session as it was, except one
/// that means the session itself is over.
pub async fn switch_organization<P: Platform>(
    app: &App<'_, P>,
    hashes: &str,
    organization_id: &str,
) -> Result<(), ApiError> {
    let db = app.platform.db();
    let now = app.platform.now();
    let session = sessions::live(db, hashes, now).await?.ok_or_else(session_invalid)?;
    let not_member =
        || ApiError::new(ErrorCode::OrganizationNotMember, "you are not a member of that organisation at WorkOS");
    let member = memberships::is_member(app.platform, app.config, &session.user_id, organization_id).await.map_err(
        |failed| match failed {
            CallFailed::Unavailable { retry_after_seconds } => CallFailed::unavailable_error(retry_after_seconds),
            CallFailed::Refused { .. } => not_member(),
        },
    )?;
    if !member {
        return Err(not_member());
    }
    let Some(claimed) = sessions::claim_refresh(db, &session, now, now + refresh_claim_ms(app.config)).await? else {
        return Err(
            ApiError::new(ErrorCode::Conflict, "the session is being refreshed; retry").with_header("retry-after", "1")
        );
    };
    match refresh_claimed(app, &session, claimed, Some(organization_id)).await? {
        Refreshed::Tokens { .. } => Ok(()),
        Refreshed::Refused(code) if authenticate::resolved_by_hosted_sign_in(&code) => Err(ApiError::new(
            ErrorCode::OrganizationSignInRequired,
            &format!("the organisation requires another sign-in ({code})"),
        )
        .with_authorize_url(login_path(&[("organization_id", organization_id)]))),
        Refreshed::Refused(code) if code.contains("membership") => Err(not_member()),
        Refreshed::Refused(code) => {
            log_error(&format!("organisation switch refused by WorkOS ({code}); the session ends"));
            sessions::end(db, &session.id_hash).await?;
            Err(session_invalid())
        }
        Refreshed::Unavailable { retry_after_seconds } => Err(CallFailed::unavailable_error(Some(retry_after_seconds))),
    }
}
