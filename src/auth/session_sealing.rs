//! A cookie session's secrets at rest (its WorkOS tokens, the welcome): sealed with an AEAD
//! under a key derived from the pepper, and bound to the session's row, so that a value cannot
//! be moved to another session.

use super::credential::session_invalid;
use crate::config::Config;
use crate::crypto::pepper::Pepper;
use crate::crypto::sealing;
use crate::http::ApiError;
use crate::log::log_error;

/// Seals a value (a WorkOS token, the welcome) for the session `id_hash`: bound to that row, so
/// it cannot be moved to another.
pub fn seal_for_session(pepper: &Pepper, id_hash: &str, plaintext: &str) -> String {
    sealing::seal(pepper, &seal_context(id_hash), plaintext.as_bytes())
}

fn seal_context(id_hash: &str) -> String {
    format!("session:{id_hash}")
}

/// Opens a value sealed for the session `id_hash` under pepper `seal_kid`.
pub fn open_sealed(config: &Config, id_hash: &str, seal_kid: &str, sealed: &str) -> Result<String, ApiError> {
    config
        .peppers
        .get(seal_kid)
        .and_then(|pepper| sealing::open(pepper, &seal_context(id_hash), sealed))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            log_error("session: a sealed value could not be opened (pepper rotated away?)");
            session_invalid()
        })
}
