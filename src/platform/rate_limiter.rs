/// How long a sign-in limit's window is, seconds: the `period` of the `SIGN_IN_LIMITER`
/// binding in wrangler.toml, which a refused request is told to wait (`Retry-After`).
pub const SIGN_IN_LIMIT_PERIOD_SECONDS: u64 = 60;

/// A limit on how often one key may start work in a window (the Workers rate-limiting
/// binding: counted per location, eventually consistent, cheap enough for every request).
#[allow(async_fn_in_trait)]
pub trait RateLimiter {
    /// Counts an attempt for `key`: false when the key is over its limit in this window.
    async fn allow(&self, key: &str) -> bool;
}
