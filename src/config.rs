//! Typed configuration, read from the Worker's vars and secrets once per request.

use crate::crypto::pepper::{PepperRing, PepperRingError};

/// Marks every development default for a secret; the production environment refuses them.
pub const INSECURE_DEV_MARKER: &str = "INSECURE-DEV";

/// The longest `WORKOS_USER_CACHE_SECONDS` may be. Migration 0011 relies on it: a sign-in's email
/// is at most this old, so within this long of a `user.updated` the webhook's email stands.
pub const WORKOS_USER_CACHE_MAX_SECONDS: i64 = 3_600;

/// The deployment environment (`ENVIRONMENT` var).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `wrangler dev` on a laptop or in tests.
    Development,
    /// A per-pull-request preview deploy.
    Preview,
    /// The real thing: development defaults are refused.
    Production,
}

/// Everything the worker reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which deployment this is.
    pub environment: Environment,
    /// WorkOS client id (`client_…`).
    pub workos_client_id: String,
    /// WorkOS API base URL without a trailing slash.
    pub workos_api_base: String,
    /// Accepted `iss` values.
    pub workos_issuers: Vec<String>,
    /// Required `aud` value, when set.
    pub workos_audience: Option<String>,
    /// WorkOS API key; when set, emails come from the WorkOS user API.
    pub workos_api_key: Option<String>,
    /// Browser origins allowed by CORS.
    pub allowed_origins: Vec<String>,
    /// Peppers for API key HMACs, the first one current.
    pub peppers: PepperRing,
    /// Clock leeway for `exp`/`nbf`/`iat`, seconds.
    pub jwt_leeway_seconds: i64,
    /// How long a fetched JWKS is trusted, seconds.
    pub jwks_cache_ttl_seconds: i64,
    /// Minimum time between JWKS refetches caused by an unknown `kid`, seconds.
    pub jwks_refetch_cooldown_seconds: i64,
    /// Timeout of calls to WorkOS, milliseconds.
    pub workos_timeout_ms: u64,
    /// How long a user's email from WorkOS is reused before asking again, seconds (0: never).
    pub workos_user_cache_seconds: i64,
    /// Where WorkOS sends the browser back after hosted sign-in; `None`: this origin +
    /// `/v1/auth/callback`.
    pub workos_redirect_uri: Option<String>,
    /// Origins (besides this one) a sign-in may return to, e.g. `https://app.example.com`.
    pub login_return_origins: Vec<String>,
    /// The session cookie's name, `SameSite` and `Domain`.
    pub session_cookie: SessionCookie,
    /// A session unused this long ends, seconds.
    pub session_idle_seconds: i64,
    /// A session ends this long after sign-in whatever its use, seconds.
    pub session_max_seconds: i64,
    /// Whether `/` serves the sign-in console (`SIGN_IN_CONSOLE`: `on`/`off`; on by default
    /// outside production).
    pub sign_in_console: bool,
    /// MCP with AuthKit as the authorisation server (`AUTHKIT_DOMAIN`); `None`: off.
    pub mcp: Option<McpConfig>,
    /// The secret WorkOS signs webhook deliveries with (`WORKOS_WEBHOOK_SECRET`); `None`:
    /// `POST /v1/webhooks/workos` answers 404.
    pub workos_webhook_secret: Option<String>,
    /// `<base>/sso/jwks/<client id>`, computed once: the verifier compares it on every request.
    jwks_url: String,
}

/// Why the configuration cannot be used; surfaced as a 500 with the variable's name, and logged.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The offending variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuration {}: {}", self.variable, self.problem)
    }
}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { variable, problem: problem.into() }
}

