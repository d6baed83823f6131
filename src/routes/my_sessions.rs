//! The caller's own WorkOS sessions: `GET /v1/me/sessions` lists them (cursor-paged, the
//! current one marked), `DELETE /v1/me/sessions/{id}` revokes one, `DELETE /v1/me/sessions`
//! revokes all but the current one ("sign out everywhere else"). Revoking a session at WorkOS
//! also ends, at once, the cookie sessions here that belong to it.

use futures::future::join_all;
use serde::Serialize;
use serde_json::json;

use crate::app::App;
use crate::auth::{session_invalid, Credential};
use crate::http::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::log::log_error;
use crate::pagination::{Cursor, Page, PageParams, Position};
use crate::platform::{Database, Platform};
use crate::store::sessions;
use crate::workos::api::CallFailed;
use crate::workos::user_sessions::{self, WorkosSession, MAX_PAGE};

/// How many of a user's sessions are looked through to find one or revoke the rest (WorkOS
/// keeps ended sessions listed too).
const MAX_SESSIONS_SEEN: usize = 1_000;

/// Who asks: a user, and the WorkOS session they ask from (if they ask with one).
struct Asker {
    user_id: String,
    current: Option<String>,
}

/// A session as listed.
#[derive(Serialize)]
struct SessionView<'a> {
    id: &'a str,
    current: bool,
    status: &'a str,
    organization_id: Option<&'a str>,
    auth_method: Option<&'a str>,
    ip_address: Option<&'a str>,
    user_agent: Option<&'a str>,
    created_at: &'a str,
    expires_at: Option<&'a str>,
}

impl<'a> SessionView<'a> {
    fn of(session: &'a WorkosSession, current: Option<&str>) -> Self {
        Self {
            id: &session.id,
            current: current == Some(session.id.as_str()),
            status: &session.status,
            organization_id: session.organization_id.as_deref(),
            auth_method: session.auth_method.as_deref(),
            ip_address: session.ip_address.as_deref(),
            user_agent: session.user_agent.as_deref(),
            created_at: &session.created_at,
            expires_at: session.expires_at.as_deref(),
        }
    }
}

/// The user behind the cookie or access token (API keys have no sessions: 403).
async fn asker<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<Asker, ApiError> {
    match Credential::from_request(app, request).await? {
        Credential::AccessToken(identity) => {
            Ok(Asker { user_id: identity.user_id.clone(), current: identity.session_id.clone() })
        }
        Credential::Session(presented) => {
            let session = sessions::live(app.platform.db(), &presented.hashes, app.platform.now())
                .await?
                .ok_or_else(session_invalid)?;
            Ok(Asker { user_id: session.user_id, current: Some(session.workos_session_id) })
        }
        Credential::ApiKey(_) => Err(ApiError::new(
            ErrorCode::ApiKeyNotAllowed,
            "API keys have no sessions; use the session cookie or a user's access token",
        )),
    }
}

fn unavailable(failed: CallFailed) -> ApiError {
    match failed {
        CallFailed::Unavailable { retry_after_seconds } => CallFailed::unavailable_error(retry_after_seconds),
        CallFailed::Refused { status, .. } => {
            log_error(&format!("workos sessions answered {status}"));
            CallFailed::unavailable_error(None)
        }
    }
}

/// `GET /v1/me/sessions`: newest first.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let params = PageParams::from_request(request, &app.config.peppers);
    let asker = asker(app, request).await?;
    let params = params?;
    let scope = format!("sessions:{}", asker.user_id);
    let after = match params.position_in(&scope)? {
        Some(Position::Upstream { after }) => Some(after.as_str()),
        _ => None,
    };
    let (found, next) = user_sessions::list(app.platform, app.config, &asker.user_id, params.limit, after)
        .await
        .map_err(unavailable)?;
    let next_cursor = next.map(|after| {
        Cursor { scope: scope.clone(), position: Position::Upstream { after } }.encode(app.config.peppers.current())
    });
    let page = Page {
        data: found.iter().map(|session| SessionView::of(session, asker.current.as_deref())).collect::<Vec<_>>(),
        has_more: next_cursor.is_some(),
        next_cursor,
    };
    Ok(ApiResponse::json(200, &page))
}

/// Every session WorkOS lists for the user, up to [`MAX_SESSIONS_SEEN`].
async fn all_sessions<P: Platform>(app: &App<'_, P>, user_id: &str) -> Result<Vec<WorkosSession>, ApiError> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, next) = user_sessions::list(app.platform, app.config, user_id, MAX_PAGE, after.as_deref())
            .await
            .map_err(unavailable)?;
        all.extend(page);
        match next {
            Some(next) if all.len() < MAX_SESSIONS_SEEN => after = Some(next),
            _ => return Ok(all),
        }
    }
}

/// Revokes `ids` at WorkOS, then ends the local sessions of those it revoked (one round trip).
/// 503 when any could not be revoked (the others stay revoked; a retry finishes the rest).
async fn revoke<P: Platform>(app: &App<'_, P>, user_id: &str, ids: &[&str]) -> Result<usize, ApiError> {
    let results = join_all(ids.iter().map(|id| user_sessions::revoke(app.platform, app.config, id))).await;
    let revoked: Vec<&str> = ids.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(id, _)| *id).collect();
    if !revoked.is_empty() {
        let ends = revoked.iter().map(|id| sessions::end_of_workos_session(user_id, id)).collect();
        app.platform.db().batch(ends).await?;
    }
    match results.into_iter().find_map(Result::err) {
        Some(failed) => Err(unavailable(failed)),
        None => Ok(revoked.len()),
    }
}

/// `DELETE /v1/me/sessions/{id}`: 204; 404 `session_not_found` for anyone else's.
pub async fn revoke_one<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    id: &str,
) -> Result<ApiResponse, ApiError> {
    let asker = asker(app, request).await?;
    let mine = all_sessions(app, &asker.user_id).await?.iter().any(|session| session.id == id);
    if !mine {
        return Err(ApiError::new(ErrorCode::SessionNotFound, "you have no session with this id"));
    }
    revoke(app, &asker.user_id, &[id]).await?;
    Ok(ApiResponse::empty(204))
}

/// `DELETE /v1/me/sessions`: revokes every active session but the current one; `{revoked}`.
pub async fn revoke_others<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let asker = asker(app, request).await?;
    let all = all_sessions(app, &asker.user_id).await?;
    let others: Vec<&str> = all
        .iter()
        .filter(|session| session.status == "active" && Some(&session.id) != asker.current.as_ref())
        .map(|session| session.id.as_str())
        .collect();
    let revoked = revoke(app, &asker.user_id, &others).await?;
    Ok(ApiResponse::json(200, &json!({ "revoked": revoked })))
}
