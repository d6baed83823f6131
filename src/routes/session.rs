use serde_json::json;

use super::views::UserView;
use crate::app::App;
use crate::auth::{session_invalid, user_deleted, Credential};
use crate::domain::rfc3339;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::{Database, Platform};
use crate::store::sessions::{self, SessionRecord};
use crate::store::users::{select_user, UserRecord};

/// `GET /v1/auth/session`: with a bearer access token, its verified identity; with the session
/// cookie, the session (user, WorkOS session, organisation and role, how they signed in, who
/// impersonates, when the access token expires, created and last used). One round trip either
/// way: a token's user is looked up too, because a user WorkOS has deleted loses access at their
/// next request, not when the token expires (403 `user_deleted`). A token whose user has not
/// signed in here yet is still described: this route is how an app checks a token before its
/// first callback.
pub async fn session<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let Credential::Session(presented) = Credential::from_request(app, request).await? else {
        let identity = app.authenticate_token(request).await?;
        let stored = app.platform.db().query(select_user(&identity.user_id)).await?;
        if stored.first().map(UserRecord::from_row).transpose()?.is_some_and(|user| user.deleted_at.is_some()) {
            return Err(user_deleted());
        }
        return Ok(ApiResponse::json(200, &json!({ "identity": &*identity })));
    };
    let now = app.platform.now();
    let results = app
        .platform
        .db()
        .batch(vec![sessions::select_live(&presented.hashes, now), sessions::select_user(&presented.hashes, now)])
        .await?;
    let session = results[0].first().map(SessionRecord::from_row).transpose()?.ok_or_else(session_invalid)?;
    let user = results[1].first().map(UserRecord::from_row).transpose()?.ok_or_else(session_invalid)?;
    let impersonator = session
        .impersonator
        .as_deref()
        .and_then(|text| serde_json::from_slice::<serde_json::Value>(text.as_bytes()).ok());
    Ok(ApiResponse::json(
        200,
        &json!({
            "session": {
                "user": UserView::from(&user),
                "workos_session_id": session.workos_session_id,
                "organization_id": session.organization_id,
                "role": session.role,
                "authentication_method": session.authentication_method,
                "impersonator": impersonator,
                "access_token_expires_at": rfc3339(session.access_expires_at),
                "created_at": rfc3339(session.created_at),
                "last_used_at": rfc3339(session.last_used_at),
                "expires_at": rfc3339(session.expires_at.min(session.idle_expires_at)),
            }
        }),
    ))
}
