//! `POST /v1/auth/session/organization {organization_id}`: moves the cookie session's WorkOS
//! tokens into another organisation (what `/v1/auth/access-token` returns and
//! `/v1/auth/session` shows). API authorisation still comes from D1 roles.

use serde::Deserialize;

use super::hosted_sign_in::session_hashes;
use super::session::session;
use crate::app::App;
use crate::auth::session_refresh::switch_organization;
use crate::http::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::platform::Platform;
use crate::workos::api::id_segment;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchBody {
    organization_id: String,
}

/// Answers the session as `GET /v1/auth/session` shows it, now in the organisation.
pub async fn switch<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let hashes = session_hashes(app, request)?;
    let body: SwitchBody = request.json()?;
    if id_segment(&body.organization_id).is_none() || !body.organization_id.starts_with("org_") {
        return Err(ApiError::new(ErrorCode::InvalidBody, "organization_id is a WorkOS organisation id (org_…)"));
    }
    switch_organization(app, &hashes, &body.organization_id).await?;
    session(app, request).await
}
