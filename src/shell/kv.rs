use worker::KvStore;

use crate::platform::{KeyValueError, KeyValueStore};

/// Workers KV as the core's [`KeyValueStore`].
pub struct KvAdapter {
    store: KvStore,
}

impl KvAdapter {
    /// Wraps the `AUTH_KV` binding.
    pub fn new(store: KvStore) -> Self {
        Self { store }
    }
}

impl KeyValueStore for KvAdapter {
    async fn get(&self, key: &str) -> Result<Option<String>, KeyValueError> {
        self.store.get(key).text().await.map_err(|e| KeyValueError(e.to_string()))
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError> {
        self.store
            .put(key, value)
            .map_err(|e| KeyValueError(e.to_string()))?
            .expiration_ttl(ttl_seconds.max(60))
            .execute()
            .await
            .map_err(|e| KeyValueError(e.to_string()))
    }
}
