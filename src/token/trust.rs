use crate::config::{Config, McpConfig};

/// Whom a verifier trusts: the issuers, the key set they sign with, and what `aud` must (or
/// must not) contain. The worker has two: WorkOS's session tokens, and AuthKit's OAuth tokens
/// for MCP clients. Where one deployment gives both the same issuer, `aud` tells them apart:
/// MCP tokens name the resource, session tokens carry none.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Accepted `iss` values.
    pub issuers: &'a [String],
    /// Where the issuers publish their keys.
    pub jwks_url: &'a str,
    /// `aud` must contain this.
    pub required_audience: Option<&'a str>,
    /// `aud` must not contain this.
    pub refused_audience: Option<&'a str>,
    /// Whether the tokens' OAuth `scope` claim limits them (MCP); session tokens' never does.
    pub oauth_scopes: bool,
}

impl Config {
    /// The trust of WorkOS session access tokens; `refused_audience`: the MCP resource, whose
    /// tokens are never session tokens.
    pub fn session_trust<'a>(&'a self, refused_audience: Option<&'a str>) -> Trust<'a> {
        Trust {
            issuers: &self.workos_issuers,
            jwks_url: self.jwks_url(),
            required_audience: self.workos_audience.as_deref(),
            refused_audience,
            oauth_scopes: false,
        }
    }
}

impl McpConfig {
    /// The trust of MCP tokens issued for `resource`.
    pub fn trust<'a>(&'a self, resource: &'a str) -> Trust<'a> {
        Trust {
            issuers: &self.issuers,
            jwks_url: &self.jwks_url,
            required_audience: Some(resource),
            refused_audience: None,
            oauth_scopes: true,
        }
    }
}