impl Config {
    /// Reads the configuration through `lookup` (a var or secret by name; blank counts as unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let environment = match get("ENVIRONMENT").as_deref() {
            None | Some("development") => Environment::Development,
            Some("preview") => Environment::Preview,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(problem("ENVIRONMENT", format!("{other:?} is not development, preview or production")))
            }
        };
        let workos_client_id = get("WORKOS_CLIENT_ID").ok_or_else(|| problem("WORKOS_CLIENT_ID", "is required"))?;
        let workos_api_base = get("WORKOS_API_BASE")
            .unwrap_or_else(|| "https://api.workos.com".to_owned())
            .trim_end_matches('/')
            .to_owned();
        if !(workos_api_base.starts_with("https://") || is_loopback_http(&workos_api_base)) {
            return Err(problem(
                "WORKOS_API_BASE",
                "must be an https:// URL (http:// only for 127.0.0.1 or localhost)",
            ));
        }
        if environment == Environment::Production && !workos_api_base.starts_with("https://") {
            return Err(problem("WORKOS_API_BASE", "production requires https://"));
        }
        let workos_issuers = match get("WORKOS_ISSUERS") {
            Some(list) => split_list(&list),
            None => vec![workos_api_base.clone(), format!("{workos_api_base}/user_management/{workos_client_id}")],
        };
        if workos_issuers.is_empty() {
            return Err(problem("WORKOS_ISSUERS", "lists no issuer"));
        }

        let peppers_text = get("API_KEY_PEPPER").ok_or_else(|| problem("API_KEY_PEPPER", "is required"))?;
        let peppers = PepperRing::parse(&peppers_text).map_err(|error| match error {
            PepperRingError::Malformed(why) => problem("API_KEY_PEPPER", why),
        })?;
        // Empty means unset (the email then comes from the token), as `--var WORKOS_API_KEY:` gives.
        let workos_api_key = get("WORKOS_API_KEY").filter(|key| !key.is_empty());
        if environment == Environment::Production {
            if peppers_text.contains(INSECURE_DEV_MARKER) {
                return Err(problem(
                    "API_KEY_PEPPER",
                    "the development default is refused in production; set a secret",
                ));
            }
            if workos_api_key
                .as_deref()
                .is_some_and(|k| k.contains(INSECURE_DEV_MARKER) || k.starts_with("sk_test_local"))
            {
                return Err(problem("WORKOS_API_KEY", "the development default is refused in production"));
            }
        }

        let workos_redirect_uri = get("WORKOS_REDIRECT_URI");
        if let Some(uri) = &workos_redirect_uri {
            let secure =
                uri.starts_with("https://") || (environment != Environment::Production && is_loopback_http(uri));
            if !secure {
                return Err(problem(
                    "WORKOS_REDIRECT_URI",
                    "must be an https:// URL (http:// only for localhost outside production)",
                ));
            }
        }
        let workos_webhook_secret = get("WORKOS_WEBHOOK_SECRET");
        if environment == Environment::Production
            && workos_webhook_secret.as_deref().is_some_and(|secret| secret.contains(INSECURE_DEV_MARKER))
        {
            return Err(problem("WORKOS_WEBHOOK_SECRET", "the development default is refused in production"));
        }
        let login_return_origins = get("LOGIN_RETURN_ORIGINS").map(|l| split_list(&l)).unwrap_or_default();
        if let Some(bad) = login_return_origins.iter().find(|origin| !is_origin(origin, environment)) {
            return Err(problem("LOGIN_RETURN_ORIGINS", format!("{bad:?} is not an https:// origin")));
        }

        Ok(Self {
            jwks_url: format!("{workos_api_base}/sso/jwks/{workos_client_id}"),
            environment,
            workos_client_id,
            workos_api_base,
            workos_issuers,
            workos_audience: get("WORKOS_AUDIENCE"),
            workos_api_key,
            allowed_origins: get("ALLOWED_ORIGINS").map(|l| split_list(&l)).unwrap_or_default(),
            peppers,
            jwt_leeway_seconds: seconds(&get, "JWT_LEEWAY_SECONDS", 30, 0..=300)?,
            jwks_cache_ttl_seconds: seconds(&get, "JWKS_CACHE_TTL_SECONDS", 600, 1..=86_400)?,
            jwks_refetch_cooldown_seconds: seconds(&get, "JWKS_REFETCH_COOLDOWN_SECONDS", 30, 0..=3_600)?,
            workos_timeout_ms: seconds(&get, "WORKOS_TIMEOUT_MS", 5_000, 100..=30_000)? as u64,
            workos_user_cache_seconds: seconds(
                &get,
                "WORKOS_USER_CACHE_SECONDS",
                300,
                0..=WORKOS_USER_CACHE_MAX_SECONDS,
            )?,
            workos_redirect_uri,
            login_return_origins,
            session_cookie: SessionCookie::from_lookup(&get)?,
            session_idle_seconds: seconds(&get, "SESSION_IDLE_SECONDS", 7 * 86_400, 300..=90 * 86_400)?,
            session_max_seconds: seconds(&get, "SESSION_MAX_SECONDS", 30 * 86_400, 3_600..=400 * 86_400)?,
            mcp: McpConfig::from_lookup(&get, environment, problem)?,
            workos_webhook_secret,
            sign_in_console: match get("SIGN_IN_CONSOLE").as_deref() {
                None => environment != Environment::Production,
                Some("on") => true,
                Some("off") => false,
                Some(other) => return Err(problem("SIGN_IN_CONSOLE", format!("{other:?} is not on or off"))),
            },
        })
    }

    /// The JWKS URL of this client.
    pub fn jwks_url(&self) -> &str {
        &self.jwks_url
    }
}

