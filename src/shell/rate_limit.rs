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
        Self { binding: env.rate_limiter(name).ok() }
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
