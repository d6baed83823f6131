use std::cell::RefCell;
use std::rc::Rc;

use futures::future::join;
use serde::{Deserialize, Serialize};

use super::jwk_set::{JwkSet, KeyLookup};
use super::TokenError;
use crate::config::Config;
use crate::crypto::rsa::RsaVerifyingKey;
use crate::log::log_error;
use crate::platform::{HttpClient, HttpGet, KeyValueStore, Platform, UnixMillis};

/// Largest JWKS body we read: WorkOS publishes one or two keys (~1 KB); this bounds memory.
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// How long an expired key set may still be used while WorkOS cannot be reached, so an identity
/// provider outage does not log everybody out. A key removed from a set that *was* refetched
/// stops verifying at once.
const MAX_STALE_MS: i64 = 24 * 60 * 60 * 1000;
/// Workers KV refuses expirations shorter than a minute.
const KV_MIN_TTL_SECONDS: u64 = 60;

/// Where a key set came from (for tests and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksSource {
    /// This isolate's memory.
    Memory,
    /// Workers KV, written by any isolate.
    KeyValue,
    /// WorkOS.
    Network,
}

/// Cheap to clone (two reference counts): every verification takes one out of memory.
#[derive(Debug, Clone)]
struct CachedSet {
    url: Rc<str>,
    set: Rc<JwkSet>,
    fetched_at: UnixMillis,
}

/// The KV record of a fetched JWKS: the document as WorkOS sent it, and when.
#[derive(Serialize, Deserialize)]
struct StoredJwks {
    fetched_at: UnixMillis,
    jwks: String,
}

/// The last fetch attempt by any isolate, shared through KV: when, and whether it succeeded. An
/// attempt still in flight counts as a success, so that a failure is only ever reported once
/// seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Attempt {
    at: UnixMillis,
    ok: bool,
}

/// The three-tier JWKS cache of one isolate: memory, then KV, then the network.
///
/// A `kid` missing from a fresh set triggers at most one network fetch per cooldown. The last
/// fetch attempt (when, and whether it worked) is shared through KV, so random `kid`s sent to
/// many isolates cannot make them hammer WorkOS. During the cooldown an unknown `kid` is looked
/// up in the KV copy first, where another isolate may just have stored a rotated set.
#[derive(Debug, Default)]
pub struct JwksCache {
    memory: RefCell<Option<CachedSet>>,
    last_attempt: RefCell<Option<(String, Attempt)>>,
    last_source: RefCell<Option<JwksSource>>,
}

