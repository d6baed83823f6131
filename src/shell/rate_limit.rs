use wasm_bindgen::JsValue;
use worker::{Env, RateLimiter as Binding};

use crate::log::log_error;
use crate::platform::RateLimiter;

/// The Workers rate-limiting binding as the core's [`RateLimiter`]. Without the binding (a
/// deployment that left it out) nothing is limited; a failing binding never refuses a sign-in.
pub struct RateLimitAdapter {
    binding: Option<Binding>,
}

impl RateLimitAdapter {
    /// The binding `name` of `env`, if configured.
    pub fn new(env: &Env, name: &str) -> Self {
        // Read without `Env::rate_limiter`'s constructor-name check, which the local runtime's
        // binding object does not pass; both have the same `limit({key})`.
        let value = js_sys::Reflect::get(env, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined());
        Self { binding: value.map(wasm_bindgen::JsCast::unchecked_into) }
    }
}

impl RateLimiter for RateLimitAdapter {
    async fn allow(&self, key: &str) -> bool {
        let Some(binding) = &self.binding else { return true };
        match binding.limit(key.to_owned()).await {
            Ok(outcome) => outcome.success,
            Err(error) => {
                log_error(&format!("rate limiter failed, the request goes on: {error}"));
                true
            }
        }
    }
}
