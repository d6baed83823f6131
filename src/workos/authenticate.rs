//! `POST /user_management/authenticate` (the code and refresh grants) and session revocation:
//! what hosted sign-in and cookie sessions ask of WorkOS.

use serde::Deserialize;
use serde_json::{json, Value};

use super::user_sessions;
use crate::config::Config;
use crate::http::request::url_encode;
use crate::log::log_error;
use crate::platform::{HttpClient, HttpPost, Platform};

/// WorkOS's answers are a few KB (two tokens and a user); anything far larger is not one.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The user object of an answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AuthenticatedUser {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub email_verified: bool,
}

/// A successful grant.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Authenticated {
    pub user: AuthenticatedUser,
    pub organization_id: Option<String>,
    pub access_token: String,
    pub refresh_token: String,
    pub authentication_method: Option<String>,
    pub impersonator: Option<Value>,
}

/// Why a grant gave no tokens.
#[derive(Debug, Clone, PartialEq)]
pub enum GrantRefused {
    /// WorkOS said no for good (`invalid_grant`, a used code, `sso_required`, …): its code.
    Terminal(String),
    /// Try again later (429, 5xx, a timeout, the network): the session survives.
    Unavailable { retry_after_seconds: Option<u64> },
}

/// Whether WorkOS refused a grant (`code`) for want of what only AuthKit's hosted sign-in asks
/// for: the user's SSO connection, a second factor, or their choice among several
/// organisations. Another sign-in on the hosted page resolves those; nothing else does.
pub fn resolved_by_hosted_sign_in(code: &str) -> bool {
    ["sso_required", "mfa_enrollment", "mfa_challenge", "organization_selection_required"].contains(&code)
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: Option<String>,
    code: Option<String>,
}

/// The code grant of hosted sign-in.
pub async fn exchange_code<P: Platform>(
    platform: &P,
    config: &Config,
    code: &str,
    code_verifier: &str,
    invitation_token: Option<&str>,
    ip_address: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Authenticated, GrantRefused> {
    let body = json!({
        "invitation_token": invitation_token,
        "grant_type": "authorization_code",
        "client_id": config.workos_client_id,
        "client_secret": config.workos_api_key,
        "code": code,
        "code_verifier": code_verifier,
        "ip_address": ip_address,
        "user_agent": user_agent,
    });
    authenticate(platform, config, body).await
}

/// The password grant of headless sign-in.
pub async fn password<P: Platform>(
    platform: &P,
    config: &Config,
    email: &str,
    password: &str,
    ip_address: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Authenticated, GrantRefused> {
    let body = json!({
        "grant_type": "password",
        "client_id": config.workos_client_id,
        "client_secret": config.workos_api_key,
        "email": email,
        "password": password,
        "ip_address": ip_address,
        "user_agent": user_agent,
    });
    authenticate(platform, config, body).await
}

/// The refresh grant: single use, the answer carries the next refresh token. With an
/// `organization_id` it moves the session into that organisation.
pub async fn refresh<P: Platform>(
    platform: &P,
    config: &Config,
    refresh_token: &str,
    organization_id: Option<&str>,
) -> Result<Authenticated, GrantRefused> {
    let mut body = json!({
        "grant_type": "refresh_token",
        "client_id": config.workos_client_id,
        "client_secret": config.workos_api_key,
        "refresh_token": refresh_token,
    });
    if let Some(organization_id) = organization_id {
        body["organization_id"] = organization_id.into();
    }
    authenticate(platform, config, body).await
}

async fn authenticate<P: Platform>(platform: &P, config: &Config, body: Value) -> Result<Authenticated, GrantRefused> {
    let url = format!("{}/user_management/authenticate", config.workos_api_base);
    let reply = platform
        .http()
        .post(HttpPost {
            url: &url,
            headers: vec![("accept", "application/json".to_owned())],
            body: body.to_string(),
            timeout_ms: config.workos_timeout_ms,
            max_body_bytes: MAX_ANSWER_BYTES,
        })
        .await
        .map_err(|error| {
            log_error(&format!("workos authenticate failed: {error}"));
            GrantRefused::Unavailable { retry_after_seconds: None }
        })?;
    match reply.status {
        200 => serde_json::from_slice(&reply.body).map_err(|_| {
            log_error("workos authenticate: unexpected answer");
            GrantRefused::Unavailable { retry_after_seconds: None }
        }),
        408 | 429 | 500..=599 => {
            log_error(&format!("workos authenticate answered {}", reply.status));
            Err(GrantRefused::Unavailable { retry_after_seconds: reply.retry_after_seconds })
        }
        status => {
            let answer: Option<ErrorAnswer> = serde_json::from_slice(&reply.body).ok();
            let code = answer.and_then(|a| a.error.or(a.code)).unwrap_or_else(|| format!("http_{status}"));
            Err(GrantRefused::Terminal(code))
        }
    }
}

/// Ends a WorkOS session (`POST /user_management/sessions/revoke`). Best effort: a failure is
/// logged; the local session is gone either way and its refresh token dies with it.
pub async fn revoke_session<P: Platform>(platform: &P, config: &Config, session_id: &str) {
    if let Err(failed) = user_sessions::revoke(platform, config, session_id).await {
        log_error(&format!("workos session revoke failed: {failed:?}"));
    }
}

/// Where to send the browser so WorkOS ends its own session too.
pub fn logout_url(config: &Config, session_id: &str, return_to: &str) -> String {
    format!(
        "{}/user_management/sessions/logout?session_id={}&return_to={}",
        config.workos_api_base,
        url_encode(session_id),
        url_encode(return_to)
    )
}
