//! What a request is served with: the host, the configuration, and what the isolate keeps
//! between requests.

use std::rc::Rc;

use crate::config::Config;
use crate::http::{ApiError, ApiRequest};
use crate::platform::Platform;
use crate::token::{bearer_token, verify_access_token, Identity, TokenVerifierState};
use crate::workos::UserEmailCache;

/// What one isolate keeps between requests: a Worker isolate is single-threaded and serves many
/// requests, so these caches save work without being shared state across isolates.
#[derive(Debug, Default)]
pub struct Isolate {
    /// Key sets and verified tokens.
    pub tokens: TokenVerifierState,
    /// Users' canonical emails, for a few minutes.
    pub user_emails: UserEmailCache,
}

/// What a request handler works with: the host, the configuration and the isolate's caches.
pub struct App<'a, P: Platform> {
    /// D1, KV, fetch and the clock.
    pub platform: &'a P,
    /// This deployment's configuration.
    pub config: &'a Config,
    /// Caches kept by the isolate between requests.
    pub isolate: &'a Isolate,
}

impl<'a, P: Platform> App<'a, P> {
    /// A request context.
    pub fn new(platform: &'a P, config: &'a Config, isolate: &'a Isolate) -> Self {
        Self { platform, config, isolate }
    }

    /// The identity of a request's WorkOS access token (`Authorization: Bearer <jwt>`).
    pub async fn authenticate_token(&self, request: &ApiRequest) -> Result<Rc<Identity>, ApiError> {
        let token = bearer_token(request)?;
        verify_access_token(&self.isolate.tokens, self.platform, self.config, token).await.map_err(ApiError::from)
    }
}