/// `https://host[:port]` (or `http://localhost…` outside production), with no path.
pub(crate) fn is_origin(origin: &str, environment: Environment) -> bool {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| (environment != Environment::Production && is_loopback_http(origin)).then(|| &origin[7..]));
    rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '@', '\\']))
}

/// How the session cookie is set.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionCookie {
    /// `__Host-edge_auth` unless a `Domain` is configured (the prefix forbids one).
    pub name: String,
    /// `Lax` (default), `Strict` or `None` (cross-site apps; always with `Secure`).
    pub same_site: &'static str,
    /// Shared with subdomains when set.
    pub domain: Option<String>,
}

impl SessionCookie {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let domain = get("SESSION_COOKIE_DOMAIN");
        let same_site = match get("SESSION_COOKIE_SAMESITE").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("lax") => "Lax",
            Some("strict") => "Strict",
            Some("none") => "None",
            Some(other) => {
                return Err(problem("SESSION_COOKIE_SAMESITE", format!("{other:?} is not Lax, Strict or None")))
            }
        };
        let default_name = if domain.is_some() { "edge_auth" } else { "__Host-edge_auth" };
        let name = get("SESSION_COOKIE_NAME").unwrap_or_else(|| default_name.to_owned());
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(problem("SESSION_COOKIE_NAME", "letters, digits, _ and - only"));
        }
        if name.starts_with("__Host-") && domain.is_some() {
            return Err(problem("SESSION_COOKIE_NAME", "a __Host- cookie cannot have a Domain"));
        }
        Ok(Self { name, same_site, domain })
    }

    /// The `Set-Cookie` that gives the browser `secret` for `max_age_seconds`.
    pub fn set(&self, secret: &str, max_age_seconds: i64) -> String {
        crate::http::set_cookie(&self.name, secret, "/", max_age_seconds, self.same_site, self.domain.as_deref())
    }

    /// The `Set-Cookie` that makes the browser drop the cookie.
    pub fn cleared(&self) -> String {
        self.set("", 0)
    }
}

pub(crate) fn is_loopback_http(url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|prefix| url.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])))
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('/').to_owned()).collect()
}

fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|value| range.contains(value))
            .ok_or_else(|| problem(variable, format!("must be an integer in {range:?}"))),
    }
}

