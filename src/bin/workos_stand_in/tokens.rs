//! Minting AuthKit-style access tokens for `POST /__dev/tokens`.
//!
//! Every claim can be overridden or omitted so tests can produce exactly the
//! malformed, expired, not-yet-valid or wrong-audience tokens the worker must
//! reject, not just the happy path.

use jwt_compact::alg::Rsa;
use jwt_compact::{AlgorithmExt as _, Claims, Header};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::ids;
use super::keys::SigningKey;

pub const DEFAULT_TTL_SECONDS: i64 = 300;

/// The request body. Unknown fields are rejected so a typo (`"ttl"` for
/// `"ttl_seconds"`) fails loudly instead of silently minting a default token.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub sub: Option<String>,
    pub email: Option<String>,
    pub sid: Option<String>,
    pub jti: Option<String>,
    pub org_id: Option<String>,
    pub role: Option<String>,
    pub iss: Option<String>,
    /// A string or an array of strings; passed through untouched.
    pub aud: Option<Value>,
    pub ttl_seconds: Option<i64>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    /// Header kid override, e.g. to present a kid the JWKS doesn't have.
    /// The token is still signed with the current key.
    pub kid: Option<String>,
    /// OAuth claims of an AuthKit token for an MCP client.
    pub scope: Option<String>,
    pub client_id: Option<String>,
    /// Claim names to leave out of the payload.
    #[serde(default)]
    pub omit: Vec<String>,
}

/// Builds the payload. `sub` is resolved by the caller because it depends on
/// the user directory; `default_iss` is `<issuer-base>/user_management/<client>`.
pub fn build_claims(req: &TokenRequest, sub: &str, default_iss: &str, now: i64) -> Map<String, Value> {
    let mut claims = Map::new();
    let mut put = |name: &str, value: Value| {
        claims.insert(name.to_string(), value);
    };
    put("sub", sub.into());
    put("iss", req.iss.as_deref().unwrap_or(default_iss).into());
    put("sid", req.sid.clone().unwrap_or_else(|| ids::prefixed("session")).into());
    put("jti", req.jti.clone().unwrap_or_else(ids::ulid_like).into());
    put("iat", req.iat.unwrap_or(now).into());
    put("exp", req.exp.unwrap_or(now + req.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS)).into());
    // Optional claims appear only when asked for, like a WorkOS token for a
    // user outside any organisation (no org_id/role).
    if let Some(nbf) = req.nbf {
        put("nbf", nbf.into());
    }
    if let Some(email) = &req.email {
        put("email", email.as_str().into());
    }
    if let Some(org_id) = &req.org_id {
        put("org_id", org_id.as_str().into());
    }
    if let Some(role) = &req.role {
        put("role", role.as_str().into());
    }
    if let Some(aud) = &req.aud {
        put("aud", aud.clone());
    }
    if let Some(scope) = &req.scope {
        put("scope", scope.as_str().into());
    }
    if let Some(client_id) = &req.client_id {
        put("client_id", client_id.as_str().into());
    }
    for name in &req.omit {
        claims.remove(name);
    }
    claims
}

/// Signs `claims` with RS256 under `key`, with header
/// `{"alg":"RS256","typ":"JWT","kid":header_kid}`.
pub fn sign(claims: Map<String, Value>, key: &SigningKey, header_kid: &str) -> String {
    let header = Header::empty().with_key_id(header_kid).with_token_type("JWT");
    // exp/iat/nbf travel inside the custom map rather than jwt-compact's
    // typed fields so callers can set any integer, including nonsense ones.
    Rsa::rs256().token(&header, &Claims::new(claims), &key.private).expect("serialising JWT claims cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode_part, test_key, verify_rs256};
    use serde_json::json;

    fn request(body: Value) -> TokenRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn default_claims() {
        let claims = build_claims(&TokenRequest::default(), "user_01A", "http://iss/user_management/c", 1000);
        assert_eq!(claims["sub"], "user_01A");
        assert_eq!(claims["iss"], "http://iss/user_management/c");
        assert_eq!(claims["iat"], 1000);
        assert_eq!(claims["exp"], 1000 + DEFAULT_TTL_SECONDS);
        assert!(claims["sid"].as_str().unwrap().starts_with("session_01"));
        assert_eq!(claims["jti"].as_str().unwrap().len(), 26);
        for absent in ["email", "org_id", "role", "aud", "nbf"] {
            assert!(!claims.contains_key(absent), "{absent} should be absent");
        }
    }

    #[test]
    fn overrides_and_omissions() {
        let req = request(json!({
            "email": "ada@example.com", "org_id": "org_01X", "role": "admin",
            "aud": ["a", "b"], "ttl_seconds": -10, "nbf": 5, "iss": "https://other",
            "sid": "session_fixed", "jti": "jti_fixed", "omit": ["sid", "iat"]
        }));
        let claims = build_claims(&req, "user_01A", "unused", 1000);
        assert_eq!(claims["email"], "ada@example.com");
        assert_eq!(claims["org_id"], "org_01X");
        assert_eq!(claims["role"], "admin");
        assert_eq!(claims["aud"], json!(["a", "b"]));
        assert_eq!(claims["exp"], 990);
        assert_eq!(claims["nbf"], 5);
        assert_eq!(claims["iss"], "https://other");
        assert_eq!(claims["jti"], "jti_fixed");
        assert!(!claims.contains_key("sid"));
        assert!(!claims.contains_key("iat"));

        // An explicit exp wins over ttl_seconds.
        let claims = build_claims(&request(json!({"exp": 42, "ttl_seconds": 9})), "s", "i", 1000);
        assert_eq!(claims["exp"], 42);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_value::<TokenRequest>(json!({"ttl": 5})).is_err());
    }

    #[test]
    fn signed_token_has_expected_header_and_verifies() {
        let key = test_key();
        let claims = build_claims(&TokenRequest::default(), "user_01A", "iss", 1000);
        let token = sign(claims.clone(), &key, &key.kid);
        let header = decode_part(&token, 0);
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT", "kid": key.kid}));
        assert_eq!(decode_part(&token, 1), Value::Object(claims));
        verify_rs256(&token, &key.jwk()).expect("signature verifies");

        // A kid override changes only the header.
        let token = sign(Map::new(), &key, "kid_unknown");
        assert_eq!(decode_part(&token, 0)["kid"], "kid_unknown");
        verify_rs256(&token, &key.jwk()).expect("still signed by the current key");
    }
}
