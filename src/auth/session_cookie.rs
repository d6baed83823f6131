//! The random secrets in the session and sign-in-flow cookies, and their keyed hashes: storage
//! keeps only the hash (HMAC under the pepper, as for API keys), so a database leak yields no
//! usable cookie.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::Value;

use crate::crypto::pepper::{Pepper, PepperRing};
use crate::platform::random_bytes;

/// The hash of a session cookie's secret.
pub const SESSION_MAC_PURPOSE: &str = "session-cookie";
/// The hash of a browser's sign-in-flow cookie.
pub const BROWSER_MAC_PURPOSE: &str = "login-flow-browser";
/// The per-browser cookie that binds sign-in flows to the browser that started them.
pub const FLOW_COOKIE: &str = "__Host-edge_auth_flow";
/// 32 random bytes, base64url.
const SECRET_LEN: usize = 43;

/// A new secret: 256 random bits, base64url.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` has the shape of a secret of ours (anything else names nothing).
pub fn is_secret(text: &str) -> bool {
    text.len() == SECRET_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The stored hash of `secret` under `pepper`.
pub fn hash(pepper: &Pepper, purpose: &str, secret: &str) -> String {
    pepper.mac_base64(purpose, secret.as_bytes())
}

/// The hashes of `secret` under every configured pepper, as a JSON array for `json_each`, so
/// that a cookie made before a pepper rotation still finds its row.
pub fn hashes(peppers: &PepperRing, purpose: &str, secret: &str) -> String {
    Value::Array(peppers.all().iter().map(|pepper| Value::String(hash(pepper, purpose, secret))).collect()).to_string()
}
