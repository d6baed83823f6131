use std::cell::OnceCell;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Env};

use super::js_error::error_text;
use crate::log::log_error;
use crate::platform::RateLimiter;

/// The Workers rate-limiting binding as the core's [`RateLimiter`]. Without the binding (a
/// deployment that left it out) nothing is limited; a failing binding never refuses a sign-in.
/// Called directly (`limit({ key })`, then the outcome's `success`) rather than through
/// `worker::RateLimiter`, whose serde-wasm-bindgen conversions cost wasm size for two fields.
pub struct RateLimitAdapter {
    env: Env,
    name: &'static str,
    /// Looked up on first use: only sign-in routes are limited.
    binding: OnceCell<Option<worker_sys::RateLimiter>>,
}

impl RateLimitAdapter {
    /// The binding `name` of `env`, if configured.
    pub fn new(env: &Env, name: &'static str) -> Self {
        Self { env: env.clone(), name, binding: OnceCell::new() }
    }

    fn binding(&self) -> Option<&worker_sys::RateLimiter> {
        self.binding.get_or_init(|| super::binding(&self.env, self.name).map(JsCast::unchecked_into)).as_ref()
    }
}

/// Asks the binding about `key`: whether this attempt is within the limit.
async fn within_limit(binding: &worker_sys::RateLimiter, key: &str) -> Result<bool, JsValue> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("key"), &JsValue::from_str(key))?;
    let outcome = JsFuture::from(binding.limit(options)?).await?;
    let success = js_sys::Reflect::get(&outcome, &JsValue::from_str("success"))?;
    success.as_bool().ok_or_else(|| JsValue::from_str("the outcome has no boolean `success`"))
}

impl RateLimiter for RateLimitAdapter {
    async fn allow(&self, key: &str) -> bool {
        let Some(binding) = self.binding() else { return true };
        match within_limit(binding, key).await {
            Ok(allowed) => allowed,
            Err(error) => {
                log_error(&format!("rate limiter failed, the request goes on: {}", error_text(&error)));
                true
            }
        }
    }
}
