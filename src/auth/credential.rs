use serde_json::{Map, Value};

use super::session_cookie::{hashes, is_secret, SESSION_MAC_PURPOSE};
use crate::app::App;
use crate::config::Config;
use crate::crypto::pepper::PepperRing;
use crate::domain::{credential_key_id, is_api_key_credential, API_KEY_MAC_PURPOSE};
use crate::http::ErrorCode;
use crate::http::{cookie, ApiError, ApiRequest};
use crate::platform::Platform;
use crate::store::api_keys::StoredApiKey;
use crate::token::bearer_token;
use crate::token::Identity;
use std::rc::Rc;

/// A request's bearer credential, checked as far as it can be without the database: an access
/// token is verified (signature and claims), an API key only parsed.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A verified WorkOS access token, or an MCP client's OAuth token (whose `scope` limits it).
    AccessToken(Rc<Identity>),
    /// Something shaped like one of our API keys.
    ApiKey(PresentedApiKey),
    /// A session cookie, not yet looked up: the hashes of its secret under every pepper.
    Session(PresentedSession),
}

/// A session cookie as presented.
#[derive(Clone)]
pub struct PresentedSession {
    /// JSON array of the secret's hashes, for `json_each`.
    pub hashes: String,
}

impl PresentedSession {
    /// The session a cookie's value names; 401 `session_expired` for a value we never make.
    pub fn from_secret(config: &Config, secret: &str) -> Result<Self, ApiError> {
        if !is_secret(secret) {
            return Err(session_invalid());
        }
        Ok(Self { hashes: hashes(&config.peppers, SESSION_MAC_PURPOSE, secret) })
    }
}

impl std::fmt::Debug for PresentedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedSession")
    }
}

/// An API key credential as presented, not yet checked against its stored HMAC.
#[derive(Clone)]
pub struct PresentedApiKey {
    key_id: String,
    credential: String,
}

impl std::fmt::Debug for PresentedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential never reaches logs.
        write!(f, "PresentedApiKey({})", self.key_id)
    }
}

/// 401 for a session cookie we cannot accept: unknown, signed out, revoked or expired.
pub fn session_invalid() -> ApiError {
    ApiError::new(ErrorCode::SessionExpired, "the session has ended; sign in again")
}

/// 401 for any API key we cannot accept; the same answer whether it is unknown, revoked or forged.
pub fn api_key_invalid() -> ApiError {
    ApiError::invalid_token(ErrorCode::ApiKeyInvalid, "the API key is unknown or revoked")
}

/// The session cookie's value when it is the request's credential: sent, and no
/// `Authorization` header (which wins when both are).
pub fn session_cookie_credential<'r>(config: &Config, request: &'r ApiRequest) -> Option<&'r str> {
    if request.header("authorization").is_some() {
        return None;
    }
    cookie(request.header("cookie"), &config.session_cookie.name)
}

impl Credential {
    /// Reads `Authorization: Bearer …`, else the session cookie (the header wins when both are
    /// sent): no credential is 401 `not_authenticated`, a bad token 401 with its reason, a
    /// malformed API key 401 `api_key_invalid`.
    pub async fn from_request<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<Self, ApiError> {
        // An MCP tool's own request: its token was verified by the MCP endpoint.
        if let Some(identity) = &request.mcp_identity {
            return Ok(Credential::AccessToken(identity.clone()));
        }
        if let Some(secret) = session_cookie_credential(app.config, request) {
            return PresentedSession::from_secret(app.config, secret).map(Credential::Session);
        }
        let credential = bearer_token(request)?;
        if is_api_key_credential(credential) {
            let key_id = credential_key_id(credential).ok_or_else(api_key_invalid)?;
            return Ok(Credential::ApiKey(PresentedApiKey { key_id, credential: credential.to_owned() }));
        }
        Ok(Credential::AccessToken(app.authenticate_token(request).await?))
    }
}

impl PresentedApiKey {
    /// The key id the credential names.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// `{kid: mac}` of the credential under every configured pepper, as JSON, so that a SQL
    /// statement can match whichever pepper the stored key was made with.
    pub fn macs_by_pepper(&self, peppers: &PepperRing) -> String {
        let macs: Map<String, Value> = peppers
            .all()
            .iter()
            .map(|pepper| {
                (
                    pepper.kid().to_owned(),
                    Value::String(pepper.mac_base64(API_KEY_MAC_PURPOSE, self.credential.as_bytes())),
                )
            })
            .collect();
        Value::Object(macs).to_string()
    }

    /// Whether the credential is the one `stored` was made from (constant-time comparison).
    pub fn matches(&self, stored: &StoredApiKey, peppers: &PepperRing) -> bool {
        stored.key.id == self.key_id
            && peppers.get(&stored.pepper_kid).is_some_and(|pepper| {
                pepper.verify_mac_base64(API_KEY_MAC_PURPOSE, self.credential.as_bytes(), &stored.secret_hmac)
            })
    }
}
