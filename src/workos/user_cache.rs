//! Users' canonical emails for a few minutes (`WORKOS_USER_CACHE_SECONDS`): in isolate memory,
//! then in KV for the other isolates. A replay or a repeated sign-in within that time makes no
//! WorkOS call, so one user repeating a callback cannot spend the API key's rate limit that
//! everybody's first sign-in needs. The price: an email changed at WorkOS reaches us up to that
//! much later, unless its `user.updated` webhook arrives first (`routes::workos_webhook` puts
//! the new email here and in KV; another isolate's memory keeps the old one until it expires,
//! and migration 0011 keeps its sign-ins from writing that one back).

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::UserEmail;
use crate::bounded_map::BoundedMap;
use crate::config::{Config, WORKOS_USER_CACHE_MAX_SECONDS};
use crate::domain::Email;
use crate::log::log_error;
use crate::platform::{KeyValueStore, Platform, UnixMillis};

/// Most users one isolate remembers. A full cache drops the entries older than any configuration
/// keeps, then the oldest ([`BoundedMap`]); a user dropped costs one KV read when next seen.
const MAX_ENTRIES: usize = 4_096;
/// Workers KV refuses expirations shorter than a minute; freshness is checked on read anyway.
const KV_MIN_TTL_SECONDS: u64 = 60;

/// The KV record.
#[derive(Serialize, Deserialize)]
struct StoredUser {
    email: String,
    email_verified: bool,
    fetched_at: UnixMillis,
}

/// One isolate's cache of users' emails, by WorkOS user id, with when WorkOS said so.
#[derive(Debug)]
pub struct UserEmailCache {
    memory: RefCell<BoundedMap<String, (UserEmail, UnixMillis)>>,
}

impl Default for UserEmailCache {
    fn default() -> Self {
        Self { memory: RefCell::new(BoundedMap::new(MAX_ENTRIES)) }
    }
}

impl UserEmailCache {
    /// The user's email if WorkOS told any isolate within the cache's lifetime.
    pub async fn get<P: Platform>(&self, platform: &P, config: &Config, user_id: &str) -> Option<UserEmail> {
        let lifetime = config.workos_user_cache_seconds * 1000;
        let now = platform.now();
        let fresh = |fetched_at: UnixMillis| now - fetched_at < lifetime;
        if let Some((user, _)) = self.memory.borrow().get(user_id).filter(|(_, at)| fresh(*at)) {
            return Some(user.clone());
        }
        if lifetime == 0 {
            return None;
        }
        let text = match platform.kv().get(&key(user_id)).await {
            Ok(text) => text?,
            Err(error) => {
                log_error(&format!("workos user cache: KV read failed: {}", error.0));
                return None;
            }
        };
        let stored: StoredUser =
            serde_json::from_slice(text.as_bytes()).ok().filter(|s: &StoredUser| fresh(s.fetched_at))?;
        let user = UserEmail { email: Email::parse(&stored.email)?, verified: stored.email_verified };
        self.remember(user_id, &user, stored.fetched_at);
        Some(user)
    }

    /// Keeps what WorkOS just said of a user, here and, once the answer has gone out, in KV.
    pub fn put<P: Platform>(&self, platform: &P, config: &Config, user_id: &str, user: &UserEmail) {
        if config.workos_user_cache_seconds == 0 {
            return;
        }
        let now = platform.now();
        self.remember(user_id, user, now);
        let stored =
            StoredUser { email: user.email.as_str().to_owned(), email_verified: user.verified, fetched_at: now };
        let stored = serde_json::to_string(&stored).expect("serialisable");
        let ttl = (config.workos_user_cache_seconds as u64).max(KV_MIN_TTL_SECONDS);
        platform.kv().put_later(&key(user_id), &stored, ttl);
    }

    fn remember(&self, user_id: &str, user: &UserEmail, fetched_at: UnixMillis) {
        // No configuration keeps an entry longer than this.
        let oldest_useful = fetched_at - WORKOS_USER_CACHE_MAX_SECONDS * 1000;
        self.memory.borrow_mut().insert(user_id.to_owned(), (user.clone(), fetched_at), |(_, at)| *at > oldest_useful);
    }
}

fn key(user_id: &str) -> String {
    format!("workos-user:v1:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: usize) -> UserEmail {
        UserEmail { email: Email::parse(&format!("user{n}@example.com")).unwrap(), verified: true }
    }

    #[test]
    fn a_full_cache_of_fresh_users_forgets_only_the_oldest() {
        // It once forgot everybody, and every active user cost a KV read again.
        let cache = UserEmailCache::default();
        for n in 0..=MAX_ENTRIES {
            cache.remember(&format!("user_{n}"), &user(n), 1_000_000);
        }
        let memory = cache.memory.borrow();
        assert!(memory.get("user_0").is_none(), "the oldest went");
        assert!(memory.get(&format!("user_{}", MAX_ENTRIES / 8)).is_some(), "seven eighths stayed");
        assert!(memory.get(&format!("user_{MAX_ENTRIES}")).is_some());
    }

    #[test]
    fn entries_older_than_any_configuration_keeps_go_first() {
        let cache = UserEmailCache::default();
        let now = 10 * WORKOS_USER_CACHE_MAX_SECONDS * 1000;
        cache.remember("user_fresh", &user(0), now);
        for n in 1..MAX_ENTRIES {
            cache.remember(&format!("user_{n}"), &user(n), 0);
        }
        cache.remember("user_new", &user(1), now);
        let memory = cache.memory.borrow();
        assert_eq!(memory.len(), 2, "only the stale went");
        assert!(memory.get("user_fresh").is_some() && memory.get("user_new").is_some());
    }
}