// ------------------------------------------------------------------------------------ MCP

/// OAuth scopes an MCP client may be granted (configured in AuthKit), as API key scopes.
pub const MCP_SCOPES: &[&str] = &["read", "write", "keys"];

/// Where MCP tokens come from and what they must be issued for.
#[derive(Debug, Clone, PartialEq)]
pub struct McpConfig {
    /// The AuthKit domain without a trailing slash, e.g. `https://acme.authkit.app`: the issuer.
    pub authkit_domain: String,
    /// `[authkit_domain]`: the one issuer of MCP tokens.
    pub issuers: Vec<String>,
    /// `<domain>/oauth2/jwks`.
    pub jwks_url: String,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: &[(&str, &str)] =
        &[("WORKOS_CLIENT_ID", "client_123"), ("API_KEY_PEPPER", "p1:0123456789abcdef0123456789abcdef")];

    #[test]
    fn issuers_default_to_both_workos_forms() {
        let config = config(BASE).unwrap();
        assert_eq!(
            config.workos_issuers,
            vec!["https://api.workos.com", "https://api.workos.com/user_management/client_123"]
        );
        assert_eq!(config.jwks_url(), "https://api.workos.com/sso/jwks/client_123");
        assert_eq!(config.jwt_leeway_seconds, 30);
    }

    #[test]
    fn a_missing_client_id_is_named() {
        let error = config(&[("API_KEY_PEPPER", "p1:0123456789abcdef0123456789abcdef")]).unwrap_err();
        assert_eq!(error.variable, "WORKOS_CLIENT_ID");
    }

    #[test]
    fn production_refuses_the_development_pepper() {
        let mut vars = vec![("WORKOS_CLIENT_ID", "client_123"), ("ENVIRONMENT", "production")];
        vars.push(("API_KEY_PEPPER", "dev:INSECURE-DEV-pepper-0123456789abcdef"));
        assert_eq!(config(&vars).unwrap_err().variable, "API_KEY_PEPPER");
        vars.pop();
        vars.push(("API_KEY_PEPPER", "dev:INSECURE-DEV-pepper-0123456789abcdef"));
        vars[1] = ("ENVIRONMENT", "development");
        assert!(config(&vars).is_ok());
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let mut vars = BASE.to_vec();
        vars.push(("WORKOS_API_BASE", "http://evil.example.com"));
        assert_eq!(config(&vars).unwrap_err().variable, "WORKOS_API_BASE");
        vars.pop();
        vars.push(("WORKOS_API_BASE", "http://127.0.0.1:9797/"));
        assert_eq!(config(&vars).unwrap().workos_api_base, "http://127.0.0.1:9797");
        vars.pop();
        vars.push(("WORKOS_API_BASE", "http://127.0.0.1.evil.com"));
        assert!(config(&vars).is_err());
    }

    #[test]
    fn out_of_range_durations_are_refused() {
        let mut vars = BASE.to_vec();
        vars.push(("JWT_LEEWAY_SECONDS", "-1"));
        assert_eq!(config(&vars).unwrap_err().variable, "JWT_LEEWAY_SECONDS");
    }

    #[test]
    fn the_console_is_on_outside_production_unless_switched() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = BASE.to_vec();
            vars.extend_from_slice(extra);
            config(&vars)
        };
        assert!(with(&[]).unwrap().sign_in_console);
        assert!(!with(&[("SIGN_IN_CONSOLE", "off")]).unwrap().sign_in_console);
        assert!(!with(&[("ENVIRONMENT", "production")]).unwrap().sign_in_console);
        assert!(with(&[("ENVIRONMENT", "production"), ("SIGN_IN_CONSOLE", "on")]).unwrap().sign_in_console);
        assert_eq!(with(&[("SIGN_IN_CONSOLE", "yes")]).unwrap_err().variable, "SIGN_IN_CONSOLE");
    }
}
