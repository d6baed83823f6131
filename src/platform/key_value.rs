/// A key-value store failure.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValueError(pub String);

/// An eventually consistent key-value store (Workers KV).
#[allow(async_fn_in_trait)]
pub trait KeyValueStore {
    /// The value at `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, KeyValueError>;
    /// Stores `value` at `key`, expiring after `ttl_seconds` (KV's minimum is 60).
    async fn put(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError>;
    /// [`KeyValueStore::put`] after the answer has gone out (Workers' `waitUntil`): for writes
    /// that only spare later requests work, which no request should wait for. A failure is
    /// logged, naming the request that asked for the write.
    fn put_later(&self, key: &str, value: &str, ttl_seconds: u64);
}
