//! Random identifiers and timestamps in the formats WorkOS uses.
//!
//! WorkOS ids are a type prefix plus a ULID (`user_01HXYZ…`). Code under test
//! may pattern-match on those prefixes, so the stand-in mimics the shape: the
//! ULID part is `01` followed by 24 characters of Crockford base32 (uppercase,
//! no I/L/O/U). We don't encode a real timestamp because nothing relies on it.

use rand::Rng;
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

pub fn now_unix_secs() -> i64 {
    now_unix_millis().div_euclid(1000)
}

pub fn now_unix_millis() -> i64 {
    // A clock before 1970 would be a broken machine; treat it as the epoch
    // rather than crashing a dev tool.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 in UTC with milliseconds, the format WorkOS uses for
/// `created_at`/`updated_at` (e.g. `2021-06-25T19:07:33.155Z`).
/// Hand-rolled because the crate has no date library and we only need UTC.
pub fn rfc3339_millis(unix_millis: i64) -> String {
    let secs = unix_millis.div_euclid(1000);
    let millis = unix_millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let secs_of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_workos_ids() {
        let id = prefixed("user");
        assert_eq!(id.len(), "user_".len() + 26);
        assert!(id.starts_with("user_01"));
        assert!(id["user_".len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert_ne!(prefixed("user"), prefixed("user"));
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        // 2021-06-25T19:07:33.155Z, the example in WorkOS's docs.
        assert_eq!(
            rfc3339_millis(1_624_648_053_155),
            "2021-06-25T19:07:33.155Z"
        );
        // Leap day and end of year.
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_704_067_199_999),
            "2023-12-31T23:59:59.999Z"
        );
    }
}
