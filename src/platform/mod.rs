//! The four things the core needs from its host: SQL storage, a key-value store, outbound HTTP
//! and a clock. The worker shell implements them with D1, KV and fetch; tests with SQLite and
//! in-process fakes of what cannot run here.

mod database;
mod http_client;
mod key_value;

pub use database::{Database, DatabaseError, DatabaseErrorKind, Row, RowExt, SqlValue, Statement};
pub use http_client::{FetchError, HttpClient, HttpGet, HttpPost, HttpReply};
pub use key_value::{KeyValueError, KeyValueStore};

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

    /// The database.
    fn db(&self) -> &Self::Db;
    /// The key-value store.
    fn kv(&self) -> &Self::Kv;
    /// Outbound HTTP.
    fn http(&self) -> &Self::Http;
    /// The current time. In a Worker it only advances across I/O, which is all we need.
    fn now(&self) -> UnixMillis;
}

/// Fills `buf` from the operating system's (or the runtime's) CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    // Both hosts have a CSPRNG (getrandom's `js` backend in Workers); failure would mean no
    // entropy at all, where minting ids or secrets must not continue.
    getrandom::getrandom(buf).expect("the platform CSPRNG is unavailable");
}
