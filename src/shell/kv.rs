use std::cell::OnceCell;
use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{Context, Env};

use super::js_error::error_text;
use super::waits::Waits;
use crate::http::request_id;
use crate::log::{current_request_id, log_error, with_request_id};
use crate::platform::{KeyValueError, KeyValueStore};

#[wasm_bindgen]
extern "C" {
    /// A KV namespace binding: the two methods the worker uses, called directly rather than
    /// through `worker::KvStore`, whose builders pass their options through serde-wasm-bindgen
    /// (and whose construction reads five methods off the binding).
    #[derive(Clone)]
    type KvNamespace;

    /// `get(key, "text")`: the value as text, or null.
    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_text(this: &KvNamespace, key: &str, kind: &str) -> Result<js_sys::Promise, JsValue>;

    /// `put(key, value, {expirationTtl})`.
    #[wasm_bindgen(method, catch)]
    fn put(this: &KvNamespace, key: &str, value: &str, options: &js_sys::Object) -> Result<js_sys::Promise, JsValue>;
}

/// Workers KV as the core's [`KeyValueStore`].
pub struct KvAdapter {
    env: Env,
    binding: &'static str,
    /// The binding, looked up on first use: most requests (a cached token, a database read)
    /// never need it.
    namespace: OnceCell<Option<KvNamespace>>,
    /// The fetch event's context, whose `waitUntil` keeps later writes alive past the answer.
    context: Option<Rc<Context>>,
    waits: Rc<Waits>,
}

impl KvAdapter {
    /// The KV binding `binding` of `env`, with the fetch event's context when there is one; its
    /// reads' waits are added to `waits`.
    pub fn new(env: &Env, binding: &'static str, context: Option<Rc<Context>>, waits: Rc<Waits>) -> Self {
        Self { env: env.clone(), binding, namespace: OnceCell::new(), context, waits }
    }

    fn namespace(&self) -> Result<KvNamespace, KeyValueError> {
        let namespace =
            self.namespace.get_or_init(|| super::binding(&self.env, self.binding).map(JsCast::unchecked_into));
        namespace.clone().ok_or_else(|| KeyValueError(format!("no KV binding named {}", self.binding)))
    }
}

fn kv_error(error: JsValue) -> KeyValueError {
    KeyValueError(error_text(&error))
}

async fn put(namespace: &KvNamespace, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError> {
    let options = js_sys::Object::new();
    // KV refuses a TTL under 60 seconds.
    let ttl = JsValue::from_f64(ttl_seconds.max(60) as f64);
    js_sys::Reflect::set(&options, &JsValue::from_str("expirationTtl"), &ttl).map_err(kv_error)?;
    JsFuture::from(namespace.put(key, value, &options).map_err(kv_error)?).await.map_err(kv_error)?;
    Ok(())
}

async fn get(namespace: &KvNamespace, key: &str) -> Result<Option<String>, KeyValueError> {
    let value = JsFuture::from(namespace.get_text(key, "text").map_err(kv_error)?).await.map_err(kv_error)?;
    Ok(value.as_string())
}

impl KeyValueStore for KvAdapter {
    async fn get(&self, key: &str) -> Result<Option<String>, KeyValueError> {
        Waits::time(&self.waits.kv, get(&self.namespace()?, key)).await
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<(), KeyValueError> {
        Waits::time(&self.waits.kv, put(&self.namespace()?, key, value, ttl_seconds)).await
    }

    fn put_later(&self, key: &str, value: &str, ttl_seconds: u64) {
        let namespace = match self.namespace() {
            Ok(namespace) => namespace,
            Err(error) => return log_error(&format!("KV write of {key} skipped: {}", error.0)),
        };
        let (key, value) = (key.to_owned(), value.to_owned());
        let id = current_request_id().unwrap_or_else(|| request_id(None));
        let write = with_request_id(id, async move {
            if let Err(error) = put(&namespace, &key, &value, ttl_seconds).await {
                log_error(&format!("KV write of {key} failed: {}", error.0));
            }
        });
        match &self.context {
            Some(context) => context.wait_until(write),
            None => wasm_bindgen_futures::spawn_local(write),
        }
    }
}
