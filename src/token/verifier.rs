use std::cell::RefCell;
use std::rc::Rc;

use jwt_compact::{AlgorithmExt, ParseError, UntrustedToken, ValidationError};
use serde::Deserialize;

use super::claims::{ClaimPolicy, WorkosClaims};
use super::verified_cache::{CachedVerification, VerifiedTokenCache};
use super::{Identity, JwksCache, Rs256, TokenError, MAX_TOKEN_BYTES};
use crate::config::Config;
use crate::crypto::rsa::RsaVerifyingKey;
use crate::platform::Platform;

/// What one isolate keeps between requests to verify tokens: the JWKS and the verifications.
#[derive(Debug, Default)]
pub struct TokenVerifierState {
    /// The key sets.
    pub jwks: JwksCache,
    /// Tokens verified before.
    pub verified: RefCell<VerifiedTokenCache>,
}

/// Header fields beyond jwt-compact's that change how a token must be read. `jku`, `x5u`, `x5c`
/// and `jwk` are deliberately absent: keys come only from the configured JWKS.
#[derive(Debug, Clone, Deserialize)]
struct ExtensionHeader {
    crit: Option<Vec<String>>,
    b64: Option<bool>,
}

/// Verifies a WorkOS access token: structure, RS256 with a key of the configured JWKS chosen by
/// `kid`, then the claims. The signature is checked before any claim, so a forged token reports
/// a signature failure rather than, say, "expired".
pub async fn verify_access_token<P: Platform>(
    state: &TokenVerifierState,
    platform: &P,
    config: &Config,
    token: &str,
) -> Result<Rc<Identity>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed("too large"));
    }
    let now_ms = platform.now();
    let now = now_ms.div_euclid(1000);
    let leeway = config.jwt_leeway_seconds;

    let hit = state.verified.borrow().get(token, now, leeway).cloned();
    if let Some(hit) = hit {
        if state.jwks.still_publishes(config, now_ms, hit.kid.as_deref(), &hit.key) {
            return Ok(hit.identity);
        }
        state.verified.borrow_mut().remove(token);
    }

    let (identity, kid, key) = verify_signature_and_claims(state, platform, config, token, now).await?;
    let identity = Rc::new(identity);
    state.verified.borrow_mut().insert(
        token,
        CachedVerification { identity: identity.clone(), kid, key },
        now,
        leeway,
    );
    Ok(identity)
}

/// The work a cache miss costs: structure, key lookup, RS256, claims. Public so that benchmark
/// builds can time it; the API always goes through [`verify_access_token`].
pub async fn verify_signature_and_claims<P: Platform>(
    state: &TokenVerifierState,
    platform: &P,
    config: &Config,
    token: &str,
    now: i64,
) -> Result<(Identity, Option<String>, Rc<RsaVerifyingKey>), TokenError> {
    check_compact_encoding(token)?;
    let untrusted = UntrustedToken::<ExtensionHeader>::try_from(token).map_err(parse_error)?;
    if untrusted.algorithm() != "RS256" {
        return Err(TokenError::AlgorithmNotAllowed);
    }
    let extensions = &untrusted.header().other_fields;
    if extensions.crit.as_ref().is_some_and(|crit| !crit.is_empty()) || extensions.b64 == Some(false) {
        return Err(TokenError::UnsupportedHeader);
    }
    let kid = untrusted.header().key_id.clone();
    let key = state.jwks.key_for(platform, config, kid.as_deref()).await?;
    let verified = Rs256
        .validator::<WorkosClaims>(&key)
        .validate(&untrusted)
        .map_err(validation_error)?;
    let identity = ClaimPolicy::from_config(config).check(verified.claims(), now)?;
    Ok((identity, kid, key))
}

/// Compact serialisation as RFC 7515 writes it: three non-empty base64url parts without padding,
/// whitespace or the standard alphabet's `+` `/`, and with canonical (zero) trailing bits, so one
/// token has exactly one spelling. A stripped signature (`a.b.`) fails here.
fn check_compact_encoding(token: &str) -> Result<(), TokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(TokenError::Malformed("a token has exactly three parts"));
    }
    for part in parts {
        if part.is_empty() {
            return Err(TokenError::Malformed("a token part is empty"));
        }
        let mut last = 0u8;
        for byte in part.bytes() {
            last = match byte {
                b'A'..=b'Z' => byte - b'A',
                b'a'..=b'z' => byte - b'a' + 26,
                b'0'..=b'9' => byte - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return Err(TokenError::Malformed("not base64url")),
            };
        }
        let canonical = match part.len() % 4 {
            0 => true,
            2 => last & 0x0f == 0,
            3 => last & 0x03 == 0,
            _ => false,
        };
        if !canonical {
            return Err(TokenError::Malformed("not canonical base64url"));
        }
    }
    Ok(())
}

fn parse_error(error: ParseError) -> TokenError {
    match error {
        ParseError::InvalidTokenStructure => TokenError::Malformed("structure"),
        ParseError::InvalidBase64Encoding => TokenError::Malformed("not base64url"),
        ParseError::MalformedHeader(_) => TokenError::Malformed("header"),
        ParseError::UnsupportedContentType(_) => TokenError::UnsupportedHeader,
        _ => TokenError::Malformed("structure"),
    }
}

fn validation_error(error: ValidationError) -> TokenError {
    match error {
        ValidationError::AlgorithmMismatch { .. } => TokenError::AlgorithmNotAllowed,
        ValidationError::InvalidSignatureLen { .. }
        | ValidationError::MalformedSignature(_)
        | ValidationError::InvalidSignature => TokenError::SignatureInvalid,
        ValidationError::MalformedClaims(_) => TokenError::Malformed("claims"),
        ValidationError::Expired => TokenError::Expired,
        ValidationError::NotMature => TokenError::NotYetValid,
        _ => TokenError::Malformed("claims"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "QQ" and "QR" both decode to "A" in lenient decoders; only "QQ" is canonical.
        assert!(check_compact_encoding("QQ.QQ.QQ").is_ok());
        assert!(check_compact_encoding("QR.QQ.QQ").is_err());
    }

    #[test]
    fn padding_whitespace_and_the_standard_alphabet_are_refused() {
        for token in ["QQ==.QQ.QQ", "Q Q.QQ.QQ", "a+b.QQ.QQ", "a/b.QQ.QQ", "QQ.QQ.", "QQ.QQ", "QQ.QQ.QQ.QQ"] {
            assert!(check_compact_encoding(token).is_err(), "{token} accepted");
        }
    }
}
