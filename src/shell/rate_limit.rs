use std::cell::OnceCell;

use worker::{Env, RateLimiter as Binding};

use crate::log::log_error;
use crate::platform::RateLimiter;

/// The Workers rate-limiting binding as the core's [`RateLimiter`]. Without the binding (a
/// deployment that left it out) nothing is limited; a failing binding never refuses a sign-in.
pub struct RateLimitAdapter {
    env: Env,
    name: &'static str,
    /// Looked up on first use: only sign-in routes are limited.
    binding: OnceCell<Option<Binding>>,
}

impl RateLimitAdapter {
    /// The binding `name` of `env`, if configured.
    pub fn new(env: &Env, name: &'static str) -> Self {
        Self { env: env.clone(), name, binding: OnceCell::new() }
    }
}

impl RateLimiter for RateLimitAdapter {
    async fn allow(&self, key: &str) -> bool {
        let Some(binding) = self.binding.get_or_init(|| self.env.rate_limiter(self.name).ok()) else { return true };
        match binding.limit(key.to_owned()).await {
            Ok(outcome) => outcome.success,
            Err(error) => {
                log_error(&format!("rate limiter failed, the request goes on: {error}"));
                true
            }
        }
    }
}