impl JwksCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the key set used by the last lookup came from.
    pub fn last_source(&self) -> Option<JwksSource> {
        *self.last_source.borrow()
    }

    /// Whether `key` is still what a fresh in-memory key set publishes under `kid`. Used by the
    /// verified-token cache so that a cached verification never outlives its key's removal.
    pub fn still_publishes(
        &self,
        config: &Config,
        url: &str,
        now: UnixMillis,
        kid: Option<&str>,
        key: &Rc<RsaVerifyingKey>,
    ) -> bool {
        let memory = self.memory.borrow();
        let Some(cached) = memory.as_ref() else { return false };
        let fresh = &*cached.url == url && now - cached.fetched_at < ttl_ms(config);
        fresh && matches!(cached.set.lookup(kid), KeyLookup::Found(found) if Rc::ptr_eq(&found, key))
    }

    /// The verifying key for a token's `kid` in the key set at `url`.
    pub async fn key_for<P: Platform>(
        &self,
        platform: &P,
        config: &Config,
        url: &str,
        kid: Option<&str>,
    ) -> Result<Rc<RsaVerifyingKey>, TokenError> {
        let now = platform.now();
        let ttl = ttl_ms(config);

        let is_fresh = |c: &CachedSet| now - c.fetched_at < ttl;
        let (fresh, shared_attempt) = match self.memory_set(url).filter(is_fresh) {
            Some(cached) => (Some((cached, JwksSource::Memory)), SharedAttempt::NotRead),
            None => {
                // Memory has nothing fresh: KV's copy of the set and the last fetch attempt (which
                // a miss needs next, unless this isolate's own is recent) are read together, one
                // wait instead of two on a cold isolate.
                let attempt = async {
                    match self.own_recent_attempt(config, url, now) {
                        Some(_) => SharedAttempt::NotRead,
                        None => SharedAttempt::Read(read_shared_attempt(platform, url).await),
                    }
                };
                let (stored, attempt) = join(self.load_from_key_value(platform, url), attempt).await;
                (stored.filter(is_fresh).map(|c| (c, JwksSource::KeyValue)), attempt)
            }
        };
        if let Some((cached, source)) = fresh {
            self.last_source.replace(Some(source));
            return match cached.set.lookup(kid) {
                KeyLookup::Found(key) => Ok(key),
                KeyLookup::Unusable => Err(TokenError::KeyUnusable),
                KeyLookup::Unknown => self.refetch_for_unknown_kid(platform, config, url, kid, shared_attempt).await,
            };
        }

        // Nothing fresh anywhere: refresh, falling back to a stale set if WorkOS is down.
        let stale = self.memory_set(url).filter(|c| now - c.fetched_at < MAX_STALE_MS);
        let fallback = if stale.is_some() { Fallback::StaleSet } else { Fallback::Nothing };
        match self.fetch_if_allowed(platform, config, url, shared_attempt, fallback).await {
            Fetch::Fetched(fresh) => lookup_strict(&fresh.set, kid),
            Fetch::CoolingDown { .. } | Fetch::Failed => match stale {
                Some(stale) => match stale.set.lookup(kid) {
                    KeyLookup::Found(key) => Ok(key),
                    KeyLookup::Unusable => Err(TokenError::KeyUnusable),
                    KeyLookup::Unknown => Err(TokenError::JwksUnavailable),
                },
                None => Err(TokenError::JwksUnavailable),
            },
        }
    }

    async fn refetch_for_unknown_kid<P: Platform>(
        &self,
        platform: &P,
        config: &Config,
        url: &str,
        kid: Option<&str>,
        shared_attempt: SharedAttempt,
    ) -> Result<Rc<RsaVerifyingKey>, TokenError> {
        if kid.is_none() {
            // Without a kid there is nothing a newer set could add.
            return Err(TokenError::KeyUnknown);
        }
        match self.fetch_if_allowed(platform, config, url, shared_attempt, Fallback::FreshSet).await {
            Fetch::Fetched(fresh) => lookup_strict(&fresh.set, kid),
            // Another isolate may have fetched a newer set (a key rotation) within the cooldown:
            // its copy in KV is the answer, not a refusal.
            Fetch::CoolingDown { last_ok } => {
                let newer = self.load_from_key_value(platform, url).await;
                match newer.map(|cached| cached.set.lookup(kid)) {
                    Some(KeyLookup::Found(key)) => Ok(key),
                    Some(KeyLookup::Unusable) => Err(TokenError::KeyUnusable),
                    // The last attempt failed: the kid may be one WorkOS just published.
                    _ if !last_ok => Err(TokenError::JwksUnavailable),
                    _ => Err(TokenError::KeyUnknown),
                }
            }
            // The kid may be a key WorkOS just published that we could not fetch: retryable.
            Fetch::Failed => Err(TokenError::JwksUnavailable),
        }
    }

    fn memory_set(&self, url: &str) -> Option<CachedSet> {
        self.memory.borrow().as_ref().filter(|c| &*c.url == url).cloned()
    }

    /// Reads the KV copy, adopting it into memory when it is newer than ours.
    async fn load_from_key_value<P: Platform>(&self, platform: &P, url: &str) -> Option<CachedSet> {
        let text = match platform.kv().get(&set_key(url)).await {
            Ok(text) => text?,
            Err(error) => {
                log_error(&format!("jwks: KV read failed: {}", error.0));
                return None;
            }
        };
        let stored: StoredJwks = serde_json::from_slice(text.as_bytes()).ok()?;
        let ours = self.memory_set(url);
        if let Some(ours) = ours.as_ref().filter(|o| o.fetched_at >= stored.fetched_at) {
            return Some(ours.clone());
        }
        let previous = ours.as_ref().map(|o| o.set.as_ref());
        let set = JwkSet::parse(stored.jwks.as_bytes(), previous).ok()?;
        let cached = CachedSet { url: url.into(), set: Rc::new(set), fetched_at: stored.fetched_at };
        self.memory.replace(Some(cached.clone()));
        Some(cached)
    }

    /// The last fetch attempt (by any isolate) if it is within the cooldown: no fetch now.
    async fn attempt_cooling_down<P: Platform>(
        &self,
        platform: &P,
        config: &Config,
        url: &str,
        shared_attempt: SharedAttempt,
    ) -> Option<Attempt> {
        let now = platform.now();
        if let Some(attempt) = self.own_recent_attempt(config, url, now) {
            return Some(attempt);
        }
        let shared = match shared_attempt {
            SharedAttempt::Read(attempt) => attempt,
            SharedAttempt::NotRead => read_shared_attempt(platform, url).await,
        };
        // Concurrent requests of this isolate waited on the same KV read: the first of them to
        // get here records its attempt (synchronously, in `record_attempt`), the others see it.
        shared.filter(|attempt| is_recent(config, attempt, now)).or_else(|| self.own_recent_attempt(config, url, now))
    }

    /// This isolate's last fetch attempt at `url`, if it is within the cooldown.
    fn own_recent_attempt(&self, config: &Config, url: &str, now: UnixMillis) -> Option<Attempt> {
        let last = self.last_attempt.borrow();
        last.as_ref()
            .filter(|(attempt_url, attempt)| attempt_url == url && is_recent(config, attempt, now))
            .map(|(_, a)| *a)
    }

    /// Records a fetch attempt in memory and KV, where every isolate's cooldown reads it. The
    /// KV write is not waited for (nor is the set's, in `fetch`): KV is eventually consistent,
    /// so waiting guarantees other isolates nothing, and on a cold isolate the two writes were
    /// most of its first request's extra time (docs/performance.md).
    fn record_attempt<P: Platform>(&self, platform: &P, config: &Config, url: &str, attempt: Attempt) {
        self.last_attempt.replace(Some((url.to_owned(), attempt)));
        let cooldown_ttl = (config.jwks_refetch_cooldown_seconds as u64).max(KV_MIN_TTL_SECONDS);
        let record = serde_json::to_string(&attempt).expect("serialisable");
        platform.kv().put_later(&attempt_key(url), &record, cooldown_ttl);
    }

    /// Fetches the JWKS unless an attempt is cooling down; stores a good answer in memory and KV,
    /// and records a failure for the other isolates.
    async fn fetch_if_allowed<P: Platform>(
        &self,
        platform: &P,
        config: &Config,
        url: &str,
        shared_attempt: SharedAttempt,
        fallback: Fallback,
    ) -> Fetch {
        let now = platform.now();
        if let Some(attempt) = self.attempt_cooling_down(platform, config, url, shared_attempt).await {
            // A request of this isolate fetched since the attempt was made: its set is the answer.
            if let Some(fetched) = self.memory_set(url).filter(|cached| cached.fetched_at >= attempt.at) {
                return Fetch::Fetched(fetched);
            }
            // An attempt of this isolate newer than the one found: its outcome counts.
            let latest = self.last_attempt.borrow().as_ref().map(|(_, latest)| *latest);
            let last_ok = latest.filter(|latest| latest.at >= attempt.at).map_or(attempt.ok, |latest| latest.ok);
            // A request with no set at all while that attempt is still in flight (or worked, and
            // its set is not in KV yet): a cold isolate's concurrent first requests, or a new
            // deployment's isolates starting at once. It cannot verify anything, and it cannot wait
            // for the other request's fetch: the runtime cancels a request's continuations with
            // the request that made the promise (a client hanging up would take every waiter with
            // it). So it fetches too: each such request sets the cache for itself rather than await
            // another's promise. Once the last attempt failed, the cooldown holds for everyone: in
            // an outage WorkOS is asked once per cooldown, not once per request.
            if !(last_ok && matches!(fallback, Fallback::Nothing)) {
                return Fetch::CoolingDown { last_ok };
            }
        }
        self.record_attempt(platform, config, url, Attempt { at: now, ok: true });
        let fetch = self.fetch(platform, config, url, now).await;
        if matches!(fetch, Fetch::Failed) {
            self.record_attempt(platform, config, url, Attempt { at: now, ok: false });
        }
        fetch
    }

    /// One fetch of the JWKS from WorkOS.
    async fn fetch<P: Platform>(&self, platform: &P, config: &Config, url: &str, now: UnixMillis) -> Fetch {
        let request = HttpGet {
            url,
            headers: vec![("accept", "application/json".to_owned())],
            timeout_ms: config.workos_timeout_ms,
            max_body_bytes: MAX_JWKS_BYTES,
        };
        let body = match platform.http().get(request).await {
            Ok(reply) if reply.status == 200 => reply.body,
            Ok(reply) => {
                log_error(&format!("jwks: {url} answered {}", reply.status));
                return Fetch::Failed;
            }
            Err(error) => {
                log_error(&format!("jwks: fetching {url} failed: {error}"));
                return Fetch::Failed;
            }
        };
        let previous = self.memory_set(url);
        let set = match JwkSet::parse(&body, previous.as_ref().map(|p| p.set.as_ref())) {
            Ok(set) => set,
            Err(error) => {
                log_error(&format!("jwks: refusing the document from {url}: {error:?}"));
                return Fetch::Failed;
            }
        };
        let cached = CachedSet { url: url.into(), set: Rc::new(set), fetched_at: now };
        self.memory.replace(Some(cached.clone()));
        self.last_source.replace(Some(JwksSource::Network));
        let stored = StoredJwks { fetched_at: now, jwks: String::from_utf8_lossy(&body).into_owned() };
        let stored = serde_json::to_string(&stored).expect("serialisable");
        platform.kv().put_later(&set_key(url), &stored, (MAX_STALE_MS / 1000) as u64);
        Fetch::Fetched(cached)
    }
}

