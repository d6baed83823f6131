//! The limit on unauthenticated requests that start a sign-in's work (a flow row, a code
//! exchange with WorkOS, a password check): per client address and route, counted by the
//! platform's rate limiter.

use super::Route;
use crate::app::App;
use crate::http::{ApiError, ApiRequest, ErrorCode};
use crate::platform::{Platform, RateLimiter, SIGN_IN_LIMIT_PERIOD_SECONDS};

/// Counts this attempt: 429 `rate_limited` with `Retry-After` when its address is over the limit.
pub async fn limit_sign_in<P: Platform>(app: &App<'_, P>, request: &ApiRequest, route: &Route) -> Result<(), ApiError> {
    // Cloudflare sets the client's address; a request without one (only possible locally)
    // shares one count with the others like it.
    let address = request.header("cf-connecting-ip").unwrap_or("unknown");
    if app.platform.sign_in_limiter().allow(&format!("{}|{address}", route.template())).await {
        return Ok(());
    }
    Err(ApiError::new(ErrorCode::RateLimited, "too many sign-in attempts from this address; retry later")
        .with_header("retry-after", SIGN_IN_LIMIT_PERIOD_SECONDS.to_string()))
}
