//! What the core needs from its host: SQL storage, a key-value store, outbound HTTP, a rate
//! limiter and a clock. The worker shell implements them with D1, KV, fetch and the
//! rate-limiting binding; tests with SQLite and in-process fakes of what cannot run here.

mod database;
mod http_client;
mod key_value;
mod rate_limiter;
mod rows_text;

pub use database::{whole_number, Database, DatabaseError, DatabaseErrorKind, Row, RowExt, SqlValue, Statement};
pub use http_client::{FetchError, HttpClient, HttpGet, HttpPost, HttpReply};
pub use key_value::{KeyValueError, KeyValueStore};
pub use rate_limiter::{RateLimiter, SIGN_IN_LIMIT_PERIOD_SECONDS};
pub use rows_text::{rows_from_text, rows_text};

/// Milliseconds since the Unix epoch.
pub type UnixMillis = i64;

/// One request's view of the host.
pub trait Platform {
    /// The SQL database (D1).
    type Db: Database;
    /// The key-value store (Workers KV).
    type Kv: KeyValueStore;
    /// Outbound HTTP (fetch).
    type Http: HttpClient;
    /// The limit on sign-in attempts per client address.
    type Limiter: RateLimiter;

    /// The database.
    fn db(&self) -> &Self::Db;
    /// The key-value store.
    fn kv(&self) -> &Self::Kv;
    /// Outbound HTTP.
    fn http(&self) -> &Self::Http;
    /// The sign-in limiter.
    fn sign_in_limiter(&self) -> &Self::Limiter;
    /// The current time. In a Worker it only advances across I/O, which is all we need.
    fn now(&self) -> UnixMillis;
}

/// Fills `buf` from the operating system's (or the runtime's) CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    // Both hosts have a CSPRNG (getrandom's `js` backend in Workers); failure would mean no
    // entropy at all, where minting ids or secrets must not continue.
    getrandom::getrandom(buf).expect("the platform CSPRNG is unavailable");
}