/// The last fetch attempt as KV holds it, for one request: already read alongside the key set, or
/// not read yet.
enum SharedAttempt {
    NotRead,
    Read(Option<Attempt>),
}

/// The last fetch attempt any isolate recorded in KV (a failed read counts as none: the cooldown
/// then rests on this isolate's memory).
async fn read_shared_attempt<P: Platform>(platform: &P, url: &str) -> Option<Attempt> {
    match platform.kv().get(&attempt_key(url)).await {
        Ok(text) => text.and_then(|text| serde_json::from_slice::<Attempt>(text.as_bytes()).ok()),
        Err(error) => {
            log_error(&format!("jwks: KV read failed: {}", error.0));
            None
        }
    }
}

/// What a request that finds a fetch attempt cooling down has to verify with instead.
#[derive(Clone, Copy)]
enum Fallback {
    /// A fresh set, which does not publish the token's `kid`.
    FreshSet,
    /// An expired set, usable while WorkOS cannot be reached.
    StaleSet,
    /// Nothing: this isolate has no set, and neither has KV.
    Nothing,
}

/// The outcome of a fetch attempt.
enum Fetch {
    /// Another attempt happened within the cooldown; none was made. `last_ok`: whether that one
    /// succeeded (or is still in flight).
    CoolingDown { last_ok: bool },
    /// WorkOS did not give a usable document.
    Failed,
    /// A fresh set, now in memory and KV.
    Fetched(CachedSet),
}

fn lookup_strict(set: &JwkSet, kid: Option<&str>) -> Result<Rc<RsaVerifyingKey>, TokenError> {
    match set.lookup(kid) {
        KeyLookup::Found(key) => Ok(key),
        KeyLookup::Unusable => Err(TokenError::KeyUnusable),
        KeyLookup::Unknown => Err(TokenError::KeyUnknown),
    }
}

/// Whether `attempt` is within the refetch cooldown at `now`.
fn is_recent(config: &Config, attempt: &Attempt, now: UnixMillis) -> bool {
    now - attempt.at < config.jwks_refetch_cooldown_seconds * 1000
}

fn ttl_ms(config: &Config) -> i64 {
    config.jwks_cache_ttl_seconds * 1000
}

fn set_key(url: &str) -> String {
    format!("jwks:v1:{url}")
}

fn attempt_key(url: &str) -> String {
    format!("jwks-attempt:v2:{url}")
}
