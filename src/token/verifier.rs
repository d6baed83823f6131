use std::cell::RefCell;
use std::rc::Rc;

use super::claims::ClaimPolicy;
use super::unverified_token::UnverifiedToken;
use super::verified_cache::{CachedVerification, VerifiedTokenCache};
use super::{Identity, JwksCache, TokenError, Trust, MAX_TOKEN_BYTES};
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

/// Verifies a WorkOS session access token (see [`verify_token`]).
pub async fn verify_access_token<P: Platform>(
    state: &TokenVerifierState,
    platform: &P,
    config: &Config,
    token: &str,
) -> Result<Rc<Identity>, TokenError> {
    verify_token(state, platform, config, &config.session_trust(None), token).await
}

/// Verifies a token under `trust`: structure, RS256 with a key of the trust's JWKS chosen by
/// `kid`, then the claims. The signature is checked before any claim, so a forged token reports
/// a signature failure rather than, say, "expired". `state` belongs to this trust alone, so a
/// token verified under one trust is never taken from the cache under another.
pub async fn verify_token<P: Platform>(
    state: &TokenVerifierState,
    platform: &P,
    config: &Config,
    trust: &Trust<'_>,
    token: &str,
) -> Result<Rc<Identity>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed("too large"));
    }
    let now_ms = platform.now();
    let now = now_ms.div_euclid(1000);
    let leeway = config.jwt_leeway_seconds;

    let digest = state.verified.borrow().digest(token);
    let hit = state.verified.borrow().get(digest, now, leeway).cloned();
    if let Some(hit) = hit {
        if state.jwks.still_publishes(config, trust.jwks_url, now_ms, hit.kid.as_deref(), &hit.key) {
            return Ok(hit.identity);
        }
        state.verified.borrow_mut().remove(digest);
    }

    let (identity, kid, key) = verify_signature_and_claims(state, platform, config, trust, token, now).await?;
    let identity = Rc::new(identity);
    state.verified.borrow_mut().insert(
        digest,
        CachedVerification { identity: identity.clone(), kid, key },
        now,
        leeway,
    );
    Ok(identity)
}

/// The work a cache miss costs: structure, key lookup, RS256, claims. The API always goes through
/// [`verify_access_token`]; benchmark builds time this alone.
pub(crate) async fn verify_signature_and_claims<P: Platform>(
    state: &TokenVerifierState,
    platform: &P,
    config: &Config,
    trust: &Trust<'_>,
    token: &str,
    now: i64,
) -> Result<(Identity, Option<String>, Rc<RsaVerifyingKey>), TokenError> {
    let unverified = UnverifiedToken::parse(token)?;
    let key = state.jwks.key_for(platform, config, trust.jwks_url, unverified.key_id()).await?;
    let claims = unverified.verify(&key)?;
    let identity = ClaimPolicy::new(trust, config.jwt_leeway_seconds).check(claims, now)?;
    let kid = unverified.key_id().map(str::to_owned);
    Ok((identity, kid, key))
}
