//! What a request is served with: the host, the configuration, and what the isolate keeps
//! between requests.

use std::rc::Rc;

use crate::answered_keys::AnsweredKeys;
use crate::config::Config;
use crate::http::{ApiError, ApiRequest};
use crate::platform::Platform;
use crate::token::{bearer_token, verify_token, Identity, TokenVerifierState};
use crate::workos::UserEmailCache;

/// What one isolate keeps between requests: a Worker isolate is single-threaded and serves many
/// requests, so these caches save work without being shared state across isolates.
#[derive(Debug, Default)]
pub struct Isolate {
    /// Key sets and verified tokens: WorkOS session tokens.
    pub tokens: TokenVerifierState,
    /// The same for AuthKit's OAuth tokens of MCP clients (never mixed with the above).
    pub mcp_tokens: TokenVerifierState,
    /// Users' canonical emails, for a few minutes.
    pub user_emails: UserEmailCache,
    /// Callback keys answered here (a hint that a request is a replay).
    pub answered_keys: AnsweredKeys,
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

    /// The identity of a request's WorkOS access token (`Authorization: Bearer <jwt>`). A token
    /// issued for this worker's MCP resource is not one.
    pub async fn authenticate_token(&self, request: &ApiRequest) -> Result<Rc<Identity>, ApiError> {
        let token = bearer_token(request)?;
        let resource = self.config.mcp.as_ref().map(|mcp| mcp.resource(&request.origin));
        let trust = self.config.session_trust(resource.as_deref());
        verify_token(&self.isolate.tokens, self.platform, self.config, &trust, token).await.map_err(ApiError::from)
    }

    /// The identity of a request's MCP token: an AuthKit OAuth token issued for this worker's
    /// MCP resource. `None` when MCP is off.
    pub async fn authenticate_mcp_token(&self, request: &ApiRequest) -> Option<Result<Rc<Identity>, ApiError>> {
        let mcp = self.config.mcp.as_ref()?;
        let resource = mcp.resource(&request.origin);
        let verified = match bearer_token(request) {
            Ok(token) => {
                verify_token(&self.isolate.mcp_tokens, self.platform, self.config, &mcp.trust(&resource), token)
                    .await
                    .map_err(ApiError::from)
            }
            Err(error) => Err(error),
        };
        Some(verified)
    }
}
