use core::fmt;

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;

use super::{Identity, TokenError, Trust};
use crate::config::Config;

/// The claims of a WorkOS AuthKit access token we read. Unknown claims are ignored; a claim of
/// the wrong type, or a claim name given twice, makes the token malformed (serde refuses
/// duplicate fields, and we rely on that rather than picking the first or the last).
///
/// The registered times are read here beside WorkOS's own claims, in one pass. jwt-compact's
/// `Claims<T>` puts `T` under `#[serde(flatten)]`, which makes serde copy every member the outer
/// struct does not name (each key and each string) into a buffer and read `T` from that: ~0.5 µs
/// of the ~2.4 µs that reading and checking the claims took in a fresh verification
/// (docs/performance.md, "What each change bought").
#[derive(Debug, Clone, Deserialize)]
pub struct WorkosClaims {
    #[serde(default, deserialize_with = "unix_time")]
    exp: Option<i64>,
    #[serde(default, deserialize_with = "unix_time")]
    nbf: Option<i64>,
    #[serde(default, deserialize_with = "unix_time")]
    iat: Option<i64>,
    iss: Option<String>,
    sub: Option<String>,
    sid: Option<String>,
    jti: Option<String>,
    org_id: Option<String>,
    role: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    aud: Option<Audience>,
    /// OAuth tokens (MCP): the space-separated scopes and the client they were issued to.
    scope: Option<String>,
    client_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What a token's claims must satisfy; borrowed from the configuration, so checking a token
/// allocates nothing but the identity.
#[derive(Debug, Clone)]
pub struct ClaimPolicy<'a> {
    issuers: &'a [String],
    audience: Option<&'a str>,
    refused_audience: Option<&'a str>,
    oauth_scopes: bool,
    leeway_seconds: i64,
}

impl<'a> ClaimPolicy<'a> {
    /// The policy of session tokens under a configuration.
    pub fn from_config(config: &'a Config) -> Self {
        Self::new(&config.session_trust(None), config.jwt_leeway_seconds)
    }

    /// The policy of a trust.
    pub fn new(trust: &Trust<'a>, leeway_seconds: i64) -> Self {
        Self {
            issuers: trust.issuers,
            audience: trust.required_audience,
            refused_audience: trust.refused_audience,
            oauth_scopes: trust.oauth_scopes,
            leeway_seconds,
        }
    }

    /// Checks the claims of a token whose signature has been verified, at `now` (Unix seconds).
    /// Takes them by value so the identity keeps their strings instead of copying them.
    pub fn check(&self, claims: WorkosClaims, now: i64) -> Result<Identity, TokenError> {
        let expires_at = claims.exp.ok_or(TokenError::ClaimMissing("exp"))?;
        if is_expired(expires_at, now, self.leeway_seconds) {
            return Err(TokenError::Expired);
        }
        let in_future = |moment: Option<i64>| moment.is_some_and(|t| t > now + self.leeway_seconds);
        if in_future(claims.nbf) || in_future(claims.iat) {
            return Err(TokenError::NotYetValid);
        }
        let issuer = claims.iss.as_deref().ok_or(TokenError::IssuerInvalid)?;
        if !self.issuers.iter().any(|trusted| trusted == issuer.trim_end_matches('/')) {
            return Err(TokenError::IssuerInvalid);
        }
        let names = |expected: &str| match &claims.aud {
            Some(Audience::One(aud)) => aud == expected,
            Some(Audience::Many(auds)) => auds.iter().any(|aud| aud == expected),
            None => false,
        };
        if self.audience.is_some_and(|expected| !names(expected)) || self.refused_audience.is_some_and(names) {
            return Err(TokenError::AudienceInvalid);
        }
        let user_id = non_blank(claims.sub).ok_or(TokenError::ClaimMissing("sub"))?;
        Ok(Identity {
            user_id,
            session_id: non_blank(claims.sid),
            token_id: non_blank(claims.jti),
            org_id: non_blank(claims.org_id),
            role: non_blank(claims.role),
            email: non_blank(claims.email),
            email_verified: claims.email_verified == Some(true),
            expires_at,
            // An OAuth token without a scope claim may do nothing scoped; a session token's
            // scope claim (none is expected) is not read.
            scope: self.oauth_scopes.then(|| claims.scope.unwrap_or_default()),
            client_id: non_blank(claims.client_id),
        })
    }
}

/// The value without surrounding whitespace, or `None` when nothing is left; a value that needs
/// no trimming (the usual case) is kept as it is, without a copy.
fn non_blank(value: Option<String>) -> Option<String> {
    let value = value?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == value.len() {
        Some(value)
    } else {
        Some(trimmed.to_owned())
    }
}

/// A registered time (`exp`, `nbf`, `iat`): Unix seconds as an integer, or as a number with a
/// fraction, which is truncated, within the years chrono can represent; anything else makes the
/// token malformed. What jwt-compact's `Claims` accepted, so that reading the claims in one pass
/// accepts the same tokens.
fn unix_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct UnixTime;
    impl Visitor<'_> for UnixTime {
        type Value = i64;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("UTC timestamp")
        }

        fn visit_i64<E: serde::de::Error>(self, seconds: i64) -> Result<i64, E> {
            chrono::DateTime::from_timestamp(seconds, 0)
                .map(|_| seconds)
                .ok_or_else(|| E::custom("UTC timestamp overflow"))
        }

        fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<i64, E> {
            self.visit_i64(i64::try_from(seconds).map_err(E::custom)?)
        }

        #[allow(clippy::cast_possible_truncation)] // out of range, `visit_i64` refuses it
        fn visit_f64<E: serde::de::Error>(self, seconds: f64) -> Result<i64, E> {
            self.visit_i64(seconds as i64)
        }
    }
    deserializer.deserialize_i64(UnixTime).map(Some)
}

/// Whether a token whose `exp` is `expires_at` has expired at `now` (Unix seconds), allowing
/// `leeway_seconds` of clock skew: the one rule for checking claims and for serving a cached
/// verification.
pub fn is_expired(expires_at: i64, now: i64, leeway_seconds: i64) -> bool {
    now > expires_at + leeway_seconds
}
