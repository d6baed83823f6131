use std::collections::HashMap;
use std::rc::Rc;

use sha2::{Digest, Sha256};

use super::Identity;
use crate::crypto::rsa::RsaVerifyingKey;

/// How many verified tokens one isolate remembers. An entry is ~300 bytes; a few thousand active
/// users per isolate is far more than an isolate ever sees.
const CAPACITY: usize = 4096;

/// Successful verifications by SHA-256 of the token, so a token seen before by this isolate
/// skips the RSA work. Entries hold the key that verified them: the caller accepts a hit only
/// while a fresh key set still publishes that very key, so a removed key stops verifying at the
/// next refresh. Failures are never cached.
#[derive(Debug, Default)]
pub struct VerifiedTokenCache {
    entries: HashMap<[u8; 32], CachedVerification>,
}

/// A remembered verification.
#[derive(Debug, Clone)]
pub struct CachedVerification {
    /// The identity the token carried.
    pub identity: Identity,
    /// The `kid` of the token header.
    pub kid: Option<String>,
    /// The key that verified it.
    pub key: Rc<RsaVerifyingKey>,
}

impl VerifiedTokenCache {
    /// The cache key of a token.
    pub fn digest(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    /// A remembered verification that has not expired at `now` (Unix seconds, with leeway).
    pub fn get(&self, digest: &[u8; 32], now: i64, leeway: i64) -> Option<&CachedVerification> {
        self.entries.get(digest).filter(|e| now <= e.identity.expires_at + leeway)
    }

    /// Remembers a successful verification, evicting expired entries (then arbitrary ones) when full.
    pub fn insert(&mut self, digest: [u8; 32], verification: CachedVerification, now: i64, leeway: i64) {
        if self.entries.len() >= CAPACITY {
            self.entries.retain(|_, e| now <= e.identity.expires_at + leeway);
        }
        if self.entries.len() >= CAPACITY {
            if let Some(victim) = self.entries.keys().next().copied() {
                self.entries.remove(&victim);
            }
        }
        self.entries.insert(digest, verification);
    }

    /// Forgets a token (its key is no longer published).
    pub fn remove(&mut self, digest: &[u8; 32]) {
        self.entries.remove(digest);
    }

    /// Number of remembered verifications.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
