//! A user's canonical email, from WorkOS or from the token.

use serde::Deserialize;

use super::UserEmailCache;
use crate::config::Config;
use crate::domain::Email;
use crate::http::ApiError;
use crate::http::ErrorCode;
use crate::log::log_error;
use crate::platform::{HttpClient, HttpGet, Platform};
use crate::token::Identity;

/// A WorkOS user object is ~500 bytes; anything far larger is not one.
const MAX_USER_BYTES: usize = 32 * 1024;

#[derive(Deserialize)]
struct WorkosUser {
    email: String,
    /// WorkOS says whether the user proved they own the address; absent counts as not.
    #[serde(default)]
    email_verified: bool,
}

/// A user's email and whether its owner proved it: only verified emails may be used to find a
/// user (adding a member by email), since anyone can sign up with an address they do not own
/// where the environment does not require verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEmail {
    /// The address.
    pub email: Email,
    /// Whether WorkOS (or the token, with `email_verified: true`) vouches for it.
    pub verified: bool,
}

/// The user's canonical email: from WorkOS when an API key is configured (so an email change
/// at WorkOS reaches us within the cache's lifetime), otherwise from the token's `email` claim.
pub async fn canonical_email<P: Platform>(
    platform: &P,
    config: &Config,
    cache: &UserEmailCache,
    identity: &Identity,
) -> Result<UserEmail, ApiError> {
    let Some(api_key) = &config.workos_api_key else {
        let email = identity.email.as_deref().and_then(Email::parse).ok_or_else(|| {
            ApiError::new(
                ErrorCode::EmailUnavailable,
                "the token has no email claim and no WORKOS_API_KEY is configured to look it up",
            )
        })?;
        return Ok(UserEmail { email, verified: identity.email_verified });
    };
    // WorkOS user ids are `user_` + alphanumerics; refuse anything that could alter the URL.
    if !identity.user_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(ApiError::new(ErrorCode::EmailUnavailable, "the token's subject is not a WorkOS user id"));
    }
    if let Some(cached) = cache.get(platform, config, &identity.user_id).await {
        return Ok(cached);
    }
    let user = fetch_user(platform, config, api_key, &identity.user_id).await?;
    cache.put(platform, config, &identity.user_id, &user);
    Ok(user)
}

/// `GET /user_management/users/{id}`.
async fn fetch_user<P: Platform>(
    platform: &P,
    config: &Config,
    api_key: &str,
    user_id: &str,
) -> Result<UserEmail, ApiError> {
    let url = format!("{}/user_management/users/{user_id}", config.workos_api_base);
    let request = HttpGet {
        url: &url,
        headers: vec![("authorization", format!("Bearer {api_key}")), ("accept", "application/json".to_owned())],
        timeout_ms: config.workos_timeout_ms,
        max_body_bytes: MAX_USER_BYTES,
    };
    let unavailable = || ApiError::new(ErrorCode::WorkosUnavailable, "WorkOS could not be reached; retry shortly");
    let reply = platform.http().get(request).await.map_err(|error| {
        log_error(&format!("workos user lookup failed: {error}"));
        unavailable()
    })?;
    match reply.status {
        200 => {}
        404 => return Err(ApiError::new(ErrorCode::EmailUnavailable, "WorkOS does not know this user")),
        status => {
            log_error(&format!("workos user lookup answered {status}"));
            return Err(unavailable());
        }
    }
    let user: WorkosUser = serde_json::from_slice(&reply.body).map_err(|_| {
        log_error("workos user lookup: unexpected body");
        unavailable()
    })?;
    let email = Email::parse(&user.email)
        .ok_or_else(|| ApiError::new(ErrorCode::EmailUnavailable, "WorkOS has no usable email for this user"))?;
    Ok(UserEmail { email, verified: user.email_verified })
}
