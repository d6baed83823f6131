//! How an MCP client finds its way to a token: RFC 9728 protected resource metadata, AuthKit's
//! authorization server metadata forwarded from this origin (cached), and the
//! `resource_metadata` every refusal's `WWW-Authenticate` points to.

use serde_json::{json, Value};

use crate::app::App;
use crate::config::{McpConfig, MCP_SCOPES};
use crate::http::{ApiError, ApiResponse};
use crate::log::log_error;
use crate::platform::{HttpClient, HttpGet, KeyValueStore, Platform};
use crate::workos::api::CallFailed;

/// How long AuthKit's metadata is kept before asking again.
const METADATA_TTL_SECONDS: u64 = 3600;
/// The metadata document is a few KB.
const MAX_METADATA_BYTES: usize = 64 * 1024;

/// Where the metadata of `resource` lives (RFC 9728 §3.1: the well-known path, then the
/// resource's own path).
pub fn metadata_url(resource: &str) -> String {
    let after_scheme = resource.find("://").map_or(0, |i| i + 3);
    let (origin, path) = match resource[after_scheme..].find('/') {
        Some(i) => resource.split_at(after_scheme + i),
        None => (resource, ""),
    };
    format!("{origin}/.well-known/oauth-protected-resource{}", path.trim_end_matches('/'))
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub fn protected_resource(mcp: &McpConfig, origin: &str) -> ApiResponse {
    let document = json!({
        "resource": mcp.resource(origin),
        "authorization_servers": [mcp.authkit_domain],
        "scopes_supported": MCP_SCOPES,
        "bearer_methods_supported": ["header"],
        "resource_name": "edge-auth",
    });
    cacheable(ApiResponse::json(200, &document))
}

fn cacheable(mut response: ApiResponse) -> ApiResponse {
    for (name, value) in response.headers.iter_mut() {
        if name == "cache-control" {
            *value = "public, max-age=3600".into();
        }
    }
    response
}

fn metadata_key(domain: &str) -> String {
    format!("authkit-metadata:v1:{domain}")
}

/// `GET /.well-known/oauth-authorization-server`: AuthKit's own document, from KV when another
/// request fetched it within the hour.
pub async fn authorization_server<P: Platform>(app: &App<'_, P>, mcp: &McpConfig) -> Result<ApiResponse, ApiError> {
    let key = metadata_key(&mcp.authkit_domain);
    match app.platform.kv().get(&key).await {
        Ok(Some(stored)) => return Ok(cacheable(ApiResponse::raw_json(200, stored.into_bytes()))),
        Ok(None) => {}
        Err(error) => log_error(&format!("authkit metadata: KV read failed: {}", error.0)),
    }
    let url = format!("{}/.well-known/oauth-authorization-server", mcp.authkit_domain);
    let request = HttpGet {
        url: &url,
        headers: vec![("accept", "application/json".to_owned())],
        timeout_ms: app.config.workos_timeout_ms,
        max_body_bytes: MAX_METADATA_BYTES,
    };
    let unavailable = || CallFailed::unavailable_error(None);
    let reply = app.platform.http().get(request).await.map_err(|error| {
        log_error(&format!("authkit metadata: {url} failed: {error}"));
        unavailable()
    })?;
    let document: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    if reply.status != 200 || !document.is_object() {
        log_error(&format!("authkit metadata: {url} answered {} without a document", reply.status));
        return Err(unavailable());
    }
    let text = document.to_string();
    app.platform.kv().put_later(&key, &text, METADATA_TTL_SECONDS);
    Ok(cacheable(ApiResponse::raw_json(200, text.into_bytes())))
}

/// Points a refusal's bearer challenge at the resource metadata, so a client discovers the
/// sign-in from any 401 (and a 403 for a scope).
pub fn point_challenge_at_metadata(response: &mut ApiResponse, metadata: &str) {
    let pointer = format!("resource_metadata=\"{metadata}\"");
    match response.headers.iter_mut().find(|(name, _)| name == "www-authenticate") {
        Some((_, value)) => {
            let rest = value.strip_prefix("Bearer").unwrap_or(value).trim_start_matches([' ', ',']).to_owned();
            *value = if rest.is_empty() { format!("Bearer {pointer}") } else { format!("Bearer {pointer}, {rest}") };
        }
        None => response.headers.push(("www-authenticate".into(), format!("Bearer {pointer}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_of_a_resource_sits_under_its_origin_then_its_path() {
        assert_eq!(
            metadata_url("https://api.example.com/mcp"),
            "https://api.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("https://api.example.com"),
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            metadata_url("http://localhost:8787/mcp/"),
            "http://localhost:8787/.well-known/oauth-protected-resource/mcp"
        );
    }

    #[test]
    fn a_challenge_keeps_its_error_and_gains_the_pointer() {
        let mut response = ApiResponse::empty(401);
        response.headers.push(("www-authenticate".into(), "Bearer error=\"invalid_token\"".into()));
        point_challenge_at_metadata(&mut response, "https://x/.well-known/oauth-protected-resource/mcp");
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer resource_metadata=\"https://x/.well-known/oauth-protected-resource/mcp\", error=\"invalid_token\"")
        );
        let mut bare = ApiResponse::empty(401);
        point_challenge_at_metadata(&mut bare, "m");
        assert_eq!(bare.header("www-authenticate"), Some("Bearer resource_metadata=\"m\""));
    }
}
