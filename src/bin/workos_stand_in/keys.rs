//! Signing keys and the published JWKS.
//!
//! The worker verifies access tokens against WorkOS's JWKS and must survive
//! key rotation, so the stand-in keeps one *current* key (signs new tokens)
//! plus the older keys that are still published until explicitly retired.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use std::sync::Arc;

use super::ids;

/// The size WorkOS uses; the worker may reject anything weaker.
pub const KEY_BITS: usize = 2048;

pub struct SigningKey {
    pub kid: String,
    pub private: RsaPrivateKey,
}

impl SigningKey {
    /// Generates a fresh key with a WorkOS-style kid (`sso_oidc_key_pair_01…`).
    /// Slow-ish (tens of ms in release, much more in an unoptimised build), so
    /// callers generate outside any lock.
    pub fn generate(bits: usize) -> SigningKey {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).expect("RSA key generation failed");
        SigningKey { kid: ids::prefixed("sso_oidc_key_pair"), private }
    }

    /// The public half as a JWK, the shape WorkOS publishes.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(self.private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(self.private.e().to_bytes_be()),
        })
    }
}

/// Keys are shared as `Arc`s so a request can sign with a snapshot of the
/// current key without holding the ring's lock while it does RSA work.
pub struct KeyRing {
    current: Arc<SigningKey>,
    /// Previously current keys that are still published, newest first.
    previous: Vec<Arc<SigningKey>>,
}

impl KeyRing {
    pub fn new(first: SigningKey) -> KeyRing {
        KeyRing { current: Arc::new(first), previous: Vec::new() }
    }

    pub fn current(&self) -> Arc<SigningKey> {
        Arc::clone(&self.current)
    }

    /// Makes `next` the signing key. The old current key stays published so
    /// tokens it signed keep verifying (a graceful rotation), unless
    /// `retire_previous`, which drops every older key from the JWKS to
    /// simulate tokens signed by a key that is no longer trusted.
    pub fn rotate(&mut self, next: SigningKey, retire_previous: bool) {
        let old = std::mem::replace(&mut self.current, Arc::new(next));
        if retire_previous {
            self.previous.clear();
        } else {
            self.previous.insert(0, old);
        }
    }

    /// Published keys, current first.
    pub fn published(&self) -> impl Iterator<Item = &Arc<SigningKey>> {
        std::iter::once(&self.current).chain(self.previous.iter())
    }

    pub fn published_kids(&self) -> Vec<String> {
        self.published().map(|k| k.kid.clone()).collect()
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": self.published().map(|k| k.jwk()).collect::<Vec<_>>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_key;
    use rsa::{BigUint, RsaPublicKey};

    #[test]
    fn jwk_round_trips_to_the_public_key() {
        let key = test_key();
        let jwk = key.jwk();
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert!(jwk["kid"].as_str().unwrap().starts_with("sso_oidc_key_pair_01"));
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
        let public = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).unwrap();
        assert_eq!(public, key.private.to_public_key());
        // No leading zero byte: JWK integers are minimal big-endian.
        assert_ne!(n[0], 0);
        assert_eq!(n.len(), KEY_BITS / 8);
    }

    #[test]
    fn rotation_keeps_or_retires_previous_keys() {
        let a = test_key();
        let a_kid = a.kid.clone();
        let mut ring = KeyRing::new(a);
        assert_eq!(ring.published_kids(), vec![a_kid.clone()]);

        let b = test_key();
        let b_kid = b.kid.clone();
        ring.rotate(b, false);
        assert_eq!(ring.current().kid, b_kid);
        assert_eq!(ring.published_kids(), vec![b_kid.clone(), a_kid.clone()]);

        let c = test_key();
        let c_kid = c.kid.clone();
        ring.rotate(c, true);
        assert_eq!(ring.current().kid, c_kid);
        assert_eq!(ring.published_kids(), vec![c_kid]);
        assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 1);
    }
}
