//! The MCP configuration: AuthKit as the authorisation server of this worker's MCP endpoint.
//! Off unless `AUTHKIT_DOMAIN` is set.

use crate::config::{is_loopback_http, is_origin, ConfigError, Environment};
use crate::token::Trust;

/// OAuth scopes an MCP client may be granted (configured in AuthKit), as API key scopes.
pub const MCP_SCOPES: &[&str] = &["read", "write", "keys"];

/// Where MCP tokens come from and what they must be issued for.
#[derive(Debug, Clone, PartialEq)]
pub struct McpConfig {
    /// The AuthKit domain without a trailing slash, e.g. `https://acme.authkit.app`: the issuer.
    pub authkit_domain: String,
    issuers: Vec<String>,
    jwks_url: String,
    /// `MCP_RESOURCE`; unset: this origin + `/mcp`.
    resource: Option<String>,
}

impl McpConfig {
    /// Reads `AUTHKIT_DOMAIN` and `MCP_RESOURCE`; `None` when MCP is off.
    pub fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        environment: Environment,
        problem: impl Fn(&'static str, String) -> ConfigError,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(domain) = get("AUTHKIT_DOMAIN") else { return Ok(None) };
        let domain = domain.trim().trim_end_matches('/').to_owned();
        if !is_origin(&domain, environment) {
            return Err(problem(
                "AUTHKIT_DOMAIN",
                "must be an https:// origin (http://localhost outside production)".into(),
            ));
        }
        let resource = get("MCP_RESOURCE").map(|r| r.trim().to_owned());
        let secure_url = |url: &str| {
            url.starts_with("https://") || (environment != Environment::Production && is_loopback_http(url))
        };
        if resource.as_deref().is_some_and(|resource| !secure_url(resource)) {
            return Err(problem(
                "MCP_RESOURCE",
                "must be an https:// URL (http://localhost outside production)".into(),
            ));
        }
        Ok(Some(Self {
            issuers: vec![domain.clone()],
            jwks_url: format!("{domain}/oauth2/jwks"),
            authkit_domain: domain,
            resource,
        }))
    }

    /// The resource MCP tokens must name in `aud` (RFC 8707), for a request to `origin`.
    pub fn resource(&self, origin: &str) -> String {
        self.resource.clone().unwrap_or_else(|| format!("{origin}/mcp"))
    }

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
