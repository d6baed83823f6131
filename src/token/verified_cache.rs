use std::fmt;
use std::rc::Rc;

use siphasher::sip128::SipHasher24;

use super::claims::is_expired;
use super::Identity;
use crate::bounded_map::BoundedMap;
use crate::crypto::rsa::RsaVerifyingKey;
use crate::platform::random_bytes;

/// How many verified tokens one isolate remembers. An entry is ~300 bytes (the identity and the
/// token's 16-byte digest; never the token), so the cache stays well under 1 MB. A full cache
/// drops its expired entries, then its oldest ([`BoundedMap`]).
const CAPACITY: usize = 2048;

/// Successful verifications keyed by a 128-bit SipHash-2-4 of the token under a key drawn at
/// random when the cache is created (once per isolate), so a token seen before skips the RSA work.
///
/// A keyed hash rather than SHA-256: under a secret key SipHash is a pseudorandom function, so
/// nobody who lacks the key can aim a forged token at a cached digest (a chance of 2^-128 per
/// try), and it costs a fraction of SHA-256 in wasm (a hit cost 10.2 µs in workerd with a SHA-256
/// key, 1.1–1.5 µs with this one: `npm run bench`, figure 2). Keeping digests rather than tokens
/// also leaves no bearer token in isolate memory. Entries hold the key that verified them: the
/// caller accepts a hit only while a fresh key set still publishes that very key, so a removed
/// key stops verifying at the next refresh. Failures are never cached.
pub struct VerifiedTokenCache {
    hasher: SipHasher24,
    entries: BoundedMap<TokenDigest, CachedVerification>,
}

/// The keyed digest a token is remembered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest(u128);

/// A remembered verification.
#[derive(Debug, Clone)]
pub struct CachedVerification {
    /// The identity the token carried (shared: a hit hands out a reference count, not a copy).
    pub identity: Rc<Identity>,
    /// The `kid` of the token header.
    pub kid: Option<String>,
    /// The key that verified it.
    pub key: Rc<RsaVerifyingKey>,
}

impl CachedVerification {
    /// Whether its token is still unexpired at `now` (Unix seconds), with `leeway` seconds.
    fn unexpired_at(&self, now: i64, leeway: i64) -> bool {
        !is_expired(self.identity.expires_at, now, leeway)
    }
}

/// Written by hand so that no log line can ever show the hash key.
impl fmt::Debug for VerifiedTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedTokenCache").field("entries", &self.entries.len()).finish_non_exhaustive()
    }
}

impl Default for VerifiedTokenCache {
    fn default() -> Self {
        let mut key = [0u8; 16];
        random_bytes(&mut key);
        Self { hasher: SipHasher24::new_with_key(&key), entries: BoundedMap::new(CAPACITY) }
    }
}

impl VerifiedTokenCache {
    /// The digest `token` is remembered by in this isolate.
    pub fn digest(&self, token: &str) -> TokenDigest {
        TokenDigest(self.hasher.hash(token.as_bytes()).as_u128())
    }

    /// A remembered verification that has not expired at `now` (Unix seconds, with leeway).
    pub fn get(&self, digest: TokenDigest, now: i64, leeway: i64) -> Option<&CachedVerification> {
        self.entries.get(&digest).filter(|v| v.unexpired_at(now, leeway))
    }

    /// Remembers a successful verification; a full cache first drops the expired, then the oldest.
    pub fn insert(&mut self, digest: TokenDigest, verification: CachedVerification, now: i64, leeway: i64) {
        self.entries.insert(digest, verification, |kept| kept.unexpired_at(now, leeway));
    }

