//! Verification of WorkOS AuthKit access tokens (and AuthKit's OAuth tokens for MCP clients):
//! RS256 JWTs checked against the issuer's JWKS, cached in isolate memory, then KV, then fetched.

mod bearer;
mod claims;
mod error;
mod jwk_set;
mod jwks_cache;
mod rs256;
mod trust;
mod unverified_token;
mod verified_cache;
mod verifier;

pub use bearer::{bearer_token, MAX_TOKEN_BYTES};
pub use claims::ClaimPolicy;
pub use error::TokenError;
// The identity a token speaks for is a domain value (requests carry it too).
pub use crate::domain::Identity;
pub use jwk_set::{JwkSet, JwkSetError};
pub use jwks_cache::{JwksCache, JwksSource};
pub use rs256::Rs256;
pub use trust::Trust;
pub use unverified_token::UnverifiedToken;
pub use verified_cache::VerifiedTokenCache;
#[cfg(feature = "bench-routes")]
pub(crate) use verifier::verify_signature_and_claims;
pub use verifier::{verify_access_token, verify_token, TokenVerifierState};
