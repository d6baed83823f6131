use std::rc::Rc;

use crate::config::Config;
use crate::http::{bearer_token, ApiError, ApiRequest};
use crate::platform::Platform;
use crate::token::{verify_access_token, Identity, TokenVerifierState};

/// What a request handler works with: the host, the configuration and the isolate's caches.
pub struct App<'a, P: Platform> {
    /// D1, KV, fetch and the clock.
    pub platform: &'a P,
    /// This deployment's configuration.
    pub config: &'a Config,
    /// Caches kept by the isolate between requests.
    pub verifier: &'a TokenVerifierState,
}

impl<'a, P: Platform> App<'a, P> {
    /// A request context.
    pub fn new(platform: &'a P, config: &'a Config, verifier: &'a TokenVerifierState) -> Self {
        Self { platform, config, verifier }
    }

    /// The identity of a request's WorkOS access token (`Authorization: Bearer <jwt>`).
    pub async fn authenticate_token(&self, request: &ApiRequest) -> Result<Rc<Identity>, ApiError> {
        let token = bearer_token(request)?;
        verify_access_token(self.verifier, self.platform, self.config, token).await.map_err(ApiError::from)
    }
}
