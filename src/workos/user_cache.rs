//! Users' canonical emails for a few minutes (`WORKOS_USER_CACHE_SECONDS`): in isolate memory,
//! then in KV for the other isolates. A replay or a repeated sign-in within that time makes no
//! WorkOS call, so one user repeating a callback cannot spend the API key's rate limit that
//! everybody's first sign-in needs. The price: an email changed at WorkOS reaches us up to that
//! much later, unless its `user.updated` webhook arrives first (`routes::workos_webhook` puts
//! the new email here and in KV; another isolate's memory keeps the old one until it expires,
//! and migration 0011 keeps its sign-ins from writing that one back).

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::UserEmail;
use crate::config::{Config, WORKOS_USER_CACHE_MAX_SECONDS};
use crate::domain::Email;
use crate::log::log_error;
use crate::platform::{KeyValueStore, Platform, UnixMillis};

/// Most users one isolate remembers. Past it, expired entries go, and if that is not enough,
/// all of them: a cache this short-lived refills from KV at the cost of one read each.
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

/// One isolate's cache of users' emails, by WorkOS user id.
#[derive(Debug, Default)]
pub struct UserEmailCache {
    memory: RefCell<HashMap<String, (UserEmail, UnixMillis)>>,
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
        let mut memory = self.memory.borrow_mut();
        if memory.len() >= MAX_ENTRIES && !memory.contains_key(user_id) {
            // No configuration keeps an entry longer than this.
            let oldest_useful = fetched_at - WORKOS_USER_CACHE_MAX_SECONDS * 1000;
            memory.retain(|_, (_, at)| *at > oldest_useful);
            if memory.len() >= MAX_ENTRIES {
                memory.clear();
            }
        }
        memory.insert(user_id.to_owned(), (user.clone(), fetched_at));
    }
}

fn key(user_id: &str) -> String {
    format!("workos-user:v1:{user_id}")
}
