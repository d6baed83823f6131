//! The WorkOS user management API, for the canonical email of a user.

use serde::Deserialize;

use crate::config::Config;
use crate::domain::Email;
use crate::http::{log_error, ApiError};
use crate::platform::{HttpClient, HttpGet, Platform};
use crate::token::Identity;

/// A WorkOS user object is ~500 bytes; anything far larger is not one.
const MAX_USER_BYTES: usize = 32 * 1024;

#[derive(Deserialize)]
struct WorkosUser {
    email: String,
}

/// The user's canonical email: from WorkOS when an API key is configured (so an email change
/// at WorkOS reaches us on the next sign-in), otherwise from the token's `email` claim.
pub async fn canonical_email<P: Platform>(
    platform: &P,
    config: &Config,
    identity: &Identity,
) -> Result<Email, ApiError> {
    let Some(api_key) = &config.workos_api_key else {
        return identity.email.as_deref().and_then(Email::parse).ok_or_else(|| {
            ApiError::unprocessable(
                "email_unavailable",
                "the token has no email claim and no WORKOS_API_KEY is configured to look it up",
            )
        });
    };
    // WorkOS user ids are `user_` + alphanumerics; refuse anything that could alter the URL.
    if !identity.user_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(ApiError::unprocessable("email_unavailable", "the token's subject is not a WorkOS user id"));
    }
    let url = format!("{}/user_management/users/{}", config.workos_api_base, identity.user_id);
    let request = HttpGet {
        url: &url,
        headers: vec![
            ("authorization", format!("Bearer {api_key}")),
            ("accept", "application/json".to_owned()),
        ],
        timeout_ms: config.workos_timeout_ms,
        max_body_bytes: MAX_USER_BYTES,
    };
    let unavailable = || ApiError::unavailable("workos_unavailable", "WorkOS could not be reached; retry shortly");
    let reply = platform.http().get(request).await.map_err(|error| {
        log_error(&format!("workos user lookup failed: {error}"));
        unavailable()
    })?;
    match reply.status {
        200 => {}
        404 => {
            return Err(ApiError::unprocessable("email_unavailable", "WorkOS does not know this user"))
        }
        status => {
            log_error(&format!("workos user lookup answered {status}"));
            return Err(unavailable());
        }
    }
    let user: WorkosUser = serde_json::from_slice(&reply.body).map_err(|_| {
        log_error("workos user lookup: unexpected body");
        unavailable()
    })?;
    Email::parse(&user.email)
        .ok_or_else(|| ApiError::unprocessable("email_unavailable", "WorkOS has no usable email for this user"))
}
