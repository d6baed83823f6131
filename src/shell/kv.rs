use std::cell::OnceCell;
use std::rc::Rc;

use worker::{Context, Env, KvStore};

use super::waits::Waits;
use crate::http::request_id;
use crate::log::{current_request_id, log_error, with_request_id};
use crate::platform::{KeyValueError, KeyValueStore};

/// Workers KV as the core's [`KeyValueStore`].
pub struct KvAdapter {
    env: Env,
    binding: &'static str,
    /// The binding, looked up on first use: `worker`'s `KvStore` reads five methods off it (a
    /// crossing each), which most requests (a cached token, a database read) never need.
    store: OnceCell<Result<KvStore, KeyValueError>>,
    /// The fetch event's context, whose `waitUntil` keeps later writes alive past the answer.
    context: Option<Rc<Context>>,
    waits: Rc<Waits>,
}

impl KvAdapter {
    /// The KV binding `binding` of `env`, with the fetch event's context when there is one; its
    /// reads' waits are added to `waits`.
    pub fn new(env: &Env, binding: &'static str, context: Option<Rc<Context>>, waits: Rc<Waits>) -> Self {
        Self { env: env.clone(), binding, store: OnceCell::new(), context, waits }
    }

    fn store(&self) -> Result<&KvStore, KeyValueError> {
        let store = self.store.get_or_init(|| {
            self.env.kv(self.binding).map_err(|error| KeyValueError(format!("the {} binding: {error}", self.binding)))
        });
        store.as_ref().map_err(Clone::clone)
    }
}

async fn put(store: &KvStore, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError> {
    // As bytes (read back as text): `put` takes any `Serialize` value through serde-wasm-bindgen
    // and formats numbers, code (~10 KB of the wasm) a string does not need.
    store
        .put_bytes(key, value.as_bytes())
        .map_err(|e| KeyValueError(e.to_string()))?
        .expiration_ttl(ttl_seconds.max(60))
        .execute()
        .await
        .map_err(|e| KeyValueError(e.to_string()))
}

impl KeyValueStore for KvAdapter {
    async fn get(&self, key: &str) -> Result<Option<String>, KeyValueError> {
        let read = self.store()?.get(key).text();
        Waits::time(&self.waits.kv, read).await.map_err(|e| KeyValueError(e.to_string()))
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError> {
        Waits::time(&self.waits.kv, put(self.store()?, key, value, ttl_seconds)).await
    }

    fn put_later(&self, key: &str, value: &str, ttl_seconds: u64) {
        let store = match self.store() {
            Ok(store) => store.clone(),
            Err(error) => return log_error(&format!("KV write of {key} skipped: {}", error.0)),
        };
        let (key, value) = (key.to_owned(), value.to_owned());
        let id = current_request_id().unwrap_or_else(|| request_id(None));
        let write = with_request_id(id, async move {
            if let Err(error) = put(&store, &key, &value, ttl_seconds).await {
                log_error(&format!("KV write of {key} failed: {}", error.0));
            }
        });
        match &self.context {
            Some(context) => context.wait_until(write),
            None => wasm_bindgen_futures::spawn_local(write),
        }
    }
}
