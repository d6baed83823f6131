//! Random identifiers and timestamps in the formats WorkOS uses.
//!
//! WorkOS ids are a type prefix plus a ULID (`user_01HXYZ…`). Code under test
//! may pattern-match on those prefixes, so the stand-in mimics the shape: the
//! ULID part is `01` followed by 24 characters of Crockford base32 (uppercase,
//! no I/L/O/U). We don't encode a real timestamp because nothing relies on it.

use rand::Rng;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `01` + 24 random Crockford characters: 26 characters, like a ULID.
pub fn ulid_like() -> String {
    let mut rng = rand::thread_rng();
    let mut s = String::with_capacity(26);
    s.push_str("01");
    for _ in 0..24 {
        s.push(CROCKFORD[rng.gen_range(0..CROCKFORD.len())] as char);
    }
    s
}

/// A WorkOS-style id such as `user_01…` or `session_01…`.
pub fn prefixed(prefix: &str) -> String {
    format!("{prefix}_{}", ulid_like())
}

/// The user id of an email, the same in every run of the stand-in: WorkOS keeps a user's id for
/// good, and `npm run dev` keeps its local D1 across restarts, so an in-memory directory that
/// drew a new id per run would leave a developer's workspaces under yesterday's id and make
/// every email they had used name two users. (Case-insensitive, as emails are matched.)
pub fn user_id_for_email(email: &str) -> String {
    let digest = Sha256::digest(email.to_ascii_lowercase().as_bytes());
    // 24 characters of 5 bits each: the digest's first 120 bits.
    let bits = u128::from_be_bytes(digest[..16].try_into().expect("a SHA-256 digest has 32 bytes")) >> 8;
    let ulid: String = (0..24).rev().map(|i| CROCKFORD[((bits >> (5 * i)) & 31) as usize] as char).collect();
    format!("user_01{ulid}")
}

pub fn now_unix_secs() -> i64 {
    now_unix_millis().div_euclid(1000)
}

pub fn now_unix_millis() -> i64 {
    // A clock before 1970 would be a broken machine; treat it as the epoch
    // rather than crashing a dev tool.
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_workos_ids() {
        let id = prefixed("user");
        assert_eq!(id.len(), "user_".len() + 26);
        assert!(id.starts_with("user_01"));
        assert!(id["user_".len()..].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert_ne!(prefixed("user"), prefixed("user"));
    }

    #[test]
    fn an_email_has_one_user_id_in_every_run() {
        let id = user_id_for_email("ada@example.com");
        assert_eq!(id.len(), "user_".len() + 26);
        assert!(id["user_".len()..].bytes().all(|b| CROCKFORD.contains(&b)), "{id}");
        // Fixed, so that a restarted stand-in gives the id an earlier run gave.
        assert_eq!(id, user_id_for_email("Ada@Example.COM"));
        assert_eq!(id, "user_01PQY8BSAQAQWY1M1GM45B8GMV");
        assert_ne!(id, user_id_for_email("bob@example.com"));
    }
}
