use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Deserialize;

use crate::crypto::rsa::RsaVerifyingKey;

/// The usable RS256 keys of a JWKS by `kid`, with their verifying constants precomputed.
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: HashMap<String, UsableKey>,
    /// Keys we refuse (too small, `use: enc`, …): a token naming one must not trigger a refetch.
    unusable: HashSet<String>,
}

#[derive(Debug, Clone)]
struct UsableKey {
    /// `n` and `e` as published, to reuse the set-up across refreshes of an unchanged key.
    components: (String, String),
    key: Rc<RsaVerifyingKey>,
}

/// Why a JWKS document is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwkSetError {
    /// Not JSON of the shape `{"keys": [...]}`.
    Malformed,
    /// Two keys share a `kid`: lookups by `kid` would be ambiguous.
    DuplicateKid(String),
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawRsaJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// What a key lookup found.
#[derive(Debug, Clone)]
pub enum KeyLookup {
    /// Exactly one usable key.
    Found(Rc<RsaVerifyingKey>),
    /// A key with this kid exists but is not usable for RS256.
    Unusable,
    /// No key with this kid.
    Unknown,
}

impl JwkSet {
    /// Parses a JWKS, keeping the keys usable for RS256 verification (the rules of panva/jose):
    /// `kty` RSA, `use` = `sig` if present, `key_ops` contains `verify` if present, `alg` = RS256
    /// if present, modulus of at least 2048 bits. Keys of other types are ignored rather than
    /// failing the set. `previous` lends the set-up of keys that did not change.
    pub fn parse(json: &[u8], previous: Option<&JwkSet>) -> Result<Self, JwkSetError> {
        let raw: RawSet = serde_json::from_slice(json).map_err(|_| JwkSetError::Malformed)?;
        let mut set = JwkSet::default();
        let mut seen_kids = HashSet::new();
        for value in raw.keys {
            let Ok(jwk) = serde_json::from_value::<RawRsaJwk>(value) else {
                // Missing `kty`, or fields of the wrong type: not a key we could use.
                continue;
            };
            let Some(kid) = jwk.kid.clone() else { continue };
            if !seen_kids.insert(kid.clone()) {
                return Err(JwkSetError::DuplicateKid(kid));
            }
            if jwk.kty != "RSA" {
                continue;
            }
            match usable_key(&jwk, previous.and_then(|p| p.keys.get(&kid))) {
                Some(usable) => {
                    set.keys.insert(kid, usable);
                }
                None => {
                    set.unusable.insert(kid);
                }
            }
        }
        Ok(set)
    }

    /// The key for a token's `kid`. Without a `kid`, the only usable key if there is exactly one.
    pub fn lookup(&self, kid: Option<&str>) -> KeyLookup {
        match kid {
            Some(kid) => match self.keys.get(kid) {
                Some(usable) => KeyLookup::Found(usable.key.clone()),
                None if self.unusable.contains(kid) => KeyLookup::Unusable,
                None => KeyLookup::Unknown,
            },
            None if self.keys.len() == 1 => KeyLookup::Found(self.keys.values().next().expect("one key").key.clone()),
            None => KeyLookup::Unknown,
        }
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn usable_key(jwk: &RawRsaJwk, previous: Option<&UsableKey>) -> Option<UsableKey> {
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    if jwk.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|op| op == "verify")) {
        return None;
    }
    if jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
        return None;
    }
    let components = (jwk.n.clone()?, jwk.e.clone()?);
    if let Some(previous) = previous.filter(|p| p.components == components) {
        return Some(previous.clone());
    }
    let n = URL_SAFE_NO_PAD.decode(&components.0).ok()?;
    let e = URL_SAFE_NO_PAD.decode(&components.1).ok()?;
    // The verifier refuses moduli under 2048 bits, even ones and exponents other than 65537.
    let key = RsaVerifyingKey::from_be_bytes(&n, &e).ok()?;
    Some(UsableKey { components, key: Rc::new(key) })
}