    /// Forgets a token (its key is no longer published).
    pub fn remove(&mut self, digest: TokenDigest) {
        self.entries.remove(&digest);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn verification(key: &Rc<RsaVerifyingKey>, expires_at: i64) -> CachedVerification {
        let identity = Identity {
            user_id: "user_1".into(),
            session_id: None,
            token_id: None,
            org_id: None,
            role: None,
            email: None,
            email_verified: false,
            expires_at,
            scope: None,
            client_id: None,
        };
        CachedVerification { identity: Rc::new(identity), kid: None, key: key.clone() }
    }

    fn key() -> Rc<RsaVerifyingKey> {
        // Any 2048-bit odd modulus will do: the cache never uses the key, only holds it.
        let mut modulus = vec![0xff; 256];
        modulus[255] = 0xf1;
        Rc::new(RsaVerifyingKey::from_be_bytes(&modulus, &[1, 0, 1]).unwrap())
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let key = key();
        let mut cache = VerifiedTokenCache::default();
        for i in 0..CAPACITY + 100 {
            cache.insert(cache.digest(&format!("token-{i}")), verification(&key, 1_000), 0, 30);
        }
        assert!(cache.len() <= CAPACITY);
        assert!(
            cache.get(cache.digest(&format!("token-{}", CAPACITY + 99)), 0, 30).is_some(),
            "the newest entry is kept"
        );
    }

    #[test]
    fn expired_entries_are_not_served_and_are_evicted_first() {
        let key = key();
        let mut cache = VerifiedTokenCache::default();
        cache.insert(cache.digest("first"), verification(&key, 10_000), 0, 30);
        cache.insert(cache.digest("old"), verification(&key, 100), 0, 30);
        assert!(cache.get(cache.digest("old"), 130, 30).is_some());
        assert!(cache.get(cache.digest("old"), 131, 30).is_none());
        // An eighth of the cache expired, inserted after `first`: making room drops them, no live one.
        for i in 1..CAPACITY / 8 {
            cache.insert(cache.digest(&format!("old-{i}")), verification(&key, 100), 0, 30);
        }
        for i in cache.len()..CAPACITY + 1 {
            cache.insert(cache.digest(&format!("live-{i}")), verification(&key, 10_000), 200, 30);
        }
        assert!(cache.get(cache.digest("first"), 200, 30).is_some(), "the expired went, not the oldest live entry");
        assert_eq!(cache.len(), CAPACITY - CAPACITY / 8 + 1);
    }

    #[test]
    fn a_full_cache_keeps_the_tokens_in_use() {
        // An isolate that has verified more live tokens than it holds (a burst of first sign-ins),
        // then serves a few callers again and again: each of them is verified once, not on every
        // request. The arbitrary eviction this replaced evicted the tokens just cached, and a
        // replay of eight callers after 4,000 first sign-ins verified RSA on most requests.
        let key = key();
        let mut cache = VerifiedTokenCache::default();
        for i in 0..2 * CAPACITY {
            cache.insert(cache.digest(&format!("burst-{i}")), verification(&key, 10_000), 0, 30);
        }
        let mut verifications = 0;
        for round in 0..1_000 {
            let token = format!("regular-{}", round % 8);
            let digest = cache.digest(&token);
            if cache.get(digest, 0, 30).is_none() {
                verifications += 1;
                cache.insert(digest, verification(&key, 10_000), 0, 30);
            }
        }
        assert_eq!(verifications, 8, "each regular token is verified once");
        assert!(cache.len() <= CAPACITY);
    }

    #[test]
    fn two_isolates_digest_one_token_differently() {
        let (one, other) = (VerifiedTokenCache::default(), VerifiedTokenCache::default());
        assert_eq!(one.digest("a.b.c"), one.digest("a.b.c"));
        assert_ne!(one.digest("a.b.c"), other.digest("a.b.c"), "the hash key is drawn per cache");
    }

    #[test]
    fn debug_output_shows_no_hash_key() {
        let cache = VerifiedTokenCache::default();
        let (k0, k1) = cache.hasher.keys();
        let shown = format!("{cache:?}");
        assert!(!shown.contains(&k0.to_string()) && !shown.contains(&k1.to_string()), "{shown}");
    }

    #[test]
    fn a_hit_needs_the_whole_token() {
        let key = key();
        let mut cache = VerifiedTokenCache::default();
        cache.insert(cache.digest("header.payload.signature"), verification(&key, 1_000), 0, 30);
        assert!(cache.get(cache.digest("header.payload.signaturX"), 0, 30).is_none());
        assert!(cache.get(cache.digest("header.payload.signature"), 0, 30).is_some());
    }
}
